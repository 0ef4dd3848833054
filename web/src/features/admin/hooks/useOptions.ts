import { useQuery } from "@tanstack/react-query";
import { type Collection, listPage } from "../api/admin";

/** Choices for a form or a filter: the first 100 items of a collection by name. */
export function useOptions(collection: Exclude<Collection, "videos">) {
  const list = useQuery({
    queryKey: ["admin", collection, "list", "options"],
    queryFn: () =>
      listPage<{ id: string; name: string }>(collection, { limit: "100", sort: "name" }),
    staleTime: 30_000,
  });
  return (list.data?.items ?? []).map((i) => ({ value: i.id, label: i.name }));
}
