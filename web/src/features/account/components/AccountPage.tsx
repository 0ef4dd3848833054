import { Link } from "react-router";
import { ErrorNotice, Spinner } from "@/components/Feedback";
import { useAuth } from "@/lib/auth";
import { formatDate, formatMoney } from "@/lib/format";
import { paymentStatusLabel } from "@/lib/payments";
import { useCancel, usePayments, usePlans, useSubscription } from "../api/queries";
import { planQuality } from "./PlansPage";

export function AccountPage() {
  const { user } = useAuth();
  const subscription = useSubscription();
  const plans = usePlans();
  const payments = usePayments();
  const cancel = useCancel();
  const sub = subscription.data;
  const plan = plans.data?.items.find((p) => p.id === sub?.plan_id);
  return (
    <div className="account">
      <h1>Account</h1>
      <section className="panel">
        <h2>Profile</h2>
        <p>{user?.profile.name}</p>
        <p className="muted">{user?.profile.email}</p>
      </section>
      <section className="panel">
        <h2>Plan</h2>
        {subscription.isPending && <Spinner />}
        {subscription.isError && <ErrorNotice error={subscription.error} />}
        {subscription.isSuccess && !sub && (
          <p>
            No plan yet. <Link to="/plans">Choose a plan</Link> to start watching.
          </p>
        )}
        {sub && (
          <dl className="facts">
            <dt>Plan</dt>
            <dd>
              <span className="capitalize">{plan?.name ?? "—"}</span>{" "}
              {plan && <span className="muted">({planQuality(plan)})</span>}
            </dd>
            <dt>Status</dt>
            <dd data-testid="account-status" className="capitalize">
              {sub.status}
            </dd>
            <dt>{sub.cancel_at_period_end ? "Ends on" : "Next renewal"}</dt>
            <dd>{formatDate(sub.current_period_end)}</dd>
            <dt>Card</dt>
            <dd>
              <span className="card-brand">{sub.card.brand}</span> •••• {sub.card.last4}
            </dd>
          </dl>
        )}
        {sub &&
          !sub.cancel_at_period_end &&
          ["active", "trialing", "past_due"].includes(sub.status) && (
            <button
              type="button"
              className="button button--ghost"
              onClick={() => {
                if (window.confirm("Cancel your plan? You keep watching until the period ends.")) {
                  cancel.mutate();
                }
              }}
              disabled={cancel.isPending}
            >
              Cancel plan
            </button>
          )}
        {sub?.cancel_at_period_end && (
          <p className="notice">
            Canceled: you can keep watching until {formatDate(sub.current_period_end)}.
          </p>
        )}
        {cancel.isError && <ErrorNotice error={cancel.error} />}
      </section>
      <section className="panel">
        <h2>Payment history</h2>
        {payments.data && payments.data.items.length === 0 && (
          <p className="muted">No payments yet.</p>
        )}
        {payments.data && payments.data.items.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Amount</th>
                <th scope="col">Card</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {payments.data.items.map((p) => (
                <tr key={p.id}>
                  <td>{formatDate(p.created_at)}</td>
                  <td>{formatMoney(p.amount, p.currency)}</td>
                  <td>
                    {p.card_brand} •••• {p.card_last4}
                  </td>
                  <td>{paymentStatusLabel(p)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
