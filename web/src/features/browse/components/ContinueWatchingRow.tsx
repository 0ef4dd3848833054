import { VideoCard } from "@/components/VideoCard";
import { type Progress, useContinueWatching, useVideo } from "../api/queries";

function ContinueCard({ item }: { item: Progress }) {
  const video = useVideo(item.video_id);
  if (!video.data) return null;
  return <VideoCard video={video.data} progress={item.progress} />;
}

/** "Continue watching": first on the home page, only when the viewer has started titles. */
export function ContinueWatchingRow() {
  const row = useContinueWatching();
  const items = row.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <section className="row" aria-labelledby="row-continue">
      <h2 id="row-continue">Continue watching</h2>
      <ul className="row__items">
        {items.map((item) => (
          <li key={item.video_id}>
            <ContinueCard item={item} />
          </li>
        ))}
      </ul>
    </section>
  );
}
