import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

export type Video = components["schemas"]["VideoView"];
export type Category = components["schemas"]["CategoryView"];
export type Genre = components["schemas"]["GenreView"];
export type Progress = components["schemas"]["ProgressPublic"];

export function useCategories() {
  return useQuery({
    queryKey: ["categories"],
    queryFn: () => unwrap(api.GET("/api/v1/categories", { params: { query: { limit: 100 } } })),
    staleTime: 5 * 60_000,
  });
}

export function useGenres() {
  return useQuery({
    queryKey: ["genres"],
    queryFn: () => unwrap(api.GET("/api/v1/genres", { params: { query: { limit: 100 } } })),
    staleTime: 5 * 60_000,
  });
}

export interface RowFilter {
  category?: string;
  genre?: string;
}

/** One row of the home page: published videos of a category or genre, page by page. */
export function useVideoRow(filter: RowFilter) {
  return useInfiniteQuery({
    queryKey: ["videos", filter],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/videos", {
          params: { query: { ...filter, cursor: pageParam, limit: 12 } },
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

export function useVideo(id: string) {
  return useQuery({
    queryKey: ["video", id],
    queryFn: () =>
      unwrap(api.GET("/api/v1/videos/{video_id}", { params: { path: { video_id: id } } })),
  });
}

export function useContinueWatching() {
  return useQuery({
    queryKey: ["continue-watching"],
    queryFn: () =>
      unwrap(api.GET("/api/v1/me/continue-watching", { params: { query: { limit: 20 } } })),
  });
}
