import { EmptyState, ErrorNotice } from "@/components/Feedback";
import { useCategories, useGenres } from "../api/queries";
import { ContinueWatchingRow } from "./ContinueWatchingRow";
import { VideoRow } from "./VideoRow";

export function HomePage() {
  const categories = useCategories();
  const genres = useGenres();
  if (categories.isError)
    return <ErrorNotice error={categories.error} onRetry={() => categories.refetch()} />;
  return (
    <div className="home">
      <h1 className="visually-hidden">Home</h1>
      <ContinueWatchingRow />
      <VideoRow title="New on Codeflix" filter={{}} />
      {categories.data?.items.map((c) => (
        <VideoRow key={c.id} title={c.name} filter={{ category: c.id }} />
      ))}
      {genres.data?.items.map((g) => (
        <VideoRow key={g.id} title={g.name} filter={{ genre: g.id }} />
      ))}
      {categories.data && categories.data.items.length === 0 && (
        <EmptyState title="Nothing to watch yet">
          <p>New titles appear here as soon as they are published.</p>
        </EmptyState>
      )}
    </div>
  );
}
