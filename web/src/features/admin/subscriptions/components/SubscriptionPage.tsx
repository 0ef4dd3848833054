import { useState } from "react";
import { Link, useParams } from "react-router";
import { ErrorNotice, Spinner } from "@/components/Feedback";
import { formatDate, formatMoney } from "@/lib/format";
import { paymentStatusLabel } from "@/lib/payments";
import {
  type Payment,
  type Subscription,
  useAdminPlans,
  useAdminSubscription,
  useCancelSubscription,
  useSubscriptionPayments,
} from "../api/queries";
import { useCursorPages } from "../hooks/useCursorPages";
import { refundableCents } from "../lib/payments";
import { ConfirmStep } from "./ConfirmStep";
import { RefundStep } from "./RefundStep";
import { StatusBadge } from "./StatusBadge";
import "./subscriptions.css";

const LIVE = ["pending", "trialing", "active", "past_due"];

/** One subscription: who, which plan, where it stands, its payments; cancel it, refund. */
export function SubscriptionPage() {
  const { id = "" } = useParams();
  const subscription = useAdminSubscription(id);
  const plans = useAdminPlans();
  const [done, setDone] = useState<string | null>(null);
  const sub = subscription.data;
  const plan = plans.data?.items.find((p) => p.id === sub?.plan_id);

  return (
    <div className="admin-page">
      <Link to="/admin/subscribers" className="back-link">
        ← All subscribers
      </Link>
      {subscription.isPending && <Spinner />}
      {subscription.isError && <ErrorNotice error={subscription.error} />}
      {sub && (
        <>
          <h1 className="subscription-title">{sub.email || sub.user_id}</h1>
          {done && (
            <p className="notice" role="status">
              {done}
            </p>
          )}
          <section className="panel">
            <h2>Subscription</h2>
            <dl className="facts">
              <dt>Status</dt>
              <dd data-testid="admin-subscription-status">
                <StatusBadge status={sub.status} />
                {sub.cancel_at_period_end && ` until ${formatDate(sub.current_period_end)}`}
              </dd>
              <dt>Plan</dt>
              <dd>
                {plan
                  ? `${plan.name} (${formatMoney(plan.price_cents, plan.currency)} / ${plan.billing_period})`
                  : "—"}
              </dd>
              <dt>Period</dt>
              <dd>
                {formatDate(sub.current_period_start)} – {formatDate(sub.current_period_end)}
              </dd>
              <dt>Card</dt>
              <dd>
                <span className="card-brand">{sub.card.brand}</span> •••• {sub.card.last4}
              </dd>
              <dt>Subscribed</dt>
              <dd>{formatDate(sub.created_at)}</dd>
              {sub.canceled_at && (
                <>
                  <dt>Canceled</dt>
                  <dd>{formatDate(sub.canceled_at)}</dd>
                </>
              )}
              <dt>Account</dt>
              <dd className="muted mono">{sub.user_id}</dd>
            </dl>
            <CancelSubscription subscription={sub} onDone={setDone} />
          </section>
          <Payments subscriptionId={sub.id} onRefunded={setDone} />
        </>
      )}
    </div>
  );
}

function CancelSubscription({
  subscription,
  onDone,
}: {
  subscription: Subscription;
  onDone: (message: string) => void;
}) {
  const [asking, setAsking] = useState(false);
  const [atPeriodEnd, setAtPeriodEnd] = useState(false);
  const cancel = useCancelSubscription(subscription.id);
  if (!LIVE.includes(subscription.status)) return null;
  if (!asking) {
    return (
      <button
        type="button"
        className="button button--ghost"
        onClick={() => {
          cancel.reset();
          setAsking(true);
        }}
      >
        Cancel subscription
      </button>
    );
  }
  const periodEnd = formatDate(subscription.current_period_end);
  return (
    <ConfirmStep
      title="Cancel this subscription?"
      confirmLabel={atPeriodEnd ? `Cancel on ${periodEnd}` : "Cancel now"}
      onConfirm={() =>
        cancel.mutate(atPeriodEnd, {
          onSuccess: () => {
            setAsking(false);
            onDone(atPeriodEnd ? `Canceled: it ends on ${periodEnd}.` : "Canceled.");
          },
        })
      }
      onCancel={() => setAsking(false)}
      pending={cancel.isPending}
      error={cancel.isError && <ErrorNotice error={cancel.error} />}
      testId="cancel-subscription"
    >
      <fieldset className="choices">
        <legend className="visually-hidden">When</legend>
        <label>
          <input
            type="radio"
            name="cancel-when"
            checked={!atPeriodEnd}
            onChange={() => setAtPeriodEnd(false)}
          />{" "}
          Now: the subscriber loses access at once (refund separately)
        </label>
        <label>
          <input
            type="radio"
            name="cancel-when"
            checked={atPeriodEnd}
            onChange={() => setAtPeriodEnd(true)}
          />{" "}
          At the end of the paid period ({periodEnd})
        </label>
      </fieldset>
    </ConfirmStep>
  );
}

function Payments({
  subscriptionId,
  onRefunded,
}: {
  subscriptionId: string;
  onRefunded: (message: string) => void;
}) {
  const pages = useCursorPages(subscriptionId);
  const payments = useSubscriptionPayments(subscriptionId, pages.cursor);
  const [refunding, setRefunding] = useState<Payment | null>(null);
  const items = payments.data?.items ?? [];
  return (
    <section className="panel" aria-labelledby="payments-title">
      <h2 id="payments-title">Payment history</h2>
      {payments.isPending && <Spinner />}
      {payments.isError && <ErrorNotice error={payments.error} />}
      {payments.data && items.length === 0 && <p className="muted">No payments yet.</p>}
      {items.length > 0 && (
        <div className="admin-table__wrap">
          <table className="admin-table admin-table--rows">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col" className="admin-col--wide">
                  Kind
                </th>
                <th scope="col">Amount</th>
                <th scope="col" className="admin-col--wide">
                  Card
                </th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.id} data-testid="payment-row">
                  <td>{formatDate(p.created_at)}</td>
                  <td className="admin-col--wide">{p.kind}</td>
                  <td>{formatMoney(p.amount, p.currency)}</td>
                  <td className="admin-col--wide">
                    {p.card_brand} •••• {p.card_last4}
                  </td>
                  <td>{paymentStatusLabel(p)}</td>
                  <td className="table__actions">
                    {refundableCents(p) > 0 && (
                      <button
                        type="button"
                        className="button button--ghost button--small"
                        onClick={() => setRefunding(p)}
                        aria-label={`Refund the payment of ${formatDate(p.created_at)}`}
                      >
                        Refund
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(pages.page > 1 || payments.data?.next_cursor) && (
        <nav className="admin-pager" aria-label="Pages of payments">
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
            onClick={() => payments.data?.next_cursor && pages.next(payments.data.next_cursor)}
            disabled={!payments.data?.next_cursor}
          >
            Next
          </button>
        </nav>
      )}
      {refunding && (
        <RefundStep
          key={refunding.id}
          subscriptionId={subscriptionId}
          payment={refunding}
          onCancel={() => setRefunding(null)}
          onDone={(amount) => {
            setRefunding(null);
            onRefunded(`Refunded ${formatMoney(amount, refunding.currency)}.`);
          }}
        />
      )}
    </section>
  );
}
