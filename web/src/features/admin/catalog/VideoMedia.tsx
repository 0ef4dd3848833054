import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import { describeError } from "@/lib/problems";
import { type MediaAdmin, type MediaKind, retryEncoding, type Video } from "../api/admin";
import type { FormValues } from "../components/CatalogEditor";
import { MediaStatus } from "../components/MediaStatus";
import { useUploads } from "../hooks/useUploads";
import { useLiveProgress, useVideoEvents } from "../hooks/useVideoEvents";
import {
  forgetStoredUpload,
  interruptedUploads,
  type StoredUpload,
  serverOffset,
  uploads,
} from "../lib/tusUploads";
import { formatBytes, formatDuration, type UploadState } from "../lib/uploads";
import { Preview } from "./Preview";
import { LiveNote } from "./VideosPage";

const KINDS: { kind: MediaKind; label: string; accept: string }[] = [
  { kind: "video", label: "Master", accept: "video/*,.mkv,.mxf,.ts" },
  { kind: "trailer", label: "Trailer", accept: "video/*,.mkv,.mxf,.ts" },
  { kind: "banner", label: "Banner", accept: "image/jpeg,image/png,image/webp" },
  { kind: "thumbnail", label: "Thumbnail", accept: "image/jpeg,image/png,image/webp" },
];

function mediaOf(video: Video, kind: MediaKind): MediaAdmin | undefined {
  return (video.media as Record<string, MediaAdmin | undefined>)[kind];
}

/** Everything about a video's files: publishing, media states, uploads, encoding, preview. */
export function VideoMedia({
  video,
  patch,
}: {
  video: Video;
  patch: (changes: FormValues) => Promise<void>;
}) {
  const queryClient = useQueryClient();
  const refresh = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: ["admin", "videos"] });
  }, [queryClient]);
  const stream = useVideoEvents(video.id);
  useEffect(() => {
    uploads.onSettled = refresh;
  }, [refresh]);
  const master = mediaOf(video, "video");

  return (
    <>
      <section className="panel admin-publish" aria-labelledby="publish-title">
        <h2 id="publish-title">Publishing</h2>
        <p>
          {video.published
            ? "Published: viewers can find and play this video."
            : "Not published: only admins can see this video."}
        </p>
        <button
          type="button"
          className="button"
          onClick={() => patch({ published: !video.published })}
        >
          {video.published ? "Unpublish" : "Publish"}
        </button>
      </section>

      <section className="panel" aria-labelledby="media-title">
        <h2 id="media-title">Media</h2>
        <LiveNote state={stream} />
        <div className="admin-media">
          {KINDS.map(({ kind, label, accept }) => (
            <MediaSlot
              key={kind}
              video={video}
              kind={kind}
              label={label}
              accept={accept}
              media={mediaOf(video, kind)}
            />
          ))}
        </div>
        <Interrupted videoId={video.id} />
      </section>

      {(master?.status === "ready" || master?.status === "playable") && (
        <Preview video={video} media={master} />
      )}
    </>
  );
}

function MediaSlot({
  video,
  kind,
  label,
  accept,
  media,
}: {
  video: Video;
  kind: MediaKind;
  label: string;
  accept: string;
  media?: MediaAdmin;
}) {
  const upload = useUploads(video.id).find((u) => u.kind === kind);
  const progress = useLiveProgress(video.id, kind);
  const [retryError, setRetryError] = useState<unknown>(null);
  const [retrying, setRetrying] = useState(false);
  const queryClient = useQueryClient();
  const inputId = `upload-${kind}`;
  const status = media?.status ?? "pending";
  const busy = upload && ["starting", "uploading", "paused"].includes(upload.status);

  const retry = async () => {
    setRetryError(null);
    setRetrying(true);
    try {
      await retryEncoding(video.id, kind);
      void queryClient.invalidateQueries({ queryKey: ["admin", "videos"] });
    } catch (error) {
      setRetryError(error);
    } finally {
      setRetrying(false);
    }
  };

  return (
    <article className="admin-slot" aria-label={label} data-kind={kind}>
      <header className="admin-slot__head">
        <h3>{label}</h3>
        {busy ? (
          // The server says "uploading" too, but sends no event for it: this tab knows first.
          <span className="admin-status admin-status--uploading" data-status="uploading">
            Uploading
          </span>
        ) : (
          <MediaStatus video={video} kind={kind} />
        )}
      </header>
      {(status === "processing" || status === "playable") &&
        (kind === "video" || kind === "trailer") && (
          <Bar
            label={`Encoding the ${label.toLowerCase()}`}
            percent={progress?.percent ?? 0}
            text={
              progress
                ? `${Math.round(progress.percent)}% · ${formatDuration(
                    progress.eta_seconds == null ? null : Math.round(progress.eta_seconds),
                  )} left`
                : "Waiting for the encoder…"
            }
          />
        )}
      {status === "failed" && media?.error && (
        <div className="notice notice--error admin-slot__error" role="alert">
          <p>{media.error}</p>
          {(kind === "video" || kind === "trailer") && media.raw_location && (
            <button
              type="button"
              className="button button--small"
              onClick={retry}
              disabled={retrying}
            >
              Retry encoding
            </button>
          )}
        </div>
      )}
      {retryError !== null && (
        <p className="field-error" role="alert">
          {describeError(retryError)}
        </p>
      )}
      {upload && <UploadRow upload={upload} />}
      {!busy && (
        <div className="admin-slot__pick">
          <label htmlFor={inputId} className="button button--ghost button--small">
            {status === "pending"
              ? `Upload ${label.toLowerCase()}`
              : `Replace ${label.toLowerCase()}`}
          </label>
          <input
            id={inputId}
            className="visually-hidden"
            type="file"
            accept={accept}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) void uploads.start(video.id, kind, file);
            }}
          />
        </div>
      )}
    </article>
  );
}

