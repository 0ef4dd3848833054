import { fireEvent, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderAt } from "@/test/render";
import { PlansAdminPage } from "./PlansAdminPage";

afterEach(() => vi.unstubAllGlobals());

const BASIC = {
  id: "7d0c1f0e-0000-4000-8000-000000000001",
  name: "basic",
  description: "HD",
  price_cents: 1990,
  currency: "BRL",
  billing_period: "monthly",
  trial_days: 0,
  max_video_height: 720,
  is_active: true,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("admin plans", () => {
  it("puts each problem detail of a refused plan next to its field", async () => {
    const calls = fakeApi((url, { method }) => {
      if (url.pathname === "/api/v1/admin/plans" && method === "GET") {
        return json({ items: [BASIC], next_cursor: null });
      }
      if (url.pathname === "/api/v1/admin/plans" && method === "POST") {
        return json(
          {
            type: "about:blank",
            title: "Unprocessable Content",
            status: 422,
            detail: "2 errors",
            errors: [
              {
                loc: ["body", "price_cents"],
                msg: "Input should be less than or equal to 100000000",
              },
              { loc: ["body", "currency"], msg: "String should match pattern '^[A-Z]{3}$'" },
            ],
          },
          422,
        );
      }
      return undefined;
    });
    renderAt(<PlansAdminPage />);
    await screen.findByRole("row", { name: /basic/ });
    fireEvent.click(screen.getByRole("button", { name: "New plan" }));
    const form = screen.getByRole("form", { name: "New plan" });
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "gold" } });
    fireEvent.change(within(form).getByLabelText("Price"), { target: { value: "abc" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create plan" }));
    // What cannot be read as money never leaves the browser.
    expect(await within(form).findByText("Enter an amount such as 19.90")).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

    fireEvent.change(within(form).getByLabelText("Price"), { target: { value: "9999999" } });
    fireEvent.change(within(form).getByLabelText("Currency"), { target: { value: "R$" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create plan" }));
    const price = within(form).getByLabelText("Price");
    expect(
      await within(form).findByText("Input should be less than or equal to 100000000"),
    ).toHaveAttribute("id", price.getAttribute("aria-describedby"));
    expect(price).toHaveAttribute("aria-invalid", "true");
    const currency = within(form).getByLabelText("Currency");
    expect(within(form).getByText("String should match pattern '^[A-Z]{3}$'")).toHaveAttribute(
      "id",
      currency.getAttribute("aria-describedby"),
    );
    expect(calls.find((c) => c.method === "POST")?.body).toMatchObject({
      name: "gold",
      price_cents: 999999900,
      currency: "R$",
    });
  });

  it("shows a refusal no field explains (a name taken) above the form", async () => {
    fakeApi((url, { method }) => {
      if (method === "GET") return json({ items: [BASIC], next_cursor: null });
      if (url.pathname === `/api/v1/admin/plans/${BASIC.id}` && method === "PATCH") {
        return json(
          { title: "Conflict", status: 409, detail: "a plan named 'premium' already exists" },
          409,
        );
      }
      return undefined;
    });
    renderAt(<PlansAdminPage />);
    fireEvent.click(await screen.findByRole("button", { name: "Edit basic" }));
    const form = screen.getByRole("form", { name: "Edit basic" });
    expect(within(form).getByLabelText("Price")).toHaveValue("19.90");
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "premium" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save changes" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent(
      "a plan named 'premium' already exists",
    );
  });

  it("retires a plan only once the admin confirms", async () => {
    let plan = BASIC;
    const calls = fakeApi((url, { method, body }) => {
      if (method === "GET") return json({ items: [plan], next_cursor: null });
      if (url.pathname === `/api/v1/admin/plans/${BASIC.id}` && method === "PATCH") {
        plan = { ...plan, ...(body as object) };
        return json(plan);
      }
      return undefined;
    });
    renderAt(<PlansAdminPage />);
    fireEvent.click(await screen.findByRole("button", { name: "Retire basic" }));
    const step = screen.getByRole("alertdialog", { name: "Retire basic?" });
    expect(step).toHaveFocus();
    expect(step).toHaveTextContent("Its subscribers keep it");
    fireEvent.click(within(step).getByRole("button", { name: "Go back" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(0);

    fireEvent.click(screen.getByRole("button", { name: "Retire basic" }));
    fireEvent.click(screen.getByRole("button", { name: "Yes, retire basic" }));
    expect(await screen.findByText("Retired basic.")).toHaveAttribute("role", "status");
    expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([
      { is_active: false },
    ]);
    const row = await screen.findByRole("row", { name: /basic/ });
    expect(await within(row).findByText("retired")).toBeInTheDocument();
    expect(within(row).queryByRole("button", { name: "Retire basic" })).not.toBeInTheDocument();
  });
});
