/** RFC 9457 problem details, as every Codeflix API answers errors. */
export interface ProblemDetail {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: { loc: (string | number)[]; msg: string }[];
  [extra: string]: unknown;
}

export class ProblemError extends Error {
  readonly problem: ProblemDetail;

  constructor(problem: ProblemDetail) {
    super(problem.detail || problem.title || `request failed (${problem.status})`);
    this.name = "ProblemError";
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status;
  }

  /** Field errors keyed by the last part of their location (`number`, `exp_month`, …). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      const field = String(e.loc[e.loc.length - 1] ?? "");
      if (field && !out[field]) out[field] = e.msg;
    }
    return out;
  }
}

/** Turn a failed response into a ProblemError, whatever its body. */
export async function problemFrom(response: Response): Promise<ProblemError> {
  let body: unknown = null;
  try {
    body = await response.clone().json();
  } catch {
    body = null;
  }
  return problemOf(body, response);
}

/** A ProblemError from a body already read (`null` when it was not JSON). */
export function problemOf(body: unknown, response: Response): ProblemError {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    return new ProblemError({
      ...b,
      status: typeof b.status === "number" ? b.status : response.status,
      title: typeof b.title === "string" ? b.title : response.statusText,
      detail: typeof b.detail === "string" ? b.detail : undefined,
    } as ProblemDetail);
  }
  return new ProblemError({ status: response.status, title: response.statusText });
}

export function isProblem(error: unknown, status?: number): error is ProblemError {
  return error instanceof ProblemError && (status === undefined || error.status === status);
}

/** What to tell a person about an error, in one sentence. */
export function describeError(error: unknown): string {
  if (error instanceof ProblemError) return error.message;
  if (error instanceof TypeError) return "Codeflix cannot be reached. Check your connection.";
  return error instanceof Error ? error.message : "Something went wrong.";
}
