import { fireEvent, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderAt } from "@/test/render";
import type { Video } from "../api/admin";
import { VideoMedia } from "./VideoMedia";

afterEach(() => vi.unstubAllGlobals());

const pending = { status: "pending" };
function failedVideo(): Video {
  return {
    id: "v-1",
    title: "Lighthouse Keeper",
    description: null,
    launch_year: 2026,
    duration: 1,
    rating: "12",
    opened: false,
    published: false,
    categories: [],
    genres: [],
    cast_members: [],
    media: {
      video: {
        status: "failed",
        error: "truncated: the master ends in the middle of a frame",
        raw_location: "videos/v-1/video/u-1.mp4",
      },
      trailer: pending,
      banner: pending,
      thumbnail: pending,
    },
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  } as Video;
}

describe("a failed encode", () => {
  it("shows its reason and retries the encoding of the stored master", async () => {
    const calls = fakeApi((url, { method }) => {
      if (method === "POST" && url.pathname === "/api/v1/admin/videos/v-1/encodings") {
        return new Response(null, { status: 202 });
      }
      return undefined;
    });
    renderAt(<VideoMedia video={failedVideo()} patch={async () => undefined} />);
    const master = screen.getByRole("article", { name: "Master" });
    expect(within(master).getByRole("alert")).toHaveTextContent("truncated: the master ends");
    fireEvent.click(within(master).getByRole("button", { name: "Retry encoding" }));
    await vi.waitFor(() =>
      expect(
        calls.some((c) => c.method === "POST" && c.url.searchParams.get("kind") === "video"),
      ).toBe(true),
    );
    expect(within(master).queryByText(/could not/)).toBeNull();
  });

  it("shows the detail of a refused retry (409)", async () => {
    fakeApi((url, { method }) => {
      if (method === "POST" && url.pathname === "/api/v1/admin/videos/v-1/encodings") {
        return json(
          {
            type: "about:blank",
            title: "Conflict",
            status: 409,
            detail: "the video's master is processing; only a failed encode is retried",
          },
          409,
        );
      }
      return undefined;
    });
    renderAt(<VideoMedia video={failedVideo()} patch={async () => undefined} />);
    const master = screen.getByRole("article", { name: "Master" });
    fireEvent.click(within(master).getByRole("button", { name: "Retry encoding" }));
    expect(await within(master).findByText(/only a failed encode is retried/)).toBeVisible();
  });

  it("offers Publish for a draft", () => {
    fakeApi(() => undefined);
    const patch = vi.fn(async () => undefined);
    renderAt(<VideoMedia video={failedVideo()} patch={patch} />);
    fireEvent.click(screen.getByRole("button", { name: "Publish" }));
    expect(patch).toHaveBeenCalledWith({ published: true });
  });
});

describe("a master still encoding", () => {
  it("says it is watchable already and offers its preview", () => {
    fakeApi(() => undefined);
    const video = failedVideo();
    video.media.video = {
      status: "playable",
      raw_location: "videos/v-1/video/u-1.mp4",
      encoded_location: "videos/v-1/hls/master.m3u8",
      renditions: [
        {
          name: "360p",
          width: 640,
          height: 360,
          bandwidth: 900_000,
          codecs: "avc1.64001e",
          playlist: "video/360p/index.m3u8",
        },
      ],
    } as Video["media"]["video"];
    renderAt(<VideoMedia video={video} patch={async () => undefined} />);
    const master = screen.getByRole("article", { name: "Master" });
    expect(within(master).getByText("Watchable · still encoding")).toBeVisible();
    expect(within(master).getByRole("progressbar")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Play preview" })).toBeVisible();
  });
});
