/** The state of one upload as the console shows it, and the arithmetic behind its numbers. */
export type UploadStatus = "starting" | "uploading" | "paused" | "done" | "refused" | "failed";

export interface UploadState {
  key: string;
  videoId: string;
  kind: string;
  fileName: string;
  size: number;
  sent: number;
  status: UploadStatus;
  /** Bytes per second over the last few seconds (null until there is enough to say). */
  speed: number | null;
  etaSeconds: number | null;
  /** Checksums are on when the server announced the tus checksum extension. */
  checksums: boolean;
  /** Whether this run continued an upload the server already had bytes of. */
  resumedFrom: number | null;
  /** Why the server refused the file (`not_media`, `truncated`, …). */
  reason?: string;
  message?: string;
}

export type UploadAction =
  | { type: "progress"; sent: number; at: number }
  | { type: "resumed"; offset: number }
  | { type: "checksums"; on: boolean }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "done" }
  | { type: "refused"; reason: string; message: string }
  | { type: "failed"; message: string };

/** Speed over a sliding window, so a burst or a stall does not swing the estimate wildly. */
export class SpeedMeter {
  private samples: { at: number; sent: number }[] = [];

  constructor(private readonly windowMs = 5_000) {}

  sample(sent: number, at: number): void {
    const last = this.samples[this.samples.length - 1];
    // Bytes sent can fall back when a chunk is sent again (a retry): start measuring anew.
    if (last && sent < last.sent) this.samples = [];
    this.samples.push({ at, sent });
    while (this.samples.length > 2 && at - (this.samples[0]?.at ?? at) > this.windowMs) {
      this.samples.shift();
    }
  }

  reset(): void {
    this.samples = [];
  }

  bytesPerSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < 500) return null;
    return ((last.sent - first.sent) * 1000) / (last.at - first.at);
  }
}

export function timeLeft(size: number, sent: number, speed: number | null): number | null {
  if (!speed || speed <= 0) return null;
  return Math.max(0, Math.ceil((size - sent) / speed));
}

export function uploadReducer(
  state: UploadState,
  action: UploadAction,
  meter: SpeedMeter,
): UploadState {
  switch (action.type) {
    case "progress": {
      if (state.status === "paused" || state.status === "done") return state;
      meter.sample(action.sent, action.at);
      const speed = meter.bytesPerSecond();
      return {
        ...state,
        status: "uploading",
        sent: action.sent,
        speed,
        etaSeconds: timeLeft(state.size, action.sent, speed),
      };
    }
    case "resumed":
      return { ...state, resumedFrom: action.offset, sent: Math.max(state.sent, action.offset) };
    case "checksums":
      return { ...state, checksums: action.on };
    case "pause":
      meter.reset();
      return state.status === "uploading" || state.status === "starting"
        ? { ...state, status: "paused", speed: null, etaSeconds: null }
        : state;
    case "resume":
      return state.status === "paused" || state.status === "failed"
        ? { ...state, status: "starting", message: undefined }
        : state;
    case "done":
      return { ...state, status: "done", sent: state.size, speed: null, etaSeconds: 0 };
    case "refused":
      return { ...state, status: "refused", reason: action.reason, message: action.message };
    case "failed":
      return { ...state, status: "failed", message: action.message, speed: null, etaSeconds: null };
  }
}

/** The reason a tus response refused the file: the problem's `errors[0].msg` (`not_media`, …)
 * and its detail; null when the response was no refusal (a network error, a 5xx). */
export function refusalOf(
  status: number,
  body: string,
): { reason: string; message: string } | null {
  if (status < 400 || status >= 500) return null;
  try {
    const problem = JSON.parse(body) as {
      detail?: unknown;
      title?: unknown;
      errors?: { msg?: unknown }[];
    };
    const reason = problem.errors?.[0]?.msg;
    const detail =
      typeof problem.detail === "string" ? problem.detail : String(problem.title ?? "");
    return { reason: typeof reason === "string" ? reason : `http_${status}`, message: detail };
  } catch {
    return { reason: `http_${status}`, message: body.slice(0, 200) };
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "–";
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${seconds % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The tus checksum header for a body: `sha256 <base64 digest>`. */
export async function checksumHeader(body: Blob | ArrayBuffer): Promise<string> {
  const bytes = body instanceof Blob ? await body.arrayBuffer() : body;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return `sha256 ${btoa(binary)}`;
}

/** Whether an OPTIONS answer announces checksums we can compute (sha256). */
export function announcesChecksums(extensions: string | null, algorithms: string | null): boolean {
  const ext = (extensions ?? "").split(",").map((s) => s.trim());
  const algs = (algorithms ?? "").split(",").map((s) => s.trim().toLowerCase());
  return ext.includes("checksum") && algs.includes("sha256");
}
