import { Placeholder } from "../components/Placeholder";

export function VideosPage() {
  return <Placeholder title="Videos" />;
}
