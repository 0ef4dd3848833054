import { fireEvent, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderAt } from "@/test/render";
import { CategoryPage } from "./CategoriesPage";

afterEach(() => vi.unstubAllGlobals());

const ID = "c-1";
const PATH = `/api/v1/admin/categories/${ID}`;
const base = {
  id: ID,
  name: "Animation",
  description: "Drawn and modelled",
  is_active: true,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

function tagged(body: object, etag: string): Response {
  const response = json(body);
  response.headers.set("ETag", etag);
  return response;
}

describe("editing a category", () => {
  it("on 412 shows what changed and reapplies the admin's change on the new version", async () => {
    let server = { ...base };
    let etag = '"1"';
    const calls = fakeApi((url, { method, headers, body }) => {
      if (url.pathname !== PATH) return undefined;
      if (method === "GET") return tagged(server, etag);
      if (method === "PATCH") {
        if (headers.get("If-Match") !== etag) {
          return json({ type: "about:blank", title: "Precondition Failed", status: 412 }, 412);
        }
        server = { ...server, ...(body as object) };
        etag = `"${Number(etag.slice(1, -1)) + 1}"`;
        return tagged(server, etag);
      }
      return undefined;
    });
    renderAt(<CategoryPage />, { route: "/admin/categories/:id", path: `/admin/categories/${ID}` });
    // The form may show before the category is read: wait for its values, not just its fields.
    expect(await screen.findByDisplayValue("Animation")).toBe(screen.getByLabelText("Name"));

    // Someone else deactivates it meanwhile.
    server = { ...server, is_active: false };
    etag = '"2"';
    fireEvent.change(screen.getByLabelText("Description"), { target: { value: "Cartoons" } });
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));

    const conflict = await screen.findByRole("alert", { name: /Someone else changed/ });
    const rows = within(conflict).getAllByRole("row");
    expect(rows.map((r) => r.textContent)).toEqual([
      "FieldWhen you opened itNowYour change",
      "DescriptionDrawn and modelledDrawn and modelledCartoons",
      "Active (shown to viewers)yesnounchanged",
    ]);
    fireEvent.click(within(conflict).getByRole("button", { name: "Reapply my changes" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Saved");
    expect(server).toMatchObject({ description: "Cartoons", is_active: false });
    const patches = calls.filter((c) => c.method === "PATCH");
    expect(patches.map((c) => [c.headers.get("If-Match"), c.body])).toEqual([
      ['"1"', { description: "Cartoons" }],
      ['"2"', { description: "Cartoons" }],
    ]);
    expect(screen.getByLabelText("Active (shown to viewers)")).not.toBeChecked();
  });

  it("shows each field's problem next to it, and a refused delete's detail", async () => {
    fakeApi((url, { method }) => {
      if (url.pathname !== PATH) return undefined;
      if (method === "GET") return tagged(base, '"1"');
      if (method === "PATCH") {
        return json(
          {
            type: "about:blank",
            title: "Unprocessable Content",
            status: 422,
            errors: [{ loc: ["body", "name"], msg: "String should have at least 1 character" }],
          },
          422,
        );
      }
      return json(
        {
          type: "about:blank",
          title: "Conflict",
          status: 409,
          detail: "category 'Animation' is still used by video 'Big Buck Bunny'",
        },
        409,
      );
    });
    renderAt(<CategoryPage />, { route: "/admin/categories/:id", path: `/admin/categories/${ID}` });
    fireEvent.change(await screen.findByLabelText("Name"), { target: { value: "" } });
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByText("String should have at least 1 character")).toBeVisible();
    expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");

    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    fireEvent.click(screen.getByRole("button", { name: "Delete for good" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "still used by video 'Big Buck Bunny'",
    );
  });
});
