import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import type { SubscriberFilters } from "../lib/filters";

export type Plan = components["schemas"]["PlanPublic"];
export type PlanCreate = components["schemas"]["PlanCreate"];
export type PlanUpdate = components["schemas"]["PlanUpdate"];
export type Subscription = components["schemas"]["SubscriptionPublic"];
export type Payment = components["schemas"]["PaymentPublic"];

const PAGE = 20;
// Every admin query key starts here, so a change can refresh what depends on it.
const PLANS = ["admin", "plans"] as const;
const SUBSCRIPTIONS = ["admin", "subscriptions"] as const;

/** Every plan, retired ones included (a console has few: one page of 100 holds them). */
export function useAdminPlans() {
  return useQuery({
    queryKey: PLANS,
    queryFn: () => unwrap(api.GET("/api/v1/admin/plans", { params: { query: { limit: 100 } } })),
  });
}

export function useCreatePlan() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (body: PlanCreate) => unwrap(api.POST("/api/v1/admin/plans", { body })),
    onSuccess: () => invalidatePlans(queries),
  });
}

export function useUpdatePlan(planId: string) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (body: PlanUpdate) =>
      unwrap(
        api.PATCH("/api/v1/admin/plans/{plan_id}", {
          params: { path: { plan_id: planId } },
          body,
        }),
      ),
    onSuccess: () => invalidatePlans(queries),
  });
}

function invalidatePlans(queries: ReturnType<typeof useQueryClient>) {
  queries.invalidateQueries({ queryKey: PLANS });
  // The viewer's plan list is cached too; a retired plan must leave it.
  queries.invalidateQueries({ queryKey: ["plans"] });
}

/** One page of subscriptions matching `filters`, starting at `cursor`. */
export function useAdminSubscriptions(filters: SubscriberFilters, cursor: string | null) {
  return useQuery({
    queryKey: [...SUBSCRIPTIONS, "list", filters, cursor],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/admin/subscriptions", {
          params: { query: { ...filters, cursor: cursor ?? undefined, limit: PAGE } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useAdminSubscription(subscriptionId: string) {
  return useQuery({
    queryKey: [...SUBSCRIPTIONS, "one", subscriptionId],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/admin/subscriptions/{subscription_id}", {
          params: { path: { subscription_id: subscriptionId } },
        }),
      ),
  });
}

export function useSubscriptionPayments(subscriptionId: string, cursor: string | null) {
  return useQuery({
    queryKey: [...SUBSCRIPTIONS, "payments", subscriptionId, cursor],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/admin/subscriptions/{subscription_id}/payments", {
          params: {
            path: { subscription_id: subscriptionId },
            query: { limit: PAGE, cursor: cursor ?? undefined },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useCancelSubscription(subscriptionId: string) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (atPeriodEnd: boolean) =>
      unwrap(
        api.POST("/api/v1/admin/subscriptions/{subscription_id}/cancel", {
          params: { path: { subscription_id: subscriptionId } },
          body: { at_period_end: atPeriodEnd },
        }),
      ),
    onSuccess: () => queries.invalidateQueries({ queryKey: SUBSCRIPTIONS }),
  });
}

export interface RefundRequest {
  paymentId: string;
  amount: number;
  reason: string;
}

export function useRefund(subscriptionId: string) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: ({ paymentId, amount, reason }: RefundRequest) =>
      unwrap(
        api.POST("/api/v1/admin/subscriptions/{subscription_id}/refund", {
          params: { path: { subscription_id: subscriptionId } },
          body: { payment_id: paymentId, amount, reason },
        }),
      ),
    onSuccess: () => queries.invalidateQueries({ queryKey: SUBSCRIPTIONS }),
  });
}
