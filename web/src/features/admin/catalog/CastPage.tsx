import { Placeholder } from "../components/Placeholder";

export function CastPage() {
  return <Placeholder title="Cast" />;
}
