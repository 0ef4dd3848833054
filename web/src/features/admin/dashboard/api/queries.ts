import { useQuery } from "@tanstack/react-query";
import { getJson } from "@/lib/api/client";

export interface CatalogStats {
  videos_by_media_status: Record<string, number>;
  encodes: { running: number; waiting: number };
  failed_last_24h: FailedEncode[];
  encoder: EncoderReport | null;
}

export interface FailedEncode {
  video_id: string;
  title: string;
  kind: string;
  error: string | null;
  failed_at: string;
}

export interface EncoderReport {
  nodes: number;
  cpus_total: number;
  cpus_busy: number;
  reported_at: string;
}

export interface SubscriptionStats {
  active_by_plan: { plan_id: string; name: string; active: number }[];
  subscribers: Record<string, number>;
}

// The dashboard is looked at, not worked in: fresh numbers every 15 s are plenty.
const REFRESH = 15_000;

/** The catalog's numbers; only asked for when the admin's roles may see them. */
export function useCatalogStats(enabled: boolean) {
  return useQuery({
    queryKey: ["admin", "dashboard", "catalog"],
    queryFn: () => getJson<CatalogStats>("/api/v1/admin/catalog/stats", {}),
    enabled,
    refetchInterval: REFRESH,
  });
}

export function useSubscriptionStats(enabled: boolean) {
  return useQuery({
    queryKey: ["admin", "dashboard", "subscriptions"],
    queryFn: () => getJson<SubscriptionStats>("/api/v1/admin/subscriptions/stats", {}),
    enabled,
    refetchInterval: REFRESH,
  });
}
