/** The subscriber list's filters, kept in the address so a reload or a shared link keeps them. */
export const STATUSES = [
  "pending",
  "trialing",
  "active",
  "past_due",
  "canceled",
  "expired",
] as const;

export interface SubscriberFilters {
  status?: (typeof STATUSES)[number];
  plan_id?: string;
  email?: string;
}

export function filtersFrom(params: URLSearchParams): SubscriberFilters {
  const filters: SubscriberFilters = {};
  const status = params.get("status");
  if (status && (STATUSES as readonly string[]).includes(status)) {
    filters.status = status as SubscriberFilters["status"];
  }
  const plan = params.get("plan_id")?.trim();
  if (plan) filters.plan_id = plan;
  const email = params.get("email")?.trim();
  if (email) filters.email = email;
  return filters;
}

export function paramsFrom(filters: SubscriberFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of ["status", "plan_id", "email"] as const) {
    const value = filters[key]?.trim();
    if (value) params.set(key, value);
  }
  return params;
}
