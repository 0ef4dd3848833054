import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { vi } from "vitest";

/** Render `element` at `path` (matching `route`) with a fresh query cache. */
export function renderAt(element: ReactElement, { route = "/", path = "/" } = {}) {
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter(
    [
      { path: route, element },
      { path: "*", element: <p>elsewhere</p> },
    ],
    {
      initialEntries: [path],
    },
  );
  return {
    router,
    ...render(
      <QueryClientProvider client={queries}>
        <RouterProvider router={router} />
      </QueryClientProvider>,
    ),
  };
}

type Handler = (
  url: URL,
  init: { method: string; body: unknown; headers: Headers },
) => Response | undefined;

/** A stand-in for the platform's HTTP API: each call goes to `handler` (JSON in, Response out). */
export function fakeApi(handler: Handler) {
  const calls: { method: string; url: URL; body: unknown; headers: Headers }[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request =
      input instanceof Request
        ? input
        : new Request(new URL(String(input), "http://codeflix.test"), init);
    const url = new URL(request.url, "http://codeflix.test");
    const text = await request.text();
    const body = text ? JSON.parse(text) : undefined;
    const call = { method: request.method, url, body, headers: request.headers };
    calls.push(call);
    return (
      handler(url, call) ?? json({ type: "about:blank", title: "Not Found", status: 404 }, 404)
    );
  });
  vi.stubGlobal("fetch", fetchMock);
  return calls;
}

export function json(body: unknown, status = 200): Response {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}
