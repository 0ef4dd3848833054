import type Hls from "hls.js";
import { useEffect, useRef, useState } from "react";
import { ErrorNotice } from "@/components/Feedback";
import { parseThumbnails } from "@/features/player/lib/thumbnails";
import { type MediaAdmin, type PreviewGrant, previewGrant, type Video } from "../api/admin";
import { formatBytes } from "../lib/uploads";

export interface Rendition {
  name?: string;
  width?: number;
  height?: number;
  bandwidth?: number;
  average_bandwidth?: number;
  frame_rate?: number;
  codecs?: string;
  size_bytes?: number;
}

function kbits(bps: number | undefined): string {
  return bps ? `${Math.round(bps / 1000)} kbit/s` : "–";
}

/** The rendition's size when the encoder reported it; otherwise estimated from its average
 * bit rate and the video's length (marked "≈"). */
export function renditionSize(r: Rendition, durationSeconds: number | null | undefined): string {
  if (r.size_bytes) return formatBytes(r.size_bytes);
  if (r.average_bandwidth && durationSeconds) {
    return `≈ ${formatBytes(Math.round((r.average_bandwidth * durationSeconds) / 8))}`;
  }
  return "–";
}

/** Play a ready video before publishing it (a role-based grant: no subscription needed), with
 * its renditions, its poster and the sprite sheets of its seek-preview thumbnails. */
export function Preview({ video, media }: { video: Video; media: MediaAdmin }) {
  const [grant, setGrant] = useState<PreviewGrant | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [sprites, setSprites] = useState<string[]>([]);
  const element = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    const target = element.current;
    if (!grant || !target) return;
    let hls: Hls | null = null;
    let cancelled = false;
    void import("hls.js").then(({ default: HlsClass }) => {
      if (cancelled) return;
      if (HlsClass.isSupported()) {
        // From the start: a title still encoding has growing playlists, which hls.js would
        // otherwise join at their end, as it joins a live stream.
        hls = new HlsClass({ startPosition: 0 });
        hls.loadSource(grant.manifest_url);
        hls.attachMedia(target);
        hls.on(HlsClass.Events.ERROR, (_e, data) => {
          if (data.fatal) setError(new Error(`The stream could not be played (${data.details}).`));
        });
      } else {
        target.src = grant.manifest_url;
      }
      void target.play().catch(() => undefined);
    });
    return () => {
      cancelled = true;
      hls?.destroy();
    };
  }, [grant]);

  useEffect(() => {
    const url = grant?.thumbnails_url;
    if (!url) return;
    const absolute = new URL(url, window.location.origin).toString();
    fetch(absolute)
      .then((r) => (r.ok ? r.text() : ""))
      .then((vtt) => {
        const cues = parseThumbnails(vtt, absolute);
        setSprites([...new Set(cues.map((c) => c.url))]);
      })
      .catch(() => setSprites([]));
  }, [grant?.thumbnails_url]);

  const renditions = ((media.renditions ?? []) as Rendition[])
    .slice()
    .sort((a, b) => (b.height ?? 0) - (a.height ?? 0));

  return (
    <section className="panel admin-preview" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview</h2>
      <div className="admin-preview__grid">
        <div>
          {grant ? (
            <video
              ref={element}
              className="admin-preview__video"
              controls
              muted
              playsInline
              poster={grant.poster_url ?? undefined}
              aria-label={`Preview of ${video.title}`}
            />
          ) : (
            <button
              type="button"
              className="button"
              onClick={async () => {
                setError(null);
                try {
                  setGrant(await previewGrant(video.id));
                } catch (e) {
                  setError(e);
                }
              }}
            >
              Play preview
            </button>
          )}
          {error !== null && <ErrorNotice error={error} />}
        </div>
        <div>
          <h3>Renditions</h3>
          <div className="admin-table__wrap">
            <table className="admin-table admin-renditions" aria-label="Renditions">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Resolution</th>
                  <th scope="col">Bit rate (avg / peak)</th>
                  <th scope="col">Codecs</th>
                  <th scope="col">Size</th>
                </tr>
              </thead>
              <tbody>
                {renditions.map((r) => (
                  <tr key={r.name ?? `${r.width}x${r.height}`}>
                    <td>{r.name}</td>
                    <td>
                      {r.width}×{r.height}
                    </td>
                    <td>
                      {kbits(r.average_bandwidth)} / {kbits(r.bandwidth)}
                    </td>
                    <td>
                      <code>{r.codecs}</code>
                    </td>
                    <td>{renditionSize(r, media.duration_seconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {media.duration_seconds != null && (
            <p className="muted">Length: {media.duration_seconds.toFixed(1)} s</p>
          )}
        </div>
      </div>
      {grant && (
        <div className="admin-preview__images">
          {grant.poster_url && (
            <figure>
              <img
                src={grant.poster_url}
                alt={`Poster of ${video.title}`}
                className="admin-preview__poster"
              />
              <figcaption>Poster</figcaption>
            </figure>
          )}
          {sprites.map((src, i) => (
            <figure key={src}>
              <img
                src={src}
                alt={`Thumbnail sprite sheet ${i + 1}`}
                className="admin-preview__sprite"
              />
              <figcaption>Sprite sheet {i + 1}</figcaption>
            </figure>
          ))}
        </div>
      )}
    </section>
  );
}
