import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getJson } from "@/lib/api/client";

/** The search service's contract (shared API: `GET /api/v1/search`, `/api/v1/search/suggest`).
 * Hits carry what browse carries plus highlights (`<mark>`); facets count per value. The
 * normalisers below accept highlights as a field map or as a list of {field, snippet}. */
export interface SearchHit {
  id: string;
  title: string;
  description?: string | null;
  launch_year?: number;
  rating?: string;
  media?: Record<string, { status: string; poster?: string | null } | undefined>;
  highlights: Record<string, string>;
}

export interface FacetValue {
  value: string;
  label: string;
  count: number;
}

export interface SearchResult {
  hits: SearchHit[];
  found: number;
  facets: Record<string, FacetValue[]>;
  nextCursor: string | null;
}

export interface Suggestion {
  id: string;
  title: string;
  highlight: string | null;
}

export interface SearchFilters {
  category?: string;
  genre?: string;
  rating?: string;
  year_from?: string;
  year_to?: string;
  sort?: string;
}

type Raw = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

export function normaliseHighlights(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const h of raw as Raw[]) {
      const field = str(h.field);
      const snippet = str(h.snippet) ?? str(h.value);
      if (field && snippet) out[field] = snippet;
    }
  } else if (raw && typeof raw === "object") {
    for (const [field, v] of Object.entries(raw as Raw)) {
      const snippet = str(v) ?? str((v as Raw | null)?.snippet);
      if (snippet) out[field] = snippet;
    }
  }
  return out;
}

function normaliseFacets(raw: unknown): Record<string, FacetValue[]> {
  const out: Record<string, FacetValue[]> = {};
  const entries: [string, unknown][] = Array.isArray(raw)
    ? (raw as Raw[]).map((f) => [str(f.field) ?? str(f.field_name) ?? "", f.counts ?? f.values])
    : Object.entries((raw as Raw | null) ?? {});
  for (const [field, values] of entries) {
    if (!field || !Array.isArray(values)) continue;
    out[field] = (values as Raw[])
      .map((v) => {
        const value = str(v.value) ?? "";
        return { value, label: str(v.label) ?? str(v.name) ?? value, count: Number(v.count ?? 0) };
      })
      .filter((v) => v.value);
  }
  return out;
}

export function normaliseSearch(body: Raw): SearchResult {
  const items = (
    Array.isArray(body.items) ? body.items : Array.isArray(body.hits) ? body.hits : []
  ) as Raw[];
  const hits = items.map((item) => {
    const doc = (item.document as Raw | undefined) ?? item;
    return {
      id: str(doc.id) ?? "",
      title: str(doc.title) ?? "",
      description: str(doc.description) ?? null,
      launch_year: typeof doc.launch_year === "number" ? doc.launch_year : undefined,
      rating: str(doc.rating),
      media: doc.media as SearchHit["media"],
      highlights: normaliseHighlights(item.highlights ?? item.highlight),
    };
  });
  const found = typeof body.found === "number" ? body.found : hits.length;
  return {
    hits: hits.filter((h) => h.id),
    found,
    facets: normaliseFacets(body.facets ?? body.facet_counts),
    nextCursor: str(body.next_cursor) ?? null,
  };
}

export function normaliseSuggestions(body: Raw): Suggestion[] {
  const items = (
    Array.isArray(body.items) ? body.items : Array.isArray(body.suggestions) ? body.suggestions : []
  ) as Raw[];
  return items
    .map((s) => ({
      id: str(s.id) ?? "",
      title: str(s.title) ?? "",
      highlight: str(s.highlight) ?? normaliseHighlights(s.highlights).title ?? null,
    }))
    .filter((s) => s.id && s.title);
}

export function useSearch(q: string, filters: SearchFilters) {
  return useQuery({
    queryKey: ["search", q, filters],
    enabled: q.trim().length > 0,
    queryFn: async () =>
      normaliseSearch(await getJson<Raw>("/api/v1/search", { q: q.trim(), ...filters })),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}

export function useSuggestions(q: string) {
  return useQuery({
    queryKey: ["suggest", q],
    enabled: q.trim().length > 0,
    queryFn: async () =>
      normaliseSuggestions(await getJson<Raw>("/api/v1/search/suggest", { q: q.trim() })),
    staleTime: 30_000,
  });
}
