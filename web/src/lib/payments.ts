import { formatMoney } from "./format";

/** The fields of a payment (viewer's or admin's view) that say what became of it. */
export interface PaymentLike {
  amount: number;
  refunded_amount: number;
  currency: string;
  status: string;
  failure_code?: string | null;
}

/** "succeeded", "failed (card_declined)", "refunded (R$ 19.90)", "succeeded, R$ 5.00 refunded". */
export function paymentStatusLabel(payment: PaymentLike): string {
  if (payment.failure_code) return `${payment.status} (${payment.failure_code})`;
  const refunded = formatMoney(payment.refunded_amount, payment.currency);
  if (payment.status === "refunded") return `refunded (${refunded})`;
  if (payment.refunded_amount > 0) return `${payment.status}, ${refunded} refunded`;
  return payment.status;
}
