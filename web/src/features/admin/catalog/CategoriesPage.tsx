import { useParams } from "react-router";
import type { Category } from "../api/admin";
import { CatalogEditor } from "../components/CatalogEditor";
import { CatalogList } from "../components/CatalogList";
import { BY_NAME_OR_AGE } from "../components/listSorts";

const ACTIVE = [
  { value: "true", label: "Active" },
  { value: "false", label: "Inactive" },
];

export function CategoriesPage() {
  return (
    <CatalogList<Category>
      collection="categories"
      title="Categories"
      newLabel="New category"
      filters={[
        { name: "name", label: "Name" },
        { name: "is_active", label: "Status", options: ACTIVE },
      ]}
      sorts={BY_NAME_OR_AGE}
      columns={[
        { header: "Name", cell: (c) => c.name },
        { header: "Description", cell: (c) => c.description ?? "", wide: true },
        { header: "Status", cell: (c) => (c.is_active ? "Active" : "Inactive") },
      ]}
      linkTo={(c) => c.id}
    />
  );
}

export function CategoryPage() {
  const { id = "new" } = useParams();
  return (
    <CatalogEditor<Category>
      key={id}
      collection="categories"
      id={id}
      noun="category"
      plural="categories"
      listPath="/admin/categories"
      titleOf={(c) => c.name}
      defaults={{ name: "", description: "", is_active: true }}
      fields={[
        { name: "name", label: "Name", kind: "text", required: true },
        { name: "description", label: "Description", kind: "textarea" },
        { name: "is_active", label: "Active (shown to viewers)", kind: "checkbox" },
      ]}
    />
  );
}
