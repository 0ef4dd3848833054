import { useState } from "react";
import { ErrorNotice } from "@/components/Feedback";
import { formatDate, formatMoney } from "@/lib/format";
import { ProblemError } from "@/lib/problems";
import { type Payment, useRefund } from "../api/queries";
import { centsToInput, parseCents } from "../lib/money";
import { refundableCents } from "../lib/payments";
import { ConfirmStep } from "./ConfirmStep";
import { Field, fieldProps } from "./Field";

/** Give back all or part of a payment: the step shows the amount before anything happens. */
export function RefundStep({
  subscriptionId,
  payment,
  onCancel,
  onDone,
}: {
  subscriptionId: string;
  payment: Payment;
  onCancel: () => void;
  onDone: (amount: number) => void;
}) {
  const left = refundableCents(payment);
  const [typed, setTyped] = useState(centsToInput(left));
  const [reason, setReason] = useState("");
  const refund = useRefund(subscriptionId);
  const amount = parseCents(typed);
  const fields = refund.error instanceof ProblemError ? refund.error.fieldErrors() : {};
  // What the admin typed is checked here; what the API says (422, 409) shows as it answers.
  const typedError =
    amount === null || amount === 0
      ? "Enter an amount such as 9.90"
      : amount > left
        ? `At most ${formatMoney(left, payment.currency)} is left to refund`
        : undefined;
  const amountError = typedError ?? fields.amount;
  const money = amount ? formatMoney(amount, payment.currency) : "";
  const refused = refund.isError && !fields.amount && !fields.reason;

  return (
    <ConfirmStep
      title={`Refund the payment of ${formatDate(payment.created_at)}?`}
      confirmLabel={refund.isPending ? "Refunding…" : `Refund ${money}`}
      onConfirm={() => {
        if (amount === null || typedError) return;
        refund.mutate(
          { paymentId: payment.id, amount, reason: reason.trim() },
          { onSuccess: () => onDone(amount) },
        );
      }}
      onCancel={onCancel}
      pending={refund.isPending}
      canConfirm={!typedError}
      error={refused && <ErrorNotice error={refund.error} />}
      testId="refund-step"
    >
      <p data-testid="refund-summary">
        {money ? `${money} goes back` : "Nothing goes back"} to the {payment.card_brand} card ••••{" "}
        {payment.card_last4}, of {formatMoney(payment.amount, payment.currency)} paid
        {payment.refunded_amount > 0 &&
          ` (${formatMoney(payment.refunded_amount, payment.currency)} refunded before)`}
        .
      </p>
      <div className="refund-fields">
        <Field id="refund-amount" label="Amount to refund" error={amountError}>
          <input
            {...fieldProps("refund-amount", amountError)}
            inputMode="decimal"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </Field>
        <Field id="refund-reason" label="Reason (kept with the refund)" error={fields.reason}>
          <input
            {...fieldProps("refund-reason", fields.reason)}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={500}
          />
        </Field>
      </div>
    </ConfirmStep>
  );
}
