import { Link, useSearchParams } from "react-router";
import { ErrorNotice, Spinner } from "@/components/Feedback";
import { formatMoney } from "@/lib/format";
import { type Plan, usePlans } from "../api/queries";

export function planQuality(plan: Plan): string {
  return plan.max_video_height ? `Up to ${plan.max_video_height}p` : "Every quality, up to 4K";
}

export function PlansPage() {
  const plans = usePlans();
  const [params] = useSearchParams();
  const reason = params.get("reason");
  if (plans.isPending) return <Spinner />;
  if (plans.isError) return <ErrorNotice error={plans.error} onRetry={() => plans.refetch()} />;
  const active = plans.data.items.filter((p) => p.is_active);
  return (
    <div className="plans">
      <h1>Choose your plan</h1>
      {reason && (
        <p className="notice" role="status">
          {reason}
        </p>
      )}
      <ul className="plans__list">
        {active.map((plan) => (
          <li key={plan.id} className="plan">
            <h2>{plan.name}</h2>
            <p className="plan__price">
              {formatMoney(plan.price_cents, plan.currency)}
              <span> / {plan.billing_period}</span>
            </p>
            <p>{plan.description}</p>
            <ul className="plan__features">
              <li>{planQuality(plan)}</li>
              {plan.trial_days > 0 && <li>{plan.trial_days} days free</li>}
              <li>Cancel anytime</li>
            </ul>
            <Link className="button" to={`/checkout/${plan.id}`} aria-label={`Choose ${plan.name}`}>
              Choose {plan.name}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
