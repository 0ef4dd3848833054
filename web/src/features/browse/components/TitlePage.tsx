import { Link, useParams } from "react-router";
import { ErrorNotice, Spinner } from "@/components/Feedback";
import { Poster, posterUrl } from "@/components/Poster";
import { formatClock, formatMinutes, ratingLabel } from "@/lib/format";
import { isProblem } from "@/lib/problems";
import { useCategories, useContinueWatching, useGenres, useVideo } from "../api/queries";

export function TitlePage() {
  const { id = "" } = useParams();
  const video = useVideo(id);
  const genres = useGenres();
  const categories = useCategories();
  const progress = useContinueWatching().data?.items.find((p) => p.video_id === id);
  if (video.isPending) return <Spinner />;
  if (video.isError) {
    return isProblem(video.error, 404) ? (
      <ErrorNotice error={new Error("This title is not in the catalog.")} />
    ) : (
      <ErrorNotice error={video.error} onRetry={() => video.refetch()} />
    );
  }
  const v = video.data;
  const names = (ids: string[], list?: { id: string; name: string }[]) =>
    ids.map((i) => list?.find((x) => x.id === i)?.name).filter(Boolean) as string[];
  const genreNames = names(v.genres, genres.data?.items);
  const categoryNames = names(v.categories, categories.data?.items);
  const status = v.media.video?.status;
  // A playable title is still encoding but can be watched from the start already.
  const ready = status === "ready" || status === "playable";
  return (
    <article className="title">
      <div className="title__art">
        <Poster src={posterUrl(v)} title={v.title} eager />
      </div>
      <div className="title__body">
        <h1>{v.title}</h1>
        <p className="title__facts">
          <span>{v.launch_year}</span>
          <span className="badge" title="Age rating">
            {ratingLabel(v.rating)}
          </span>
          <span>{formatMinutes(v.duration)}</span>
        </p>
        {v.description && <p className="title__description">{v.description}</p>}
        <dl className="title__meta">
          {genreNames.length > 0 && (
            <>
              <dt>Genres</dt>
              <dd>{genreNames.join(", ")}</dd>
            </>
          )}
          {categoryNames.length > 0 && (
            <>
              <dt>Categories</dt>
              <dd>{categoryNames.join(", ")}</dd>
            </>
          )}
        </dl>
        {ready ? (
          <div className="title__actions">
            {progress ? (
              <>
                <Link className="button" to={`/watch/${v.id}`}>
                  ▶ Resume from {formatClock(progress.position_seconds)}
                </Link>
                <Link className="button button--ghost" to={`/watch/${v.id}?t=0`}>
                  Play from the start
                </Link>
              </>
            ) : (
              <Link className="button" to={`/watch/${v.id}`}>
                ▶ Play
              </Link>
            )}
            {status === "playable" && (
              <p className="notice" data-testid="still-encoding">
                Still being prepared: you can start watching now.
              </p>
            )}
          </div>
        ) : (
          <p className="notice">This title is being prepared and can be watched soon.</p>
        )}
      </div>
    </article>
  );
}
