import type { ReactNode } from "react";
import { Link } from "react-router";
import { ErrorNotice, Spinner } from "@/components/Feedback";
import { CATALOG, mayOpen, SUBSCRIPTIONS } from "../../lib/roles";
import { useRoles } from "../../lib/useRoles";
import { type CatalogStats, useCatalogStats, useSubscriptionStats } from "../api/queries";
import { ago, busyPercent, isStale, mediaStatusRows, subscriberStatusRows } from "../lib/stats";
import "./dashboard.css";

/** The console's first page: where the catalog, the encoder and the subscriptions stand.
 * Each admin sees the cards of their roles only (and only those numbers are asked for). */
export function DashboardPage() {
  const roles = useRoles();
  const catalog = mayOpen(roles, CATALOG);
  const subscriptions = mayOpen(roles, SUBSCRIPTIONS);
  return (
    <div className="admin-page dashboard">
      <h1>Dashboard</h1>
      {catalog && (
        <section className="dashboard__section" aria-labelledby="dashboard-catalog">
          <h2 id="dashboard-catalog">Catalog and encoding</h2>
          <div className="dashboard__grid">
            <CatalogCards />
          </div>
        </section>
      )}
      {subscriptions && (
        <section className="dashboard__section" aria-labelledby="dashboard-subscriptions">
          <h2 id="dashboard-subscriptions">Subscriptions</h2>
          <div className="dashboard__grid">
            <SubscriptionCards />
          </div>
        </section>
      )}
    </div>
  );
}

function Card({
  title,
  wide = false,
  children,
}: {
  title: string;
  wide?: boolean;
  children: ReactNode;
}) {
  const id = `card-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <section
      className={wide ? "stat-card stat-card--wide" : "stat-card"}
      aria-labelledby={id}
      data-testid={id}
    >
      <h3 id={id}>{title}</h3>
      {children}
    </section>
  );
}

/** The card's body once the numbers are in; a spinner or the problem until then. */
function Loaded<T>({
  query,
  children,
}: {
  query: { data?: T; error: unknown; isError: boolean; refetch: () => unknown };
  children: (data: T) => ReactNode;
}) {
  if (query.data !== undefined) return children(query.data);
  if (query.isError) return <ErrorNotice error={query.error} onRetry={() => query.refetch()} />;
  return <Spinner />;
}

function CatalogCards() {
  const stats = useCatalogStats(true);
  return (
    <>
      <Card title="Titles by media status">
        <Loaded query={stats}>
          {(s) => <Counts rows={mediaStatusRows(s.videos_by_media_status)} />}
        </Loaded>
      </Card>
      <Card title="Encodes">
        <Loaded query={stats}>
          {(s) => (
            <Counts
              rows={[
                ["running", s.encodes.running],
                ["waiting", s.encodes.waiting],
              ]}
            />
          )}
        </Loaded>
      </Card>
      <Card title="Ray workers">
        <Loaded query={stats}>{(s) => <Encoder report={s.encoder} />}</Loaded>
      </Card>
      <Card title="Failed encodes in the last 24 h" wide>
        <Loaded query={stats}>{(s) => <Failures failed={s.failed_last_24h} />}</Loaded>
      </Card>
    </>
  );
}

function SubscriptionCards() {
  const stats = useSubscriptionStats(true);
  return (
    <>
      <Card title="Active subscribers by plan">
        <Loaded query={stats}>
          {(s) =>
            s.active_by_plan.length === 0 ? (
              <p className="muted">No plans yet.</p>
            ) : (
              <Counts
                rows={s.active_by_plan.map((p): [string, number] => [p.name, p.active])}
                total="all plans"
              />
            )
          }
        </Loaded>
      </Card>
      <Card title="Subscribers by status">
        <Loaded query={stats}>
          {(s) =>
            Object.keys(s.subscribers).length === 0 ? (
              <p className="muted">No subscribers yet.</p>
            ) : (
              <Counts rows={subscriberStatusRows(s.subscribers)} />
            )
          }
        </Loaded>
      </Card>
    </>
  );
}

function Counts({ rows, total }: { rows: [string, number][]; total?: string }) {
  return (
    <dl className="counts">
      {rows.map(([label, count]) => (
        <div key={label} className="counts__row">
          <dt>{label.replace(/_/g, " ")}</dt>
          <dd>{count}</dd>
        </div>
      ))}
      {total && (
        <div className="counts__row counts__row--total">
          <dt>{total}</dt>
          <dd>{rows.reduce((sum, [, n]) => sum + n, 0)}</dd>
        </div>
      )}
    </dl>
  );
}

function Encoder({ report }: { report: CatalogStats["encoder"] }) {
  if (!report) return <p className="muted">The encoder has not reported yet.</p>;
  const percent = busyPercent(report.cpus_busy, report.cpus_total);
  const when = (
    <p className={isStale(report.reported_at) ? "stale" : "muted"}>
      Reported {ago(report.reported_at)}
      {isStale(report.reported_at) && ": the encoder may be down"}
    </p>
  );
  if (report.nodes === 0) {
    // The embedded platform starts its Ray with the first upload; a cluster may scale to zero.
    return (
      <>
        <p>No Ray nodes are up: the encoder is idle.</p>
        {when}
      </>
    );
  }
  return (
    <>
      <Counts
        rows={[
          ["nodes", report.nodes],
          ["CPUs busy", report.cpus_busy],
          ["CPUs in all", report.cpus_total],
        ]}
      />
      <meter
        className="meter"
        aria-label="CPUs busy"
        min={0}
        max={100}
        value={percent}
        title={`${percent}% of the CPUs busy`}
      >
        {percent}%
      </meter>
      {when}
    </>
  );
}

function Failures({ failed }: { failed: CatalogStats["failed_last_24h"] }) {
  if (failed.length === 0) return <p className="muted">No failed encodes in the last 24 h.</p>;
  return (
    <ul className="failures">
      {failed.map((f) => (
        <li key={`${f.video_id}-${f.kind}-${f.failed_at}`}>
          <p>
            <Link to={`/admin/videos/${f.video_id}`}>
              <strong>{f.title}</strong>
            </Link>{" "}
            <span className="muted">({f.kind})</span>{" "}
            <span className="muted">{ago(f.failed_at)}</span>
          </p>
          <p className="failures__reason">{f.error || "no reason given"}</p>
        </li>
      ))}
    </ul>
  );
}
