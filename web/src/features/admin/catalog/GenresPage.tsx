import { useParams } from "react-router";
import type { Genre } from "../api/admin";
import { CatalogEditor } from "../components/CatalogEditor";
import { CatalogList } from "../components/CatalogList";
import { BY_NAME_OR_AGE } from "../components/listSorts";
import { useOptions } from "../hooks/useOptions";

export function GenresPage() {
  const categories = useOptions("categories");
  const name = (id: string) => categories.find((c) => c.value === id)?.label ?? id;
  return (
    <CatalogList<Genre>
      collection="genres"
      title="Genres"
      newLabel="New genre"
      filters={[
        { name: "name", label: "Name" },
        { name: "category", label: "Category", options: categories },
        {
          name: "is_active",
          label: "Status",
          options: [
            { value: "true", label: "Active" },
            { value: "false", label: "Inactive" },
          ],
        },
      ]}
      sorts={BY_NAME_OR_AGE}
      columns={[
        { header: "Name", cell: (g) => g.name },
        { header: "Categories", cell: (g) => g.categories.map(name).join(", ") },
        { header: "Status", cell: (g) => (g.is_active ? "Active" : "Inactive") },
      ]}
      linkTo={(g) => g.id}
    />
  );
}

export function GenrePage() {
  const { id = "new" } = useParams();
  const categories = useOptions("categories");
  return (
    <CatalogEditor<Genre>
      key={id}
      collection="genres"
      id={id}
      noun="genre"
      plural="genres"
      listPath="/admin/genres"
      titleOf={(g) => g.name}
      defaults={{ name: "", is_active: true, categories: [] }}
      fields={[
        { name: "name", label: "Name", kind: "text", required: true },
        { name: "is_active", label: "Active (shown to viewers)", kind: "checkbox" },
        { name: "categories", label: "Categories", kind: "multi", options: categories },
      ]}
    />
  );
}
