import { Placeholder } from "../components/Placeholder";

export function GenresPage() {
  return <Placeholder title="Genres" />;
}
