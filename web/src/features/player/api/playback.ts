import { api, authHeaders, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

export type Grant = components["schemas"]["PlaybackGrantPublic"];

export function requestGrant(videoId: string): Promise<Grant> {
  return unwrap(
    api.POST("/api/v1/playback/{video_id}", { params: { path: { video_id: videoId } } }),
  );
}

/** Report where the viewer is; `keepalive` lets the report outlive a page being closed. */
export async function saveProgress(
  videoId: string,
  position: number,
  duration: number,
  { keepalive = false }: { keepalive?: boolean } = {},
): Promise<void> {
  if (!Number.isFinite(position) || !Number.isFinite(duration) || duration <= 0) return;
  await fetch(`/api/v1/playback/${encodeURIComponent(videoId)}/progress`, {
    method: "PUT",
    keepalive,
    headers: { "Content-Type": "application/json", ...authHeaders() },
    body: JSON.stringify({
      position_seconds: Math.min(Math.max(0, position), duration),
      duration_seconds: duration,
    }),
  }).catch(() => undefined);
}

/** Where the viewer left this video (0 when never started or already finished). */
export async function resumePosition(videoId: string): Promise<number> {
  const page = await unwrap(
    api.GET("/api/v1/me/continue-watching", { params: { query: { limit: 100 } } }),
  );
  return page.items.find((item) => item.video_id === videoId)?.position_seconds ?? 0;
}
