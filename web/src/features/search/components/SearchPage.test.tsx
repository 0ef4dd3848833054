import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderAt } from "@/test/render";
import { normaliseSearch } from "../api/search";
import searchFixture from "../fixtures/search.json";
import suggestFixture from "../fixtures/suggest.json";
import { SearchPage } from "./SearchPage";

afterEach(() => vi.unstubAllGlobals());

function searchApi() {
  return fakeApi((url) => {
    if (url.pathname === "/api/v1/search") return json(searchFixture);
    if (url.pathname === "/api/v1/search/suggest") return json(suggestFixture);
    return undefined;
  });
}

describe("search", () => {
  it("reads the service's answer: hits, highlights as a map or a list, facets", () => {
    const result = normaliseSearch(searchFixture);
    expect(result.found).toBe(2);
    expect(result.hits[0]?.highlights.title).toBe("Big Buck <mark>Bun</mark>ny");
    expect(result.hits[1]?.highlights.title).toMatch(/^<mark>Bun<\/mark>ny/);
    expect(result.facets.genres).toEqual([
      { value: "0b3f1c52-7a0e-4a1e-9d0e-1c2b3a4d5e6f", label: "Comedy", count: 1 },
    ]);
  });

  it("searches as you type and shows highlights, facets and suggestions", async () => {
    const calls = searchApi();
    renderAt(<SearchPage />, { route: "/search", path: "/search" });
    fireEvent.change(screen.getByRole("combobox", { name: "Search titles" }), {
      target: { value: "bun" },
    });

    const results = await screen.findByRole("region", { name: "Results" });
    await within(results).findByText("2 titles");
    const marks = within(results).getAllByText("Bun");
    expect(marks[0]?.tagName).toBe("MARK");
    expect(within(results).getByText("bull").tagName).toBe("MARK");
    // Markup other than <mark> is shown as text, never run.
    expect(document.querySelector("script")).toBeNull();
    expect(results).toHaveTextContent("Bunny <script>alert(1)</script> Tales");

    const filters = screen.getByRole("complementary", { name: "Filters" });
    expect(within(filters).getByRole("group", { name: "Genre" })).toHaveTextContent("Comedy (1)");

    const suggestions = await screen.findByRole("listbox", { name: "Suggestions" });
    expect(within(suggestions).getAllByRole("option")).toHaveLength(2);

    const search = calls.find((c) => c.url.pathname === "/api/v1/search");
    expect(search?.url.searchParams.get("q")).toBe("bun");
  });

  it("filters by a facet value through the query string", async () => {
    const calls = searchApi();
    renderAt(<SearchPage />, { route: "/search", path: "/search?q=bunny" });
    const comedy = await screen.findByRole("checkbox", { name: /Comedy/ });
    await act(async () => fireEvent.click(comedy));
    await waitFor(() => {
      const last = calls.filter((c) => c.url.pathname === "/api/v1/search").at(-1);
      expect(last?.url.searchParams.get("genre")).toBe("0b3f1c52-7a0e-4a1e-9d0e-1c2b3a4d5e6f");
    });
  });

  it("shows the service's problem when search fails", async () => {
    fakeApi(() =>
      json(
        {
          type: "about:blank",
          title: "Service Unavailable",
          status: 503,
          detail: "search is unavailable, try again shortly",
        },
        503,
      ),
    );
    renderAt(<SearchPage />, { route: "/search", path: "/search?q=bunny" });
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "search is unavailable, try again shortly",
    );
  });

  it("says so when nothing matches", async () => {
    fakeApi((url) =>
      url.pathname === "/api/v1/search"
        ? json({ items: [], found: 0, facets: {}, next_cursor: null })
        : json({ items: [] }),
    );
    renderAt(<SearchPage />, { route: "/search", path: "/search?q=zzzz" });
    expect(
      await screen.findByRole("heading", { name: "Nothing found for “zzzz”" }),
    ).toBeInTheDocument();
  });
});
