/** How the dashboard reads the numbers the APIs report. */

/** Media statuses in the order a title goes through them; others the API adds come after. */
const MEDIA_ORDER = ["pending", "processing", "playable", "ready", "failed"];

export function mediaStatusRows(counts: Record<string, number>): [string, number][] {
  const known = MEDIA_ORDER.map((s): [string, number] => [s, counts[s] ?? 0]);
  const others = Object.entries(counts)
    .filter(([s]) => !MEDIA_ORDER.includes(s))
    .sort(([a], [b]) => a.localeCompare(b));
  return [...known, ...others];
}

const SUBSCRIBER_ORDER = ["active", "trialing", "pending", "past_due", "canceled", "expired"];

export function subscriberStatusRows(counts: Record<string, number>): [string, number][] {
  const known = SUBSCRIBER_ORDER.filter((s) => s in counts).map((s): [string, number] => [
    s,
    counts[s] ?? 0,
  ]);
  const others = Object.entries(counts).filter(([s]) => !SUBSCRIBER_ORDER.includes(s));
  return [...known, ...others];
}

/** Share of the encoder's CPUs at work, 0–100 (0 when it has none). */
export function busyPercent(busy: number, total: number): number {
  if (total <= 0) return 0;
  return Math.round((Math.min(busy, total) / total) * 100);
}

/** "just now", "5 min ago", "3 h ago", "2 days ago" for `iso` as seen at `now`. */
export function ago(iso: string, now: Date = new Date()): string {
  const seconds = Math.max(0, (now.getTime() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  const days = Math.floor(seconds / 86_400);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}

/** A report older than this says more about the reporter than about the cluster. */
export const STALE_REPORT_SECONDS = 120;

export function isStale(iso: string, now: Date = new Date()): boolean {
  return (now.getTime() - new Date(iso).getTime()) / 1000 > STALE_REPORT_SECONDS;
}
