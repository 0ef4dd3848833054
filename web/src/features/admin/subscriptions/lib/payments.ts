import type { PaymentLike } from "@/lib/payments";

/** How much of a payment can still be given back (only settled payments can be refunded). */
export function refundableCents(payment: PaymentLike): number {
  if (payment.status !== "succeeded") return 0;
  return Math.max(0, payment.amount - payment.refunded_amount);
}