function Bar({ label, percent, text }: { label: string; percent: number; text: string }) {
  return (
    <div className="admin-bar">
      <div
        className="admin-bar__track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
      >
        <span style={{ width: `${Math.min(100, Math.max(0, percent))}%` }} />
      </div>
      <span className="admin-bar__text">{text}</span>
    </div>
  );
}

function UploadRow({ upload }: { upload: UploadState }) {
  const percent = upload.size ? (upload.sent / upload.size) * 100 : 0;
  const running = upload.status === "uploading" || upload.status === "starting";
  const text =
    upload.status === "done"
      ? `${upload.fileName}: uploaded (${formatBytes(upload.size)})`
      : `${upload.fileName}: ${formatBytes(upload.sent)} of ${formatBytes(upload.size)} (${Math.floor(percent)}%)` +
        (upload.speed
          ? ` · ${formatBytes(Math.round(upload.speed))}/s · ${formatDuration(upload.etaSeconds)} left`
          : "") +
        (upload.status === "paused" ? " · paused" : "");
  return (
    <div className="admin-upload" data-upload-status={upload.status}>
      <Bar label={`Uploading ${upload.fileName}`} percent={percent} text={text} />
      <p className="muted admin-upload__meta">
        {upload.checksums ? "Checksums on (SHA-256 per chunk)" : "Checksums off"}
        {upload.resumedFrom !== null &&
          ` · resumed at ${formatBytes(upload.resumedFrom)} the server already had`}
      </p>
      {upload.status === "refused" && (
        <div className="notice notice--error" role="alert">
          <p>
            The file was refused (<code>{upload.reason}</code>): {upload.message}
          </p>
        </div>
      )}
      {upload.status === "failed" && (
        <div className="notice notice--error" role="alert">
          <p>The upload stopped: {upload.message}</p>
        </div>
      )}
      <div className="admin-upload__actions">
        {running && (
          <button
            type="button"
            className="button button--ghost button--small"
            onClick={() => uploads.pause(upload.key)}
          >
            Pause
          </button>
        )}
        {(upload.status === "paused" || upload.status === "failed") && (
          <button
            type="button"
            className="button button--small"
            onClick={() => uploads.resume(upload.key)}
          >
            Resume
          </button>
        )}
        {(running || upload.status === "paused") && (
          <button
            type="button"
            className="button button--ghost button--small"
            onClick={() => uploads.cancel(upload.key)}
          >
            Cancel
          </button>
        )}
        {(upload.status === "done" || upload.status === "refused") && (
          <button
            type="button"
            className="button button--ghost button--small"
            onClick={() => uploads.dismiss(upload.key)}
          >
            Dismiss
          </button>
        )}
      </div>
    </div>
  );
}

/** Uploads a reload interrupted: the server keeps their bytes; choosing the same file again
 * resumes from there (tus-js-client finds it by its fingerprint). */
function Interrupted({ videoId }: { videoId: string }) {
  const running = useUploads(videoId);
  const [stored, setStored] = useState<(StoredUpload & { offset: number | null })[]>([]);
  useEffect(() => {
    let cancelled = false;
    void interruptedUploads(videoId).then(async (found) => {
      const withOffsets = await Promise.all(
        found.map(async (s) => ({ ...s, offset: await serverOffset(s.uploadUrl) })),
      );
      if (!cancelled) setStored(withOffsets);
    });
    return () => {
      cancelled = true;
    };
  }, [videoId]);
  const waiting = stored.filter((s) => !running.some((r) => r.kind === s.kind));
  if (waiting.length === 0) return null;
  return (
    <div className="notice admin-interrupted" role="status">
      <h3>Interrupted uploads</h3>
      <ul>
        {waiting.map((s) => (
          <li key={s.urlStorageKey}>
            {s.fileName} ({s.kind}):{" "}
            {s.offset !== null
              ? `the server has ${formatBytes(s.offset)}${s.size ? ` of ${formatBytes(s.size)}` : ""}. Choose the same file again to resume from there.`
              : "the server no longer has it."}{" "}
            <button
              type="button"
              className="button button--ghost button--small"
              onClick={async () => {
                await forgetStoredUpload(s.urlStorageKey);
                setStored((all) => all.filter((x) => x.urlStorageKey !== s.urlStorageKey));
              }}
            >
              Forget it
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
