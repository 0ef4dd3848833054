// The sorts every name-keyed catalog list (categories, genres, cast) offers, as the API names them.
export const BY_NAME_OR_AGE = [
  { value: "name", label: "Name A–Z" },
  { value: "-name", label: "Name Z–A" },
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
];
