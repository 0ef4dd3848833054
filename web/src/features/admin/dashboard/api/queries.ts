import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

export type CatalogStats = components["schemas"]["CatalogStats"];
export type SubscriptionStats = components["schemas"]["SubscriptionStats"];

// The dashboard is looked at, not worked in: fresh numbers every 15 s are plenty.
const REFRESH = 15_000;

/** The catalog's numbers; only asked for when the admin's roles may see them. */
export function useCatalogStats(enabled: boolean) {
  return useQuery({
    queryKey: ["admin", "dashboard", "catalog"],
    queryFn: () => unwrap(api.GET("/api/v1/admin/catalog/stats")),
    enabled,
    refetchInterval: REFRESH,
  });
}

export function useSubscriptionStats(enabled: boolean) {
  return useQuery({
    queryKey: ["admin", "dashboard", "subscriptions"],
    queryFn: () => unwrap(api.GET("/api/v1/admin/subscriptions/stats")),
    enabled,
    refetchInterval: REFRESH,
  });
}
