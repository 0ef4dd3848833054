import { authHeaders } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { problemFrom } from "@/lib/problems";

type Schemas = components["schemas"];
export type Category = Schemas["CategoryPublic"];
export type Genre = Schemas["GenrePublic"];
export type CastMember = Schemas["CastMemberPublic"];
export type Video = Schemas["VideoPublic"];
export type MediaAdmin = Schemas["MediaAdmin"];
export type MediaKind = "video" | "trailer" | "banner" | "thumbnail";

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

/** A resource as read, with the ETag an update must send back in If-Match. */
export interface Tagged<T> {
  data: T;
  etag: string;
}

/** Every admin collection the catalog has, by its path below /api/v1/admin. */
export type Collection = "categories" | "genres" | "cast-members" | "videos";

const BASE = "/api/v1/admin";

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [k, v] of Object.entries(authHeaders())) headers.set(k, v);
  if (init.body !== undefined) headers.set("Content-Type", "application/json");
  const response = await fetch(`${BASE}${path}`, { ...init, headers });
  if (!response.ok) throw await problemFrom(response);
  return response;
}

export async function listPage<T>(
  collection: Collection,
  query: Record<string, string | undefined>,
): Promise<Page<T>> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const qs = params.toString();
  const response = await send(`/${collection}${qs ? `?${qs}` : ""}`);
  return (await response.json()) as Page<T>;
}

export async function readOne<T>(collection: Collection, id: string): Promise<Tagged<T>> {
  const response = await send(`/${collection}/${encodeURIComponent(id)}`);
  return { data: (await response.json()) as T, etag: response.headers.get("ETag") ?? "" };
}

export async function createOne<T>(collection: Collection, body: object): Promise<Tagged<T>> {
  const response = await send(`/${collection}`, { method: "POST", body: JSON.stringify(body) });
  return { data: (await response.json()) as T, etag: response.headers.get("ETag") ?? "" };
}

/** PATCH with If-Match: a 412 ProblemError when someone changed it since `etag` was read. */
export async function updateOne<T>(
  collection: Collection,
  id: string,
  changes: object,
  etag: string,
): Promise<Tagged<T>> {
  const response = await send(`/${collection}/${encodeURIComponent(id)}`, {
    method: "PATCH",
    headers: { "If-Match": etag },
    body: JSON.stringify(changes),
  });
  return { data: (await response.json()) as T, etag: response.headers.get("ETag") ?? "" };
}

/** DELETE with If-Match: a 409 ProblemError names what still uses the item. */
export async function deleteOne(collection: Collection, id: string, etag: string): Promise<void> {
  await send(`/${collection}/${encodeURIComponent(id)}`, {
    method: "DELETE",
    headers: { "If-Match": etag },
  });
}

/** Encode the stored master again (after a failed encode); 409 when there is nothing to retry. */
export async function retryEncoding(videoId: string, kind: MediaKind = "video"): Promise<void> {
  await send(`/videos/${encodeURIComponent(videoId)}/encodings?kind=${kind}`, { method: "POST" });
}

export interface PreviewGrant {
  manifest_url: string;
  poster_url?: string | null;
  thumbnails_url?: string | null;
  expires_at?: string;
}

/** A role-based playback grant: admins preview any ready video without a subscription. */
export async function previewGrant(videoId: string): Promise<PreviewGrant> {
  const response = await fetch(`/api/v1/admin/playback/${encodeURIComponent(videoId)}`, {
    method: "POST",
    headers: authHeaders(),
  });
  if (!response.ok) throw await problemFrom(response);
  return (await response.json()) as PreviewGrant;
}

export function uploadEndpoint(videoId: string, kind: MediaKind): string {
  return `${BASE}/videos/${encodeURIComponent(videoId)}/uploads?kind=${kind}`;
}
