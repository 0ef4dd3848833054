import { type FormEvent, useState } from "react";
import { ErrorNotice } from "@/components/Feedback";
import { ProblemError } from "@/lib/problems";
import { type Plan, useCreatePlan, useUpdatePlan } from "../api/queries";
import {
  EMPTY_PLAN,
  formField,
  formFromPlan,
  type PlanFieldErrors,
  type PlanForm as PlanFormValues,
  planBody,
  planChanges,
} from "../lib/planForm";
import { Field, fieldProps } from "./Field";

/** Create a plan, or edit `plan`. The API's problem details sit next to their fields. */
export function PlanForm({
  plan,
  onDone,
  onCancel,
}: {
  plan?: Plan;
  onDone: (saved: Plan) => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState<PlanFormValues>(() => (plan ? formFromPlan(plan) : EMPTY_PLAN));
  const [typed, setTyped] = useState<PlanFieldErrors>({});
  const create = useCreatePlan();
  const update = useUpdatePlan(plan?.id ?? "");
  const save = plan ? update : create;
  const { fields, rest } = apiErrors(save.error);
  const errors: PlanFieldErrors = { ...fields, ...typed };
  const prefix = plan ? `plan-${plan.id.slice(0, 8)}` : "new-plan";
  const id = (field: keyof PlanFormValues) => `${prefix}-${field.replace(/_/g, "-")}`;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = planBody(form);
    if ("errors" in result) {
      setTyped(result.errors);
      return;
    }
    setTyped({});
    if (plan) update.mutate(planChanges(plan, result.body), { onSuccess: onDone });
    else create.mutate(result.body, { onSuccess: onDone });
  };
  const set =
    (field: keyof PlanFormValues) =>
    (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) =>
      setForm({ ...form, [field]: e.target.value });

  return (
    <form
      className="admin-form"
      onSubmit={submit}
      noValidate
      aria-label={plan ? `Edit ${plan.name}` : "New plan"}
    >
      {rest && <ErrorNotice error={rest} />}
      <Field id={id("name")} label="Name" error={errors.name}>
        <input {...fieldProps(id("name"), errors.name)} value={form.name} onChange={set("name")} />
      </Field>
      <Field id={id("description")} label="Description" error={errors.description}>
        <textarea
          {...fieldProps(id("description"), errors.description)}
          rows={2}
          value={form.description}
          onChange={set("description")}
        />
      </Field>
      <div className="form__pair">
        <Field id={id("price")} label="Price" error={errors.price}>
          <input
            {...fieldProps(id("price"), errors.price)}
            inputMode="decimal"
            placeholder="19.90"
            value={form.price}
            onChange={set("price")}
          />
        </Field>
        <Field id={id("currency")} label="Currency" error={errors.currency}>
          <input
            {...fieldProps(id("currency"), errors.currency)}
            maxLength={3}
            value={form.currency}
            onChange={set("currency")}
          />
        </Field>
      </div>
      <div className="form__pair">
        <Field id={id("billing_period")} label="Billed" error={errors.billing_period}>
          <select
            {...fieldProps(id("billing_period"), errors.billing_period)}
            value={form.billing_period}
            onChange={set("billing_period")}
          >
            <option value="monthly">monthly</option>
            <option value="yearly">yearly</option>
          </select>
        </Field>
        <Field id={id("trial_days")} label="Free trial (days)" error={errors.trial_days}>
          <input
            {...fieldProps(id("trial_days"), errors.trial_days)}
            inputMode="numeric"
            value={form.trial_days}
            onChange={set("trial_days")}
          />
        </Field>
      </div>
      <Field
        id={id("max_video_height")}
        label="Highest quality (pixels tall)"
        hint="Empty: every quality the title has."
        error={errors.max_video_height}
      >
        <input
          {...fieldProps(id("max_video_height"), errors.max_video_height, true)}
          inputMode="numeric"
          placeholder="720"
          value={form.max_video_height}
          onChange={set("max_video_height")}
        />
      </Field>
      <div className="admin-form__actions">
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? "Saving…" : plan ? "Save changes" : "Create plan"}
        </button>
        <button type="button" className="button button--ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The problem's field errors keyed by form field, and the problem itself when no field
 * shows it (a name already taken, a plan that is gone, the network). */
function apiErrors(error: Error | null): { fields: PlanFieldErrors; rest: Error | null } {
  if (!error) return { fields: {}, rest: null };
  const fields: PlanFieldErrors = {};
  if (error instanceof ProblemError) {
    for (const [apiField, msg] of Object.entries(error.fieldErrors())) {
      const field = formField(apiField);
      if (field) fields[field] = msg;
    }
  }
  return { fields, rest: Object.keys(fields).length ? null : error };
}
