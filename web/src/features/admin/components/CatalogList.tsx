import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { ErrorNotice, Spinner } from "@/components/Feedback";
import { type Collection, listPage } from "../api/admin";

export interface FilterSpec {
  name: string;
  label: string;
  options?: { value: string; label: string }[];
  type?: "text" | "number";
}

export interface Column<T> {
  header: string;
  cell: (item: T) => ReactNode;
  /** Left out on a phone-sized screen, so the columns that matter fit. */
  wide?: boolean;
}

const PAGE_SIZE = "20";

/** A collection as a table: the API's filters and sorts (kept in the address, so a reload or
 * a shared link shows the same list) and its cursor pages. */
export function CatalogList<T extends { id: string }>({
  collection,
  title,
  newLabel,
  filters,
  sorts,
  columns,
  linkTo,
  below,
}: {
  collection: Collection;
  title: string;
  newLabel: string;
  filters: FilterSpec[];
  sorts: { value: string; label: string }[];
  columns: Column<T>[];
  linkTo: (item: T) => string;
  below?: ReactNode;
}) {
  const [search, setSearch] = useSearchParams();
  // The cursors of the pages before this one, so "Previous" can go back.
  const [previous, setPrevious] = useState<string[]>([]);
  const query: Record<string, string | undefined> = { limit: PAGE_SIZE };
  for (const f of filters) query[f.name] = search.get(f.name) ?? undefined;
  query.sort = search.get("sort") ?? sorts[0]?.value;
  query.cursor = search.get("cursor") ?? undefined;

  const list = useQuery({
    queryKey: ["admin", collection, "list", query],
    queryFn: () => listPage<T>(collection, query),
    placeholderData: keepPreviousData,
  });

  const update = (changes: Record<string, string | undefined>, keepCursor = false) => {
    const next = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!keepCursor) {
      next.delete("cursor");
      setPrevious([]);
    }
    setSearch(next, { replace: true });
  };

  return (
    <section className="admin-page">
      <div className="admin-page__head">
        <h1>{title}</h1>
        <Link className="button" to="new">
          {newLabel}
        </Link>
      </div>
      <form
        className="admin-filters"
        aria-label={`Filter ${title.toLowerCase()}`}
        onSubmit={(e) => e.preventDefault()}
      >
        {filters.map((f) => (
          <div key={f.name} className="admin-filters__field">
            <label htmlFor={`filter-${f.name}`}>{f.label}</label>
            {f.options ? (
              <select
                id={`filter-${f.name}`}
                value={search.get(f.name) ?? ""}
                onChange={(e) => update({ [f.name]: e.target.value })}
              >
                <option value="">Any</option>
                {f.options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={`filter-${f.name}`}
                type={f.type === "number" ? "number" : "search"}
                defaultValue={search.get(f.name) ?? ""}
                onChange={(e) => update({ [f.name]: e.target.value.trim() })}
              />
            )}
          </div>
        ))}
        <div className="admin-filters__field">
          <label htmlFor="filter-sort">Sort</label>
          <select
            id="filter-sort"
            value={query.sort}
            onChange={(e) => update({ sort: e.target.value })}
          >
            {sorts.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
      </form>
      {list.isError && <ErrorNotice error={list.error} onRetry={() => list.refetch()} />}
      {list.isPending ? (
        <Spinner />
      ) : list.data ? (
        list.data.items.length === 0 ? (
          <p className="muted">Nothing matches.</p>
        ) : (
          <div className="admin-table__wrap">
            <table className="admin-table">
              <thead>
                <tr>
                  {columns.map((c) => (
                    <th
                      key={c.header}
                      scope="col"
                      className={c.wide ? "admin-col--wide" : undefined}
                    >
                      {c.header}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((item) => (
                  <tr key={item.id}>
                    {columns.map((c, i) => (
                      <td key={c.header} className={c.wide ? "admin-col--wide" : undefined}>
                        {i === 0 ? <Link to={linkTo(item)}>{c.cell(item)}</Link> : c.cell(item)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
      <nav className="admin-pager" aria-label="Pages">
        <button
          type="button"
          className="button button--ghost button--small"
          disabled={previous.length === 0}
          onClick={() => {
            const back = previous[previous.length - 1];
            setPrevious(previous.slice(0, -1));
            update({ cursor: back || undefined }, true);
          }}
        >
          Previous page
        </button>
        <button
          type="button"
          className="button button--ghost button--small"
          disabled={!list.data?.next_cursor}
          onClick={() => {
            setPrevious([...previous, query.cursor ?? ""]);
            update({ cursor: list.data?.next_cursor ?? undefined }, true);
          }}
        >
          Next page
        </button>
      </nav>
      {below}
    </section>
  );
}
