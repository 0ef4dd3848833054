import { useState } from "react";
import { EmptyState, ErrorNotice, Spinner } from "@/components/Feedback";
import { formatMoney } from "@/lib/format";
import { type Plan, useAdminPlans, useUpdatePlan } from "../api/queries";
import { ConfirmStep } from "./ConfirmStep";
import { PlanForm } from "./PlanForm";
import "./subscriptions.css";

type Editing = { mode: "create" } | { mode: "edit"; plan: Plan } | { mode: "retire"; plan: Plan };

export function planQuality(plan: Plan): string {
  return plan.max_video_height ? `up to ${plan.max_video_height}p` : "every quality";
}

/** Plans: what viewers can subscribe to. Retiring a plan takes it off the plans page; its
 * subscribers keep it. */
export function PlansAdminPage() {
  const plans = useAdminPlans();
  const [editing, setEditing] = useState<Editing | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const done = (message: string) => {
    setEditing(null);
    setSaved(message);
  };

  return (
    <div className="admin-page">
      <div className="admin-page__head">
        <h1>Plans</h1>
        {editing?.mode !== "create" && (
          <button
            type="button"
            className="button"
            onClick={() => {
              setSaved(null);
              setEditing({ mode: "create" });
            }}
          >
            New plan
          </button>
        )}
      </div>
      {saved && (
        <p className="notice" role="status">
          {saved}
        </p>
      )}
      {editing?.mode === "create" && (
        <section aria-labelledby="new-plan-title">
          <h2 id="new-plan-title">New plan</h2>
          <PlanForm
            onDone={(plan) => done(`Created ${plan.name}.`)}
            onCancel={() => setEditing(null)}
          />
        </section>
      )}
      {editing?.mode === "edit" && (
        <section aria-labelledby="edit-plan-title">
          <h2 id="edit-plan-title">Edit {editing.plan.name}</h2>
          <PlanForm
            key={editing.plan.id}
            plan={editing.plan}
            onDone={(plan) => done(`Saved ${plan.name}.`)}
            onCancel={() => setEditing(null)}
          />
        </section>
      )}
      {editing?.mode === "retire" && (
        <RetirePlan
          plan={editing.plan}
          onDone={(plan) => done(`Retired ${plan.name}.`)}
          onCancel={() => setEditing(null)}
        />
      )}
      {plans.isPending && <Spinner />}
      {plans.isError && <ErrorNotice error={plans.error} onRetry={() => plans.refetch()} />}
      {plans.data?.items.length === 0 && (
        <EmptyState title="No plans yet">
          <p>Create one so viewers can subscribe.</p>
        </EmptyState>
      )}
      {plans.data && plans.data.items.length > 0 && (
        <div className="admin-table__wrap">
          <table className="admin-table admin-table--rows">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Price</th>
                <th scope="col">Quality</th>
                <th scope="col">Trial</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {plans.data.items.map((plan) => (
                <tr
                  key={plan.id}
                  data-testid="plan-row"
                  className={plan.is_active ? undefined : "row--retired"}
                >
                  <th scope="row">{plan.name}</th>
                  <td>
                    {formatMoney(plan.price_cents, plan.currency)} / {plan.billing_period}
                  </td>
                  <td>{planQuality(plan)}</td>
                  <td>{plan.trial_days ? `${plan.trial_days} days` : "none"}</td>
                  <td>
                    <span
                      className={
                        plan.is_active ? "admin-status admin-status--good" : "admin-status"
                      }
                    >
                      {plan.is_active ? "active" : "retired"}
                    </span>
                  </td>
                  <td className="table__actions">
                    <button
                      type="button"
                      className="button button--ghost button--small"
                      aria-label={`Edit ${plan.name}`}
                      onClick={() => {
                        setSaved(null);
                        setEditing({ mode: "edit", plan });
                      }}
                    >
                      Edit
                    </button>
                    {plan.is_active && (
                      <button
                        type="button"
                        className="button button--ghost button--small"
                        aria-label={`Retire ${plan.name}`}
                        onClick={() => {
                          setSaved(null);
                          setEditing({ mode: "retire", plan });
                        }}
                      >
                        Retire
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function RetirePlan({
  plan,
  onDone,
  onCancel,
}: {
  plan: Plan;
  onDone: (plan: Plan) => void;
  onCancel: () => void;
}) {
  const retire = useUpdatePlan(plan.id);
  return (
    <ConfirmStep
      title={`Retire ${plan.name}?`}
      confirmLabel={`Yes, retire ${plan.name}`}
      onConfirm={() => retire.mutate({ is_active: false }, { onSuccess: onDone })}
      onCancel={onCancel}
      pending={retire.isPending}
      error={retire.isError && <ErrorNotice error={retire.error} />}
      testId="retire-plan"
    >
      <p>
        New viewers can no longer choose it. Its subscribers keep it, at{" "}
        {formatMoney(plan.price_cents, plan.currency)} / {plan.billing_period}, until they cancel.
      </p>
    </ConfirmStep>
  );
}
