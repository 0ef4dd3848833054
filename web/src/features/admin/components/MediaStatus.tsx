import type { MediaKind, Video } from "../api/admin";
import { useLiveProgress } from "../hooks/useVideoEvents";
import { formatDuration } from "../lib/uploads";

const LABELS: Record<string, string> = {
  pending: "No file yet",
  uploading: "Uploading",
  processing: "Encoding",
  playable: "Watchable · still encoding",
  ready: "Ready",
  failed: "Failed",
};

/** A media slot's state; while encoding, the live percentage and time left. A `playable`
 * master is still encoding, but viewers can already watch it from the start. */
export function MediaStatus({ video, kind }: { video: Video; kind: MediaKind }) {
  const media = (video.media as Record<string, { status: string; error?: string | null }>)[kind];
  const progress = useLiveProgress(video.id, kind);
  const status = media?.status ?? "pending";
  if ((status === "processing" || status === "playable") && progress) {
    return (
      <span className={`admin-status admin-status--${status}`} data-status={status}>
        {status === "playable" ? "Watchable · encoding" : "Encoding"} {Math.round(progress.percent)}
        %
        {progress.eta_seconds != null && (
          <span className="muted"> · {formatDuration(Math.round(progress.eta_seconds))} left</span>
        )}
      </span>
    );
  }
  return (
    <span className={`admin-status admin-status--${status}`} data-status={status}>
      {LABELS[status] ?? status}
    </span>
  );
}
