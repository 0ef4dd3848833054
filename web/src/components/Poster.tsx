import { useState } from "react";

/** A 2:3 poster box that never changes size when its image arrives (no layout shift);
 * without an image, the title on a colour drawn from it stands in. */
export function Poster({
  src,
  title,
  eager = false,
}: {
  src?: string | null;
  title: string;
  eager?: boolean;
}) {
  const [failed, setFailed] = useState(false);
  const hue = [...title].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
  return (
    <div className="poster" style={{ "--poster-hue": hue } as React.CSSProperties}>
      {src && !failed ? (
        <img
          src={src}
          alt={`Poster of ${title}`}
          loading={eager ? "eager" : "lazy"}
          decoding="async"
          width={320}
          height={480}
          onError={() => setFailed(true)}
        />
      ) : (
        <span className="poster__title" aria-hidden="true">
          {title}
        </span>
      )}
    </div>
  );
}

export function posterUrl(video: {
  id: string;
  media?: Record<string, { status: string; poster?: string | null } | undefined>;
}) {
  const media = video.media?.video;
  return media?.status === "ready" && media.poster ? `/api/v1/playback/${video.id}/poster` : null;
}
