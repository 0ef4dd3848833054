import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { isProblem } from "@/lib/problems";

export type Plan = components["schemas"]["PlanPublic"];
export type Subscription = components["schemas"]["SubscriptionPublic"];
export type Card = components["schemas"]["CardIn"];

export function usePlans() {
  return useQuery({
    queryKey: ["plans"],
    queryFn: () => unwrap(api.GET("/api/v1/plans")),
    staleTime: 10 * 60_000,
  });
}

/** The viewer's subscription, or null when they have none (404). Polls while pending. */
export function useSubscription({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: ["subscription"],
    enabled,
    queryFn: async () => {
      try {
        return await unwrap(api.GET("/api/v1/subscriptions/me"));
      } catch (e) {
        if (isProblem(e, 404)) return null;
        throw e;
      }
    },
    refetchInterval: (query) => (query.state.data?.status === "pending" ? 1500 : false),
  });
}

export function usePayments() {
  return useQuery({
    queryKey: ["payments"],
    queryFn: () =>
      unwrap(api.GET("/api/v1/subscriptions/me/payments", { params: { query: { limit: 20 } } })),
  });
}

export function useSubscribe() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: ({ planId, card, key }: { planId: string; card: Card; key: string }) =>
      unwrap(
        api.POST("/api/v1/subscriptions", {
          body: { plan_id: planId, payment_method: card },
          headers: { "Idempotency-Key": key },
        }),
      ),
    onSuccess: (subscription) => {
      queries.setQueryData(["subscription"], subscription);
      queries.invalidateQueries({ queryKey: ["payments"] });
    },
  });
}

export function useCancel() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/subscriptions/me/cancel")),
    onSuccess: (subscription) => queries.setQueryData(["subscription"], subscription),
  });
}

/** Mail the address-confirmation link again (the answer is the same whatever the address). */
export function useResendConfirmation() {
  return useMutation({
    mutationFn: (email: string) =>
      unwrap(api.POST("/api/v1/accounts/email-verification", { body: { email } })),
  });
}
