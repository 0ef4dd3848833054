import { fireEvent, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatMoney } from "@/lib/format";
import { fakeApi, json, renderAt } from "@/test/render";
import { SubscribersPage } from "./SubscribersPage";
import { SubscriptionPage } from "./SubscriptionPage";

afterEach(() => vi.unstubAllGlobals());

const SUB_ID = "5b7f0d3a-0000-4000-8000-00000000000a";
const PLAN = {
  id: "7d0c1f0e-0000-4000-8000-000000000002",
  name: "premium",
  description: "",
  price_cents: 3990,
  currency: "BRL",
  billing_period: "monthly",
  trial_days: 0,
  max_video_height: null,
  is_active: true,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};
function subscription(overrides: object = {}) {
  return {
    id: SUB_ID,
    user_id: "u-1",
    email: "vera@example.com",
    plan_id: PLAN.id,
    status: "active",
    card: { brand: "visa", last4: "4242" },
    cancel_at_period_end: false,
    canceled_at: null,
    ended_at: null,
    grace_ends_at: null,
    current_period_start: "2026-12-01T00:00:00Z",
    current_period_end: "2027-01-01T00:00:00Z",
    created_at: "2026-12-01T00:00:00Z",
    updated_at: "2026-12-01T00:00:00Z",
    ...overrides,
  };
}
const PAYMENT = {
  id: "9a1e0000-0000-4000-8000-000000000001",
  subscription_id: SUB_ID,
  user_id: "u-1",
  kind: "initial",
  amount: 3990,
  currency: "BRL",
  status: "succeeded",
  refunded_amount: 0,
  failure_code: null,
  card_brand: "visa",
  card_last4: "4242",
  created_at: "2026-12-01T00:00:00Z",
};
const money = (cents: number) => formatMoney(cents, "BRL");

function platform({ refund }: { refund?: (body: { amount: number }) => Response } = {}) {
  let payment = { ...PAYMENT };
  return fakeApi((url, { method, body }) => {
    if (url.pathname === "/api/v1/admin/plans") return json({ items: [PLAN], next_cursor: null });
    if (url.pathname === `/api/v1/admin/subscriptions/${SUB_ID}`) return json(subscription());
    if (url.pathname === `/api/v1/admin/subscriptions/${SUB_ID}/payments`) {
      return json({ items: [payment], next_cursor: null });
    }
    if (url.pathname === `/api/v1/admin/subscriptions/${SUB_ID}/refund` && method === "POST") {
      const asked = body as { amount: number };
      const answer = refund?.(asked);
      if (answer) return answer;
      payment = { ...payment, refunded_amount: payment.refunded_amount + asked.amount };
      if (payment.refunded_amount === payment.amount) payment.status = "refunded";
      return json(payment);
    }
    return undefined;
  });
}

const openAt = () =>
  renderAt(<SubscriptionPage />, {
    route: "/admin/subscribers/:id",
    path: `/admin/subscribers/${SUB_ID}`,
  });

