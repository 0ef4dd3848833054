import { Spinner } from "@/components/Feedback";
import { VideoCard } from "@/components/VideoCard";
import { type RowFilter, useVideoRow } from "../api/queries";

/** A titled, horizontally scrolling row; hidden when it has nothing to show. */
export function VideoRow({ title, filter }: { title: string; filter: RowFilter }) {
  const row = useVideoRow(filter);
  const videos = row.data?.pages.flatMap((p) => p.items) ?? [];
  if (row.isPending) return <RowSkeleton title={title} />;
  if (row.isError || videos.length === 0) return null;
  const id = `row-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <section className="row" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <ul className="row__items">
        {videos.map((video) => (
          <li key={video.id}>
            <VideoCard video={video} />
          </li>
        ))}
        {row.hasNextPage && (
          <li className="row__more">
            <button
              type="button"
              className="button button--ghost"
              onClick={() => row.fetchNextPage()}
              disabled={row.isFetchingNextPage}
            >
              {row.isFetchingNextPage ? <Spinner label="Loading more" /> : "More"}
            </button>
          </li>
        )}
      </ul>
    </section>
  );
}

export function RowSkeleton({ title }: { title: string }) {
  return (
    <section className="row" aria-busy="true" aria-label={title}>
      <h2>{title}</h2>
      <ul className="row__items">
        {[0, 1, 2, 3].map((n) => (
          <li key={n}>
            <div className="card card--skeleton">
              <div className="poster" />
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
