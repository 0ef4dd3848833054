import { type FormEvent, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { EmptyState, ErrorNotice, Spinner } from "@/components/Feedback";
import { formatDate } from "@/lib/format";
import { useAdminPlans, useAdminSubscriptions } from "../api/queries";
import { useCursorPages } from "../hooks/useCursorPages";
import { filtersFrom, paramsFrom, STATUSES, type SubscriberFilters } from "../lib/filters";
import { StatusBadge } from "./StatusBadge";
import "./subscriptions.css";

/** Subscribers, newest first: filter by status, plan and (part of) the email address. */
export function SubscribersPage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const filterKey = paramsFrom(filters).toString();
  const pages = useCursorPages(filterKey);
  const list = useAdminSubscriptions(filters, pages.cursor);
  const plans = useAdminPlans();
  const planName = (id: string) => plans.data?.items.find((p) => p.id === id)?.name ?? "—";
  const [email, setEmail] = useState(filters.email ?? "");
  const apply = (changes: SubscriberFilters) => setParams(paramsFrom({ ...filters, ...changes }));
  const search = (event: FormEvent) => {
    event.preventDefault();
    apply({ email });
  };

  return (
    <div className="admin-page">
      <h1>Subscribers</h1>
      <form className="admin-filters" onSubmit={search} aria-label="Filter subscribers">
        <div className="admin-filters__field admin-filters__field--wide">
          <label htmlFor="filter-email">Email contains</label>
          <input
            id="filter-email"
            type="search"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            placeholder="ana@"
          />
        </div>
        <div className="admin-filters__field">
          <label htmlFor="filter-status">Status</label>
          <select
            id="filter-status"
            value={filters.status ?? ""}
            onChange={(e) =>
              apply({ status: (e.target.value || undefined) as typeof filters.status })
            }
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace("_", " ")}
              </option>
            ))}
          </select>
        </div>
        <div className="admin-filters__field">
          <label htmlFor="filter-plan">Plan</label>
          <select
            id="filter-plan"
            value={filters.plan_id ?? ""}
            onChange={(e) => apply({ plan_id: e.target.value || undefined })}
          >
            <option value="">any</option>
            {plans.data?.items.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
                {p.is_active ? "" : " (retired)"}
              </option>
            ))}
          </select>
        </div>
        <div className="filter-actions">
          <button type="submit" className="button">
            Search
          </button>
          {filterKey && (
            <button
              type="button"
              className="button button--ghost"
              onClick={() => {
                setEmail("");
                setParams(new URLSearchParams());
              }}
            >
              Clear filters
            </button>
          )}
        </div>
      </form>
      {list.isPending && <Spinner />}
      {list.isError && <ErrorNotice error={list.error} onRetry={() => list.refetch()} />}
      {list.data?.items.length === 0 && (
        <EmptyState
          title={filterKey ? "No subscriber matches these filters" : "No subscribers yet"}
        />
      )}
      {list.data && list.data.items.length > 0 && (
        <>
          <div className="admin-table__wrap">
            <table className="admin-table admin-table--rows" aria-busy={list.isPlaceholderData}>
              <thead>
                <tr>
                  <th scope="col">Subscriber</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Status</th>
                  <th scope="col">Period ends</th>
                  <th scope="col" className="admin-col--wide">
                    Since
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((s) => (
                  <tr key={s.id} data-testid="subscriber-row">
                    <th scope="row">
                      <Link to={`/admin/subscribers/${s.id}`}>{s.email || s.user_id}</Link>
                    </th>
                    <td>{planName(s.plan_id)}</td>
                    <td>
                      <StatusBadge status={s.status} />
                      {s.cancel_at_period_end && <span className="muted"> (ends)</span>}
                    </td>
                    <td>{formatDate(s.current_period_end)}</td>
                    <td className="admin-col--wide">{formatDate(s.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {(pages.page > 1 || list.data.next_cursor) && (
            <nav className="admin-pager" aria-label="Pages of subscribers">
              <button
                type="button"
                className="button button--ghost button--small"
                onClick={pages.previous}
                disabled={pages.page === 1}
              >
                Previous
              </button>
              <span className="muted">Page {pages.page}</span>
              <button
                type="button"
                className="button button--ghost button--small"
                onClick={() => list.data?.next_cursor && pages.next(list.data.next_cursor)}
                disabled={!list.data.next_cursor || list.isPlaceholderData}
              >
                Next
              </button>
            </nav>
          )}
        </>
      )}
    </div>
  );
}
