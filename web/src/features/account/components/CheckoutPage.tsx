import { type FormEvent, useState } from "react";
import { Link, useParams } from "react-router";
import { ErrorNotice, Spinner } from "@/components/Feedback";
import { useAuth } from "@/lib/auth";
import { formatDate, formatMoney } from "@/lib/format";
import { isProblem, ProblemError } from "@/lib/problems";
import { usePlans, useResendConfirmation, useSubscribe, useSubscription } from "../api/queries";
import { planQuality } from "./PlansPage";

const TEST_CARDS = [
  ["4242 4242 4242 4242", "succeeds"],
  ["4000 0000 0000 0002", "is declined"],
  ["4000 0000 0000 3220", "confirms a few seconds later"],
] as const;

interface CardForm {
  number: string;
  expiry: string;
  cvc: string;
}

/** "MM/YY" or "MM/YYYY" into numbers; NaN where it cannot be read (the API then says why). */
export function parseExpiry(expiry: string): { exp_month: number; exp_year: number } {
  const [m = "", y = ""] = expiry.split("/").map((s) => s.trim());
  const year = y.length === 2 ? 2000 + Number(y) : Number(y);
  return { exp_month: Number(m), exp_year: year };
}

export function CheckoutPage() {
  const { planId = "" } = useParams();
  const plans = usePlans();
  const subscription = useSubscription();
  const subscribe = useSubscribe();
  const [form, setForm] = useState<CardForm>({ number: "", expiry: "", cvc: "" });
  // One key per set of card details: a retried click never charges twice, new details
  // are a new attempt.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const plan = plans.data?.items.find((p) => p.id === planId);
  const error = subscribe.error;
  const fields = error instanceof ProblemError ? error.fieldErrors() : {};

  if (plans.isPending || subscription.isPending) return <Spinner />;
  if (plans.isError) return <ErrorNotice error={plans.error} />;
  if (!plan) return <ErrorNotice error={new Error("This plan does not exist.")} />;

  const current = subscription.data ?? subscribe.data;
  if (current && current.status !== "canceled" && current.status !== "expired") {
    return <SubscriptionStatus status={current.status} periodEnd={current.current_period_end} />;
  }

  const pay = () => {
    subscribe.mutate({
      planId,
      key,
      card: {
        type: "card",
        number: form.number.replace(/[\s-]/g, ""),
        cvc: form.cvc.trim(),
        ...parseExpiry(form.expiry),
      },
    });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    pay();
  };
  const update = (field: keyof CardForm) => (e: React.ChangeEvent<HTMLInputElement>) => {
    setForm({ ...form, [field]: e.target.value });
    setKey(crypto.randomUUID());
  };
  const expiryError = fields.exp_month || fields.exp_year;

  return (
    <div className="checkout">
      <h1>Subscribe to {plan.name}</h1>
      <p className="checkout__summary">
        {formatMoney(plan.price_cents, plan.currency)} / {plan.billing_period} · {planQuality(plan)}
        {" · "}
        <Link to="/plans">Change plan</Link>
      </p>
      <form onSubmit={submit} noValidate className="form">
        {error && isProblem(error, 402) && (
          <p className="notice notice--error" role="alert" data-testid="payment-declined">
            <strong>Payment declined.</strong> {sentence(error.message)}
          </p>
        )}
        {error && isUnconfirmedAddress(error) && <ConfirmAddressFirst onConfirmed={pay} />}
        {error &&
          !isProblem(error, 402) &&
          !isUnconfirmedAddress(error) &&
          !Object.keys(fields).length && <ErrorNotice error={error} />}
        <label htmlFor="card-number">Card number</label>
        <input
          id="card-number"
          inputMode="numeric"
          autoComplete="cc-number"
          placeholder="4242 4242 4242 4242"
          value={form.number}
          onChange={update("number")}
          aria-invalid={Boolean(fields.number)}
          aria-describedby={fields.number ? "card-number-error" : undefined}
          required
        />
        {fields.number && (
          <p className="field-error" id="card-number-error">
            {fields.number}
          </p>
        )}
        <div className="form__pair">
          <div>
            <label htmlFor="card-expiry">Expiry (MM/YY)</label>
            <input
              id="card-expiry"
              autoComplete="cc-exp"
              placeholder="12/30"
              value={form.expiry}
              onChange={update("expiry")}
              aria-invalid={Boolean(expiryError)}
              aria-describedby={expiryError ? "card-expiry-error" : undefined}
              required
            />
            {expiryError && (
              <p className="field-error" id="card-expiry-error">
                {expiryError}
              </p>
            )}
          </div>
          <div>
            <label htmlFor="card-cvc">CVC</label>
            <input
              id="card-cvc"
              inputMode="numeric"
              autoComplete="cc-csc"
              placeholder="123"
              value={form.cvc}
              onChange={update("cvc")}
              aria-invalid={Boolean(fields.cvc)}
              aria-describedby={fields.cvc ? "card-cvc-error" : undefined}
              required
            />
            {fields.cvc && (
              <p className="field-error" id="card-cvc-error">
                {fields.cvc}
              </p>
            )}
          </div>
        </div>
        <button type="submit" className="button" disabled={subscribe.isPending}>
          {subscribe.isPending ? "Paying…" : `Pay ${formatMoney(plan.price_cents, plan.currency)}`}
        </button>
      </form>
      <details className="checkout__cards">
        <summary>Test cards</summary>
        <ul>
          {TEST_CARDS.map(([number, what]) => (
            <li key={number}>
              <code>{number}</code> {what}
            </li>
          ))}
        </ul>
        <p>Any future expiry date and any CVC.</p>
      </details>
    </div>
  );
}

