import { useParams } from "react-router";
import type { Video } from "../api/admin";
import { CatalogEditor } from "../components/CatalogEditor";
import { CatalogList } from "../components/CatalogList";
import { MediaStatus } from "../components/MediaStatus";
import { useOptions } from "../hooks/useOptions";
import { useVideoEvents } from "../hooks/useVideoEvents";
import { VideoMedia } from "./VideoMedia";

export const RATINGS = ["ER", "L", "10", "12", "14", "16", "18"].map((r) => ({
  value: r,
  label: r,
}));

export function VideosPage() {
  const categories = useOptions("categories");
  const genres = useOptions("genres");
  const cast = useOptions("cast-members");
  const stream = useVideoEvents();
  return (
    <CatalogList<Video>
      collection="videos"
      title="Videos"
      newLabel="New video"
      filters={[
        { name: "title", label: "Title" },
        {
          name: "published",
          label: "Published",
          options: [
            { value: "true", label: "Published" },
            { value: "false", label: "Not published" },
          ],
        },
        { name: "category", label: "Category", options: categories },
        { name: "genre", label: "Genre", options: genres },
        { name: "cast_member", label: "Cast member", options: cast },
        { name: "year", label: "Year", type: "number" },
        { name: "rating", label: "Rating", options: RATINGS },
      ]}
      sorts={[
        { value: "-created_at", label: "Newest first" },
        { value: "created_at", label: "Oldest first" },
        { value: "title", label: "Title A–Z" },
        { value: "-title", label: "Title Z–A" },
        { value: "-launch_year", label: "Year, latest first" },
        { value: "launch_year", label: "Year, earliest first" },
      ]}
      columns={[
        { header: "Title", cell: (v) => v.title },
        { header: "Year", cell: (v) => v.launch_year, wide: true },
        { header: "Rating", cell: (v) => v.rating, wide: true },
        { header: "Published", cell: (v) => (v.published ? "Published" : "Draft") },
        { header: "Master", cell: (v) => <MediaStatus video={v} kind="video" /> },
      ]}
      linkTo={(v) => v.id}
      below={<LiveNote state={stream} />}
    />
  );
}

export function LiveNote({ state }: { state: ReturnType<typeof useVideoEvents> }) {
  const text = {
    connecting: "Connecting to live updates…",
    live: "Live: encoding progress updates as it happens.",
    retrying: "Live updates interrupted; reconnecting…",
    unavailable: "Live updates are not available; reload to see changes.",
  }[state];
  return (
    <p className={`admin-live admin-live--${state}`} role="status">
      {text}
    </p>
  );
}

export function VideoPage() {
  const { id = "new" } = useParams();
  const categories = useOptions("categories");
  const genres = useOptions("genres");
  const cast = useOptions("cast-members");
  return (
    <CatalogEditor<Video>
      key={id}
      collection="videos"
      id={id}
      noun="video"
      plural="videos"
      listPath="/admin/videos"
      titleOf={(v) => v.title}
      defaults={{
        title: "",
        description: "",
        launch_year: String(new Date().getFullYear()),
        duration: "",
        rating: "L",
        opened: false,
        categories: [],
        genres: [],
        cast_members: [],
      }}
      fields={[
        { name: "title", label: "Title", kind: "text", required: true },
        { name: "description", label: "Description", kind: "textarea" },
        { name: "launch_year", label: "Launch year", kind: "number", required: true },
        { name: "duration", label: "Duration (minutes)", kind: "number", required: true },
        { name: "rating", label: "Age rating", kind: "select", options: RATINGS, required: true },
        { name: "opened", label: "Open to everyone (no subscription needed)", kind: "checkbox" },
        { name: "categories", label: "Categories", kind: "multi", options: categories },
        {
          name: "genres",
          label: "Genres",
          kind: "multi",
          options: genres,
          hint: "Each genre must belong to one of the video's categories.",
        },
        { name: "cast_members", label: "Cast", kind: "multi", options: cast },
      ]}
    >
      {(video, patch) => <VideoMedia video={video.data} patch={patch} />}
    </CatalogEditor>
  );
}
