import { screen, within } from "@testing-library/react";
import type { UserManager } from "oidc-client-ts";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthProvider } from "@/lib/auth";
import { fakeApi, json, renderAt } from "@/test/render";
import { ago, busyPercent, isStale, mediaStatusRows, subscriberStatusRows } from "../lib/stats";
import { DashboardPage } from "./DashboardPage";

afterEach(() => vi.unstubAllGlobals());

/** An access token (unsigned: the browser only reads it) carrying `roles`. */
function tokenWith(roles: string[]): string {
  const claims = btoa(JSON.stringify({ realm_access: { roles } })).replace(/=+$/, "");
  return `e30.${claims}.signature`;
}

function signedInAs(roles: string[]): UserManager {
  return {
    events: {
      addUserLoaded: vi.fn(),
      addUserUnloaded: vi.fn(),
      addSilentRenewError: vi.fn(),
      removeUserLoaded: vi.fn(),
      removeUserUnloaded: vi.fn(),
      removeSilentRenewError: vi.fn(),
    },
    getUser: vi.fn(async () => ({ expired: false, access_token: tokenWith(roles), profile: {} })),
  } as unknown as UserManager;
}

const CATALOG_STATS = {
  videos_by_media_status: { ready: 12, processing: 1, failed: 2 },
  encodes: { running: 1, waiting: 3 },
  failed_last_24h: [
    {
      video_id: "v1",
      title: "Sintel",
      kind: "video",
      error: "not_media: the file has no video stream",
      failed_at: new Date(Date.now() - 3 * 3600_000).toISOString(),
    },
  ],
  encoder: { nodes: 2, cpus_total: 8, cpus_busy: 6, reported_at: new Date().toISOString() },
};
const SUBSCRIPTION_STATS = {
  active_by_plan: [
    { plan_id: "p1", name: "basic", active: 3 },
    { plan_id: "p2", name: "premium", active: 5 },
  ],
  subscribers: { active: 8, canceled: 2, past_due: 1 },
};

function platform(catalog: object = CATALOG_STATS) {
  return fakeApi((url) => {
    if (url.pathname === "/api/v1/admin/catalog/stats") return json(catalog);
    if (url.pathname === "/api/v1/admin/subscriptions/stats") return json(SUBSCRIPTION_STATS);
    return undefined;
  });
}

function openAs(roles: string[]) {
  renderAt(
    <AuthProvider manager={signedInAs(roles)}>
      <DashboardPage />
    </AuthProvider>,
  );
}

describe("dashboard", () => {
  it("shows an admin every card", async () => {
    platform();
    openAs(["admin", "user"]);
    const titles = await screen.findByTestId("card-titles-by-media-status");
    expect(await within(titles).findByText("12")).toBeInTheDocument();
    expect(within(titles).getByText("pending").nextSibling).toHaveTextContent("0");
    const encodes = screen.getByTestId("card-encodes");
    expect(within(encodes).getByText("waiting").nextSibling).toHaveTextContent("3");
    const failed = screen.getByTestId("card-failed-encodes-in-the-last-24-h");
    expect(within(failed).getByRole("link", { name: "Sintel" })).toHaveAttribute(
      "href",
      "/admin/videos/v1",
    );
    expect(failed).toHaveTextContent("not_media: the file has no video stream");
    expect(failed).toHaveTextContent("3 h ago");
    const ray = screen.getByTestId("card-ray-workers");
    expect(within(ray).getByText("nodes").nextSibling).toHaveTextContent("2");
    expect(within(ray).getByLabelText("CPUs busy")).toHaveAttribute("value", "75");
    const plans = await screen.findByTestId("card-active-subscribers-by-plan");
    expect(await within(plans).findByText("premium")).toBeInTheDocument();
    expect(within(plans).getByText("all plans").nextSibling).toHaveTextContent("8");
  });

  it("shows a subscription admin only the subscription cards, asking only for them", async () => {
    const calls = platform();
    openAs(["subscription-admin", "user"]);
    const byStatus = await screen.findByTestId("card-subscribers-by-status");
    expect(await within(byStatus).findByText("past due")).toBeInTheDocument();
    expect(screen.queryByTestId("card-ray-workers")).not.toBeInTheDocument();
    expect(screen.queryByTestId("card-titles-by-media-status")).not.toBeInTheDocument();
    expect(calls.map((c) => c.url.pathname)).not.toContain("/api/v1/admin/catalog/stats");
  });

  it("says when the encoder's Ray has no nodes up", async () => {
    platform({
      ...CATALOG_STATS,
      encoder: { nodes: 0, cpus_total: 0, cpus_busy: 0, reported_at: new Date().toISOString() },
    });
    openAs(["catalog-admin"]);
    const ray = await screen.findByTestId("card-ray-workers");
    expect(await within(ray).findByText(/No Ray nodes are up/)).toBeInTheDocument();
    expect(within(ray).queryByLabelText("CPUs busy")).not.toBeInTheDocument();
    expect(ray).toHaveTextContent("Reported just now");
  });

  it("says when nothing failed and when the encoder has not reported", async () => {
    const calls = platform({ ...CATALOG_STATS, failed_last_24h: [], encoder: null });
    openAs(["catalog-admin"]);
    expect(await screen.findByText("No failed encodes in the last 24 h.")).toBeInTheDocument();
    expect(screen.getByText("The encoder has not reported yet.")).toBeInTheDocument();
    expect(screen.queryByTestId("card-active-subscribers-by-plan")).not.toBeInTheDocument();
    expect(calls.map((c) => c.url.pathname)).not.toContain("/api/v1/admin/subscriptions/stats");
  });
});

describe("dashboard numbers", () => {
  it("lists media statuses in the order titles go through them", () => {
    expect(mediaStatusRows({ failed: 1, ready: 2, archived: 4 })).toEqual([
      ["pending", 0],
      ["processing", 0],
      ["playable", 0],
      ["ready", 2],
      ["failed", 1],
      ["archived", 4],
    ]);
    expect(subscriberStatusRows({ expired: 1, active: 2 })).toEqual([
      ["active", 2],
      ["expired", 1],
    ]);
  });

  it("reads the encoder's report", () => {
    expect(busyPercent(3, 8)).toBe(38);
    expect(busyPercent(9, 8)).toBe(100);
    expect(busyPercent(0, 0)).toBe(0);
    const now = new Date("2026-12-01T12:00:00Z");
    expect(ago("2026-12-01T11:59:30Z", now)).toBe("just now");
    expect(ago("2026-12-01T11:55:00Z", now)).toBe("5 min ago");
    expect(ago("2026-11-29T12:00:00Z", now)).toBe("2 days ago");
    expect(isStale("2026-12-01T11:59:00Z", now)).toBe(false);
    expect(isStale("2026-12-01T11:50:00Z", now)).toBe(true);
  });
});
