import { fireEvent, screen } from "@testing-library/react";
import type { UserManager } from "oidc-client-ts";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthProvider } from "@/lib/auth";
import { fakeApi, json, renderAt } from "@/test/render";
import { CheckoutPage, parseExpiry } from "./CheckoutPage";

afterEach(() => vi.unstubAllGlobals());

const PLAN = {
  id: "p-premium",
  name: "premium",
  description: "Everything in Full HD and above.",
  price_cents: 3990,
  currency: "BRL",
  billing_period: "monthly",
  trial_days: 0,
  max_video_height: null,
  is_active: true,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};
const NO_SUBSCRIPTION = json({ type: "about:blank", title: "Not Found", status: 404 }, 404);

function fill(number: string) {
  fireEvent.change(screen.getByLabelText("Card number"), { target: { value: number } });
  fireEvent.change(screen.getByLabelText("Expiry (MM/YY)"), { target: { value: "12/34" } });
  fireEvent.change(screen.getByLabelText("CVC"), { target: { value: "123" } });
  fireEvent.click(screen.getByRole("button", { name: /^Pay/ }));
}

describe("checkout", () => {
  it("reads expiry dates", () => {
    expect(parseExpiry("12/34")).toEqual({ exp_month: 12, exp_year: 2034 });
    expect(parseExpiry("1/2031")).toEqual({ exp_month: 1, exp_year: 2031 });
  });

  it("shows the reason of a declined card from the 402 problem", async () => {
    const calls = fakeApi((url, { method }) => {
      if (url.pathname === "/api/v1/plans") return json({ items: [PLAN], next_cursor: null });
      if (url.pathname === "/api/v1/subscriptions/me") return NO_SUBSCRIPTION.clone();
      if (url.pathname === "/api/v1/subscriptions" && method === "POST") {
        return json(
          {
            type: "about:blank",
            title: "Payment Required",
            status: 402,
            detail: "the card was declined (card_declined)",
          },
          402,
        );
      }
      return undefined;
    });
    renderAt(<CheckoutPage />, { route: "/checkout/:planId", path: "/checkout/p-premium" });
    await screen.findByRole("heading", { name: "Subscribe to premium" });
    fill("4000 0000 0000 0002");
    expect(await screen.findByTestId("payment-declined")).toHaveTextContent(
      "Payment declined. The card was declined (card_declined)",
    );
    const post = calls.find((c) => c.method === "POST");
    expect(post?.body).toEqual({
      plan_id: "p-premium",
      payment_method: {
        type: "card",
        number: "4000000000000002",
        cvc: "123",
        exp_month: 12,
        exp_year: 2034,
      },
    });
    expect(post?.headers.get("Idempotency-Key")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("puts field errors next to their fields", async () => {
    fakeApi((url, { method }) => {
      if (url.pathname === "/api/v1/plans") return json({ items: [PLAN], next_cursor: null });
      if (url.pathname === "/api/v1/subscriptions/me") return NO_SUBSCRIPTION.clone();
      if (method === "POST") {
        return json(
          {
            type: "about:blank",
            title: "Unprocessable Content",
            status: 422,
            detail: "payment_method.number: String should have at least 12 characters",
            errors: [
              {
                loc: ["body", "payment_method", "number"],
                msg: "String should have at least 12 characters",
              },
            ],
          },
          422,
        );
      }
      return undefined;
    });
    renderAt(<CheckoutPage />, { route: "/checkout/:planId", path: "/checkout/p-premium" });
    await screen.findByRole("heading", { name: "Subscribe to premium" });
    fill("4242");
    const number = screen.getByLabelText("Card number");
    expect(await screen.findByText("String should have at least 12 characters")).toHaveAttribute(
      "id",
      "card-number-error",
    );
    expect(number).toHaveAttribute("aria-invalid", "true");
    expect(number).toHaveAttribute("aria-describedby", "card-number-error");
  });

  it("follows a pending payment until the subscription is active", async () => {
    let polls = 0;
    fakeApi((url, { method }) => {
      if (url.pathname === "/api/v1/plans") return json({ items: [PLAN], next_cursor: null });
      const sub = (status: string) => ({
        id: "s1",
        user_id: "u",
        plan_id: "p-premium",
        status,
        card: { brand: "visa", last4: "3220" },
        cancel_at_period_end: false,
        canceled_at: null,
        ended_at: null,
        grace_ends_at: null,
        current_period_start: "2026-12-01T00:00:00Z",
        current_period_end: "2027-01-01T00:00:00Z",
        created_at: "2026-12-01T00:00:00Z",
        updated_at: "2026-12-01T00:00:00Z",
      });
      if (url.pathname === "/api/v1/subscriptions" && method === "POST")
        return json(sub("pending"), 201);
      if (url.pathname === "/api/v1/subscriptions/me") {
        polls += 1;
        return polls === 1 ? NO_SUBSCRIPTION.clone() : json(sub("active"));
      }
      return undefined;
    });
    renderAt(<CheckoutPage />, { route: "/checkout/:planId", path: "/checkout/p-premium" });
    await screen.findByRole("heading", { name: "Subscribe to premium" });
    fill("4000 0000 0000 3220");
    expect(await screen.findByTestId("subscription-status")).toHaveTextContent("pending");
    expect(await screen.findByText("active", {}, { timeout: 4000 })).toBeInTheDocument();
  });

  it("asks an unconfirmed viewer to confirm the address, then pays with fresh tokens", async () => {
    let confirmed = false;
    const calls = fakeApi((url, { method }) => {
      if (url.pathname === "/api/v1/plans") return json({ items: [PLAN], next_cursor: null });
      if (url.pathname === "/api/v1/subscriptions/me") return NO_SUBSCRIPTION.clone();
      if (url.pathname === "/api/v1/accounts/email-verification") {
        return json({ message: "sent" }, 202);
      }
      if (url.pathname === "/api/v1/subscriptions" && method === "POST") {
        if (!confirmed) {
          return json(
            {
              type: "https://codeflix.dev/problems/email-not-verified",
              title: "Forbidden",
              status: 403,
              detail: "confirm your email address before you subscribe",
            },
            403,
          );
        }
        return json({ id: "s1", status: "active", plan_id: "p-premium" }, 201);
      }
      return undefined;
    });
    const signinSilent = vi.fn(async () => {
      confirmed = true; // the new tokens carry email_verified: true
      return null;
    });
    const manager = {
      events: {
        addUserLoaded: vi.fn(),
        addUserUnloaded: vi.fn(),
        addSilentRenewError: vi.fn(),
        removeUserLoaded: vi.fn(),
        removeUserUnloaded: vi.fn(),
        removeSilentRenewError: vi.fn(),
      },
      getUser: vi.fn(async () => ({ expired: false, profile: { email: "ana@example.com" } })),
      signinSilent,
    } as unknown as UserManager;
    renderAt(
      <AuthProvider manager={manager}>
        <CheckoutPage />
      </AuthProvider>,
      { route: "/checkout/:planId", path: "/checkout/p-premium" },
    );
    await screen.findByRole("heading", { name: "Subscribe to premium" });
    fill("4242 4242 4242 4242");
    expect(await screen.findByTestId("confirm-address")).toHaveTextContent(
      "Confirm your email address first. We sent a link to ana@example.com",
    );
    fireEvent.click(screen.getByRole("button", { name: "Send the link again" }));
    expect(await screen.findByText(/Sent: check your inbox/)).toBeInTheDocument();
    const resend = calls.find((c) => c.url.pathname === "/api/v1/accounts/email-verification");
    expect(resend?.body).toEqual({ email: "ana@example.com" });
    fireEvent.click(screen.getByRole("button", { name: "I have confirmed it" }));
    expect(await screen.findByTestId("subscription-status")).toHaveTextContent("active");
    expect(signinSilent).toHaveBeenCalledTimes(1);
    expect(
      calls.filter((c) => c.method === "POST" && c.url.pathname === "/api/v1/subscriptions"),
    ).toHaveLength(2);
  });
});
