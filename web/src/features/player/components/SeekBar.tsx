import { useEffect, useState } from "react";
import { formatClock } from "@/lib/format";
import { parseThumbnails, type Thumbnail, thumbnailAt } from "../lib/thumbnails";

function useThumbnails(url: string | null | undefined): Thumbnail[] {
  const [cues, setCues] = useState<Thumbnail[]>([]);
  useEffect(() => {
    if (!url) return;
    let live = true;
    fetch(url)
      .then((r) => (r.ok ? r.text() : ""))
      .then((text) => live && setCues(parseThumbnails(text, url)))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [url]);
  return cues;
}

interface Props {
  current: number;
  duration: number;
  buffered: number;
  thumbnailsUrl?: string | null;
  onSeek: (time: number) => void;
}

/** The timeline: a range input (keyboard and screen readers) with seek-preview thumbnails
 * while the pointer hovers it. */
export function SeekBar({ current, duration, buffered, thumbnailsUrl, onSeek }: Props) {
  const cues = useThumbnails(thumbnailsUrl);
  const [hover, setHover] = useState<{ time: number; left: number } | null>(null);
  const thumb = hover ? thumbnailAt(cues, hover.time) : undefined;
  const max = duration || 0;
  return (
    <div
      className="seekbar"
      onPointerMove={(e) => {
        const box = e.currentTarget.getBoundingClientRect();
        const ratio = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
        setHover({ time: ratio * max, left: ratio * box.width });
      }}
      onPointerLeave={() => setHover(null)}
    >
      {hover && (
        <div className="seek-preview" style={{ left: hover.left }} data-testid="seek-preview">
          {thumb && (
            <div
              className="seek-preview__image"
              role="img"
              aria-label={`Preview at ${formatClock(hover.time)}`}
              data-testid="seek-preview-image"
              style={{
                width: thumb.w,
                height: thumb.h,
                backgroundImage: `url("${thumb.url}")`,
                backgroundPosition: `-${thumb.x}px -${thumb.y}px`,
              }}
            />
          )}
          <span>{formatClock(hover.time)}</span>
        </div>
      )}
      <div
        className="seekbar__buffered"
        style={{ width: max ? `${(buffered / max) * 100}%` : 0 }}
      />
      <input
        type="range"
        aria-label="Seek"
        min={0}
        max={max}
        step={0.1}
        value={Math.min(current, max)}
        aria-valuetext={`${formatClock(current)} of ${formatClock(max)}`}
        onChange={(e) => onSeek(Number(e.target.value))}
      />
    </div>
  );
}
