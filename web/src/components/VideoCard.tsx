import { Link } from "react-router";
import { Poster, posterUrl } from "./Poster";

export interface CardVideo {
  id: string;
  title: string;
  launch_year?: number;
  media?: Record<string, { status: string; poster?: string | null } | undefined>;
}

export function VideoCard({ video, progress }: { video: CardVideo; progress?: number }) {
  const poster = posterUrl(video);
  return (
    <Link to={`/title/${video.id}`} className="card" aria-label={video.title}>
      <Poster src={poster} title={video.title} />
      {progress !== undefined && (
        <span className="card__progress" aria-hidden="true">
          <span style={{ width: `${Math.round(progress * 100)}%` }} />
        </span>
      )}
      {poster && <span className="card__title">{video.title}</span>}
    </Link>
  );
}