describe("a subscription's page", () => {
  it("refunds part of a payment after showing the amount, and the history shows it", async () => {
    const calls = platform();
    openAt();
    expect(await screen.findByRole("heading", { name: "vera@example.com" })).toBeInTheDocument();
    fireEvent.click(await screen.findByRole("button", { name: /^Refund the payment of/ }));
    const step = screen.getByRole("alertdialog");
    expect(step).toHaveFocus();
    expect(within(step).getByTestId("refund-summary")).toHaveTextContent(
      `${money(3990)} goes back to the visa card •••• 4242`,
    );
    expect(within(step).getByRole("button", { name: `Refund ${money(3990)}` })).toBeEnabled();

    // More than was paid cannot even be asked for.
    const amount = within(step).getByLabelText("Amount to refund");
    fireEvent.change(amount, { target: { value: "50" } });
    expect(within(step).getByText(`At most ${money(3990)} is left to refund`)).toBeInTheDocument();
    expect(within(step).getByRole("button", { name: /^Refund/ })).toBeDisabled();

    fireEvent.change(amount, { target: { value: "10" } });
    fireEvent.change(within(step).getByLabelText(/^Reason/), { target: { value: "outage" } });
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    fireEvent.click(within(step).getByRole("button", { name: `Refund ${money(1000)}` }));
    expect(await screen.findByText(`Refunded ${money(1000)}.`)).toHaveAttribute("role", "status");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      payment_id: PAYMENT.id,
      amount: 1000,
      reason: "outage",
    });
    const row = await screen.findByText(`succeeded, ${money(1000)} refunded`);
    expect(row.closest("tr")).toHaveTextContent(money(3990));
  });

  it("shows the API's refusal of a refund inside the step", async () => {
    platform({
      refund: () =>
        json(
          {
            title: "Conflict",
            status: 409,
            detail: "the provider refused the refund: charge already refunded",
          },
          409,
        ),
    });
    openAt();
    fireEvent.click(await screen.findByRole("button", { name: /^Refund the payment of/ }));
    const step = screen.getByRole("alertdialog");
    fireEvent.click(within(step).getByRole("button", { name: `Refund ${money(3990)}` }));
    expect(await within(step).findByRole("alert")).toHaveTextContent(
      "the provider refused the refund: charge already refunded",
    );
  });

  it("cancels at the end of the period once confirmed", async () => {
    const calls = fakeApi((url, { method }) => {
      if (url.pathname === "/api/v1/admin/plans") return json({ items: [PLAN], next_cursor: null });
      if (url.pathname.endsWith("/payments")) return json({ items: [], next_cursor: null });
      if (url.pathname.endsWith("/cancel") && method === "POST") {
        return json(subscription({ cancel_at_period_end: true }));
      }
      if (url.pathname === `/api/v1/admin/subscriptions/${SUB_ID}`) {
        const canceled = calls.some((c) => c.method === "POST");
        return json(subscription({ cancel_at_period_end: canceled }));
      }
      return undefined;
    });
    openAt();
    fireEvent.click(await screen.findByRole("button", { name: "Cancel subscription" }));
    const step = screen.getByRole("alertdialog", { name: "Cancel this subscription?" });
    fireEvent.click(within(step).getByLabelText(/At the end of the paid period/));
    fireEvent.click(within(step).getByRole("button", { name: /^Cancel on / }));
    expect(await screen.findByText(/^Canceled: it ends on/)).toHaveAttribute("role", "status");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ at_period_end: true });
    expect(await screen.findByTestId("admin-subscription-status")).toHaveTextContent(
      /active until/,
    );
  });

  it("says so when the subscription does not exist", async () => {
    fakeApi((url) => {
      if (url.pathname === "/api/v1/admin/plans") return json({ items: [PLAN], next_cursor: null });
      return json(
        { title: "Not Found", status: 404, detail: `there is no subscription ${SUB_ID}` },
        404,
      );
    });
    openAt();
    expect(await screen.findByRole("alert")).toHaveTextContent(
      `there is no subscription ${SUB_ID}`,
    );
  });
});

describe("the subscriber list", () => {
  it("filters by email, status and plan and walks the cursor pages", async () => {
    const calls = fakeApi((url) => {
      if (url.pathname === "/api/v1/admin/plans") return json({ items: [PLAN], next_cursor: null });
      if (url.pathname === "/api/v1/admin/subscriptions") {
        const second = url.searchParams.get("cursor") === "c2";
        return json({
          items: [subscription({ id: second ? "s-2" : "s-1", email: second ? "b@x" : "a@x" })],
          next_cursor: second ? null : "c2",
        });
      }
      return undefined;
    });
    renderAt(<SubscribersPage />, { route: "/admin/subscribers", path: "/admin/subscribers" });
    expect(await screen.findByRole("link", { name: "a@x" })).toHaveAttribute(
      "href",
      "/admin/subscribers/s-1",
    );
    fireEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByRole("link", { name: "b@x" })).toBeInTheDocument();
    expect(screen.getByText("Page 2")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
    fireEvent.click(screen.getByRole("button", { name: "Previous" }));
    expect(await screen.findByRole("link", { name: "a@x" })).toBeInTheDocument();

    fireEvent.click(screen.getByRole("button", { name: "Next" }));
    await screen.findByText("Page 2");
    fireEvent.change(screen.getByLabelText("Email contains"), { target: { value: "vera" } });
    fireEvent.click(screen.getByRole("button", { name: "Search" }));
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "past_due" } });
    fireEvent.change(await screen.findByLabelText("Plan"), { target: { value: PLAN.id } });
    // Other filters start again from the first page.
    expect(await screen.findByText("Page 1")).toBeInTheDocument();
    const last = calls.filter((c) => c.url.pathname === "/api/v1/admin/subscriptions").at(-1);
    expect(Object.fromEntries(last?.url.searchParams ?? [])).toEqual({
      email: "vera",
      status: "past_due",
      plan_id: PLAN.id,
      limit: "20",
    });
  });

  it("shows the problem when the API refuses the filters", async () => {
    fakeApi((url) => {
      if (url.pathname === "/api/v1/admin/plans") return json({ items: [], next_cursor: null });
      return json(
        {
          title: "Unprocessable Content",
          status: 422,
          detail: "email: String should have at most 200 characters",
        },
        422,
      );
    });
    renderAt(<SubscribersPage />, {
      route: "/admin/subscribers",
      path: `/admin/subscribers?email=${"a".repeat(300)}`,
    });
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "email: String should have at most 200 characters",
    );
  });
});
