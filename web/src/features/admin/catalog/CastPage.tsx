import { useParams } from "react-router";
import type { CastMember } from "../api/admin";
import { CatalogEditor } from "../components/CatalogEditor";
import { CatalogList } from "../components/CatalogList";
import { BY_NAME_OR_AGE } from "../components/listSorts";

const TYPES = [
  { value: "actor", label: "Actor" },
  { value: "director", label: "Director" },
];

export function CastPage() {
  return (
    <CatalogList<CastMember>
      collection="cast-members"
      title="Cast"
      newLabel="New cast member"
      filters={[
        { name: "name", label: "Name" },
        { name: "type", label: "Type", options: TYPES },
      ]}
      sorts={BY_NAME_OR_AGE}
      columns={[
        { header: "Name", cell: (m) => m.name },
        { header: "Type", cell: (m) => (m.type === "director" ? "Director" : "Actor") },
      ]}
      linkTo={(m) => m.id}
    />
  );
}

export function CastMemberPage() {
  const { id = "new" } = useParams();
  return (
    <CatalogEditor<CastMember>
      key={id}
      collection="cast-members"
      id={id}
      noun="cast member"
      plural="cast members"
      listPath="/admin/cast"
      titleOf={(m) => m.name}
      defaults={{ name: "", type: "actor" }}
      fields={[
        { name: "name", label: "Name", kind: "text", required: true },
        { name: "type", label: "Type", kind: "select", options: TYPES, required: true },
      ]}
    />
  );
}