function SubscriptionStatus({ status, periodEnd }: { status: string; periodEnd: string }) {
  if (status === "pending") {
    return (
      <div className="checkout" role="status" aria-live="polite">
        <h1>Confirming your payment…</h1>
        <p>
          Status: <strong data-testid="subscription-status">pending</strong>
        </p>
        <Spinner label="Waiting for the payment to confirm" />
      </div>
    );
  }
  return (
    <div className="checkout" role="status" aria-live="polite">
      <h1>You're subscribed</h1>
      <p>
        Status: <strong data-testid="subscription-status">{status}</strong> · renews{" "}
        {formatDate(periodEnd)}
      </p>
      <Link className="button" to="/">
        Start watching
      </Link>
    </div>
  );
}

function isUnconfirmedAddress(error: unknown): boolean {
  return isProblem(error, 403) && String(error.problem.type ?? "").endsWith("/email-not-verified");
}

/** Subscribing needs a confirmed address: say so, offer the link again, and once the viewer
 * has opened it, take fresh tokens (they carry the confirmation) and pay. */
function ConfirmAddressFirst({ onConfirmed }: { onConfirmed: () => void }) {
  const { user, refresh } = useAuth();
  const resend = useResendConfirmation();
  const [checking, setChecking] = useState(false);
  const email = user?.profile.email ?? "";
  const confirmed = async () => {
    setChecking(true);
    try {
      await refresh();
      onConfirmed();
    } finally {
      setChecking(false);
    }
  };
  return (
    <div className="notice notice--error" role="alert" data-testid="confirm-address">
      <p>
        <strong>Confirm your email address first.</strong> We sent a link to {email || "you"} when
        you signed up; open it, then come back here.
      </p>
      <p className="notice__actions">
        <button type="button" onClick={confirmed} disabled={checking}>
          I have confirmed it
        </button>{" "}
        <button
          type="button"
          className="button--secondary"
          onClick={() => resend.mutate(email)}
          disabled={resend.isPending || !email}
        >
          Send the link again
        </button>
        {resend.isSuccess && <span role="status"> Sent: check your inbox.</span>}
      </p>
    </div>
  );
}

function sentence(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}
