import createClient, { type Middleware } from "openapi-fetch";
import { ProblemError, problemFrom, problemOf } from "../problems";
import type { paths } from "./schema";

type TokenGetter = () => string | null;
let accessToken: TokenGetter = () => null;

/** The auth provider tells the API client how to find the current access token. */
export function setAccessTokenSource(source: TokenGetter): void {
  accessToken = source;
}

export function authHeaders(): Record<string, string> {
  const token = accessToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = accessToken();
    if (token && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${token}`);
    }
    return request;
  },
};

/** Typed client of the platform's public API (types generated from the gateway's OpenAPI). */
// Looked up on each call (not captured once), so tests can stand in for the network.
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  fetch: (request) => globalThis.fetch(request),
});
api.use(auth);

/** Unwrap an openapi-fetch result: the data, or a ProblemError with the API's problem. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  // openapi-fetch has read the body already: the problem document is `error`.
  if (!response.ok) throw problemOf(typeof error === "string" ? null : error, response);
  return data as T;
}

/** For the paths the generated types do not know yet (search runs as its own service). */
export async function getJson<T>(path: string, params: Record<string, string | undefined>) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") query.set(k, v);
  const qs = query.toString();
  const response = await fetch(qs ? `${path}?${qs}` : path, { headers: authHeaders() });
  if (!response.ok) throw await problemFrom(response);
  return (await response.json()) as T;
}

export { ProblemError };
