import { describe, expect, it } from "vitest";
import { paymentStatusLabel } from "@/lib/payments";
import { filtersFrom, paramsFrom } from "./filters";
import { centsToInput, parseCents } from "./money";
import { refundableCents } from "./payments";
import { EMPTY_PLAN, formField, planBody, planChanges } from "./planForm";

const PLAN = {
  id: "7d0c1f0e-0000-4000-8000-000000000001",
  name: "basic",
  description: "HD",
  price_cents: 1990,
  currency: "BRL",
  billing_period: "monthly" as const,
  trial_days: 0,
  max_video_height: 720,
  is_active: false,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("money", () => {
  it("reads amounts as admins type them", () => {
    expect(parseCents("19.90")).toBe(1990);
    expect(parseCents(" 19,9 ")).toBe(1990);
    expect(parseCents("20")).toBe(2000);
    expect(parseCents("0.05")).toBe(5);
  });

  it("refuses what is not an amount", () => {
    for (const typed of ["", "abc", "-1", "1.999", "1e3", "19.90.1", "1 000"]) {
      expect(parseCents(typed), typed).toBeNull();
    }
  });

  it("writes cents back as the form shows them", () => {
    expect(centsToInput(1990)).toBe("19.90");
    expect(centsToInput(5)).toBe("0.05");
    expect(parseCents(centsToInput(123456))).toBe(123456);
  });
});

describe("plan form", () => {
  it("turns the form into the API's body", () => {
    const result = planBody({
      ...EMPTY_PLAN,
      name: " gold ",
      price: "49,90",
      currency: "usd",
      trial_days: "7",
      max_video_height: "",
    });
    expect(result).toEqual({
      body: {
        name: "gold",
        description: "",
        price_cents: 4990,
        currency: "USD",
        billing_period: "monthly",
        trial_days: 7,
        max_video_height: null,
        is_active: true,
      },
    });
  });

  it("keeps back a form whose numbers cannot be read, saying which", () => {
    expect(planBody({ ...EMPTY_PLAN, price: "free", trial_days: "a week" })).toEqual({
      errors: {
        price: "Enter an amount such as 19.90",
        trial_days: "Enter a whole number of days",
      },
    });
    expect(planBody({ ...EMPTY_PLAN, price: "1", max_video_height: "HD" })).toMatchObject({
      errors: { max_video_height: expect.stringContaining("720") },
    });
  });

  it("sends only what changed, and never retires or revives a plan by editing it", () => {
    const result = planBody({
      ...EMPTY_PLAN,
      name: "basic",
      description: "HD",
      price: "24.90",
      max_video_height: "720",
    });
    if (!("body" in result)) throw new Error("the form should be valid");
    expect(planChanges(PLAN, result.body)).toEqual({ price_cents: 2490 });
  });

  it("places the API's errors on the form's fields", () => {
    expect(formField("price_cents")).toBe("price");
    expect(formField("trial_days")).toBe("trial_days");
    expect(formField("body")).toBeNull();
  });
});

describe("subscriber filters", () => {
  it("reads the address, ignoring what is not a filter", () => {
    const params = new URLSearchParams("status=past_due&email=%20ana%20&plan_id=&x=1");
    expect(filtersFrom(params)).toEqual({ status: "past_due", email: "ana" });
    expect(filtersFrom(new URLSearchParams("status=everything"))).toEqual({});
  });

  it("writes back only the filters that are set", () => {
    expect(paramsFrom({ email: "ana", plan_id: "p1" }).toString()).toBe("plan_id=p1&email=ana");
    expect(paramsFrom({ email: "  " }).toString()).toBe("");
  });
});

describe("payments", () => {
  const paid = { amount: 3990, refunded_amount: 0, currency: "BRL", status: "succeeded" };

  it("refunds what is left of a settled payment only", () => {
    expect(refundableCents(paid)).toBe(3990);
    expect(refundableCents({ ...paid, refunded_amount: 1000 })).toBe(2990);
    expect(refundableCents({ ...paid, status: "refunded", refunded_amount: 3990 })).toBe(0);
    expect(refundableCents({ ...paid, status: "pending" })).toBe(0);
    expect(refundableCents({ ...paid, status: "failed" })).toBe(0);
  });

  it("says what became of a payment", () => {
    expect(paymentStatusLabel(paid)).toBe("succeeded");
    expect(paymentStatusLabel({ ...paid, status: "failed", failure_code: "card_declined" })).toBe(
      "failed (card_declined)",
    );
    expect(paymentStatusLabel({ ...paid, refunded_amount: 1000 })).toMatch(
      /^succeeded, R\$\s?10\.00 refunded$/,
    );
    expect(paymentStatusLabel({ ...paid, status: "refunded", refunded_amount: 3990 })).toMatch(
      /^refunded \(R\$\s?39\.90\)$/,
    );
  });
});
