import type { components } from "@/lib/api/schema";
import { centsToInput, parseCents } from "./money";

type PlanCreate = components["schemas"]["PlanCreate"];
type PlanPublic = components["schemas"]["PlanPublic"];

/** A plan as its form holds it: text the admin typed, turned into the API's fields on save. */
export interface PlanForm {
  name: string;
  description: string;
  price: string;
  currency: string;
  billing_period: "monthly" | "yearly";
  trial_days: string;
  /** Empty means no limit. */
  max_video_height: string;
}

export const EMPTY_PLAN: PlanForm = {
  name: "",
  description: "",
  price: "",
  currency: "BRL",
  billing_period: "monthly",
  trial_days: "0",
  max_video_height: "",
};

export function formFromPlan(plan: PlanPublic): PlanForm {
  return {
    name: plan.name,
    description: plan.description,
    price: centsToInput(plan.price_cents),
    currency: plan.currency,
    billing_period: plan.billing_period,
    trial_days: String(plan.trial_days),
    max_video_height: plan.max_video_height === null ? "" : String(plan.max_video_height),
  };
}

/** The form field an API error location points at (`price_cents` is typed as a price). */
export function formField(apiField: string): keyof PlanForm | null {
  if (apiField === "price_cents") return "price";
  return apiField in EMPTY_PLAN ? (apiField as keyof PlanForm) : null;
}

export type PlanFieldErrors = Partial<Record<keyof PlanForm, string>>;

/** The API body of a form, or the errors that keep it from being sent. Only what the admin
 * typed is read here (money into cents, whole numbers); the API checks the values and its
 * problem details go next to their fields. */
export function planBody(form: PlanForm): { body: PlanCreate } | { errors: PlanFieldErrors } {
  const errors: PlanFieldErrors = {};
  const price = parseCents(form.price);
  if (price === null) errors.price = "Enter an amount such as 19.90";
  const trialDays = wholeNumber(form.trial_days || "0");
  if (trialDays === null) errors.trial_days = "Enter a whole number of days";
  const height = form.max_video_height.trim() === "" ? null : wholeNumber(form.max_video_height);
  if (form.max_video_height.trim() !== "" && height === null) {
    errors.max_video_height = "Enter a height in pixels such as 720, or leave it empty";
  }
  if (price === null || trialDays === null || Object.keys(errors).length) return { errors };
  return {
    body: {
      name: form.name.trim(),
      description: form.description.trim(),
      price_cents: price,
      currency: form.currency.trim().toUpperCase(),
      billing_period: form.billing_period,
      trial_days: trialDays,
      max_video_height: height,
      is_active: true,
    },
  };
}

/** The fields of `body` that differ from `plan` (what a PATCH sends). Editing never retires
 * or brings back a plan: that is a step of its own. */
export function planChanges(plan: PlanPublic, body: PlanCreate): Partial<PlanCreate> {
  const changes: Partial<PlanCreate> = {};
  for (const key of Object.keys(body) as (keyof PlanCreate)[]) {
    if (key !== "is_active" && body[key] !== plan[key])
      Object.assign(changes, { [key]: body[key] });
  }
  return changes;
}

function wholeNumber(text: string): number | null {
  return /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : null;
}
