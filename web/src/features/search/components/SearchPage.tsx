import { Link, useNavigate, useSearchParams } from "react-router";
import { EmptyState, ErrorNotice, Spinner } from "@/components/Feedback";
import { Poster, posterUrl } from "@/components/Poster";
import { type SearchFilters, useSearch } from "../api/search";
import { useDebounced } from "../hooks/useDebounced";
import { Highlight } from "./Highlight";
import { SearchBox } from "./SearchBox";

const FACET_TITLES: Record<string, string> = {
  categories: "Category",
  category: "Category",
  genres: "Genre",
  genre: "Genre",
  launch_year: "Year",
  year: "Year",
  rating: "Rating",
};
// Facet fields of the index to the query parameters that filter by them.
const FILTER_OF: Record<string, keyof SearchFilters> = {
  categories: "category",
  category: "category",
  genres: "genre",
  genre: "genre",
  rating: "rating",
};

export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const q = params.get("q") ?? "";
  const filters: SearchFilters = {};
  for (const key of ["category", "genre", "rating", "year_from", "year_to", "sort"] as const) {
    const v = params.get(key);
    if (v) filters[key] = v;
  }
  const debounced = useDebounced(q, 200);
  const search = useSearch(debounced, filters);
  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const result = search.data;
  return (
    <div className="search">
      <h1 className="visually-hidden">Search</h1>
      <SearchBox
        value={q}
        onChange={(v) => set("q", v)}
        onPick={(id) => navigate(`/title/${id}`)}
      />
      {!q.trim() && <p className="muted">Type a title, a person or a genre.</p>}
      {search.isError && <ErrorNotice error={search.error} onRetry={() => search.refetch()} />}
      {q.trim() && search.isPending && <Spinner label="Searching" />}
      {result && q.trim() && (
        <div className="search__layout">
          <aside className="facets" aria-label="Filters">
            {Object.entries(result.facets).map(([field, values]) => {
              const filter = FILTER_OF[field];
              if (!values.length) return null;
              return (
                <fieldset key={field} className="facet">
                  <legend>{FACET_TITLES[field] ?? field}</legend>
                  {values.map((v) => {
                    const checked = filter ? filters[filter] === v.value : false;
                    return (
                      <label key={v.value} className="facet__value">
                        <input
                          type="checkbox"
                          checked={checked}
                          disabled={!filter}
                          onChange={() => filter && set(filter, checked ? null : v.value)}
                        />
                        {v.label} <span className="muted">({v.count})</span>
                      </label>
                    );
                  })}
                </fieldset>
              );
            })}
          </aside>
          <section aria-live="polite" aria-label="Results">
            <p className="muted" data-testid="search-found">
              {result.found === 1 ? "1 title" : `${result.found} titles`}
            </p>
            {result.hits.length === 0 ? (
              <EmptyState title={`Nothing found for “${q}”`}>
                <p>Check the spelling or try fewer words.</p>
              </EmptyState>
            ) : (
              <ul className="results">
                {result.hits.map((hit) => (
                  <li key={hit.id}>
                    <Link to={`/title/${hit.id}`} className="result">
                      <Poster src={posterUrl(hit)} title={hit.title} />
                      <span className="result__text">
                        <strong className="result__title">
                          <Highlight html={hit.highlights.title} fallback={hit.title} />
                        </strong>
                        {hit.launch_year && <span className="muted"> · {hit.launch_year}</span>}
                        {(hit.highlights.description || hit.description) && (
                          <span className="result__description">
                            <Highlight
                              html={hit.highlights.description}
                              fallback={hit.description ?? ""}
                            />
                          </span>
                        )}
                      </span>
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
    </div>
  );
}
