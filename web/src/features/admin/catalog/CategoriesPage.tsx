import { Placeholder } from "../components/Placeholder";

export function CategoriesPage() {
  return <Placeholder title="Categories" />;
}
