/** A subscription's status as a badge: green while it plays, amber while a renewal is retried. */
export function StatusBadge({ status }: { status: string }) {
  const tone =
    status === "active" || status === "trialing" ? "good" : status === "past_due" ? "warn" : "";
  return (
    <span className={tone ? `admin-status admin-status--${tone}` : "admin-status"}>
      {status.replace("_", " ")}
    </span>
  );
}
