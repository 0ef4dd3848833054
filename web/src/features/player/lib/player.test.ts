import { describe, expect, it, vi } from "vitest";
import { keyAction } from "../components/PlayerPage";
import { grantOf, renewDelayMs, withGrant } from "./grants";
import { parseThumbnails, thumbnailAt } from "./thumbnails";

const VTT = `WEBVTT

00:00:00.000 --> 00:00:02.000
sprite_000.jpg#xywh=0,0,160,90

00:00:02.000 --> 00:00:04.000
sprite_000.jpg#xywh=160,0,160,90

00:01:40.000 --> 00:01:42.000
sprite_001.jpg#xywh=0,90,160,90
`;

describe("seek-preview thumbnails", () => {
  const base = "http://codeflix.test/media/g/tok/videos/v/hls/thumbnails/thumbnails.vtt";
  const cues = parseThumbnails(VTT, base);

  it("reads every cue with its sprite (resolved under the same grant) and tile", () => {
    expect(cues).toHaveLength(3);
    expect(cues[1]).toEqual({
      start: 2,
      end: 4,
      url: "http://codeflix.test/media/g/tok/videos/v/hls/thumbnails/sprite_000.jpg",
      x: 160,
      y: 0,
      w: 160,
      h: 90,
    });
    expect(cues[2]?.start).toBe(100);
  });

  it("finds the tile of a time, the last one past the end", () => {
    expect(thumbnailAt(cues, 3.5)?.x).toBe(160);
    expect(thumbnailAt(cues, 500)?.url).toMatch(/sprite_001/);
    expect(thumbnailAt([], 1)).toBeUndefined();
  });

  it("ignores cues that are not sprite tiles", () => {
    expect(parseThumbnails("WEBVTT\n\n00:00.000 --> 00:02.000\nhello\n", base)).toEqual([]);
  });
});

describe("grant renewal", () => {
  const old = "http://codeflix.test/media/g/OLD.sig/videos/v/hls/video/720p/seg_00001.ts";
  const renewed = "http://codeflix.test/media/g/NEW.sig/videos/v/hls/master.m3u8";

  it("swaps the grant component of every media URL", () => {
    expect(grantOf(renewed)).toBe("/media/g/NEW.sig/");
    expect(withGrant(old, renewed)).toBe(
      "http://codeflix.test/media/g/NEW.sig/videos/v/hls/video/720p/seg_00001.ts",
    );
    expect(withGrant("http://codeflix.test/api/v1/x", renewed)).toBe(
      "http://codeflix.test/api/v1/x",
    );
  });

  it("renews a minute before expiry, never sooner than 5 s", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(renewDelayMs("2026-12-01T16:00:00Z", now)).toBe(6 * 3600_000 - 60_000);
    expect(renewDelayMs("2026-12-01T10:00:30Z", now)).toBe(5_000);
  });
});

describe("keyboard shortcuts", () => {
  it("maps space, arrows, f and m", () => {
    const actions = {
      togglePlay: vi.fn(),
      seekBy: vi.fn(),
      toggleFullscreen: vi.fn(),
      toggleMute: vi.fn(),
    };
    keyAction(" ", actions)?.();
    keyAction("ArrowLeft", actions)?.();
    keyAction("ArrowRight", actions)?.();
    keyAction("f", actions)?.();
    keyAction("m", actions)?.();
    expect(actions.togglePlay).toHaveBeenCalledOnce();
    expect(actions.seekBy.mock.calls).toEqual([[-10], [10]]);
    expect(actions.toggleFullscreen).toHaveBeenCalledOnce();
    expect(actions.toggleMute).toHaveBeenCalledOnce();
    expect(keyAction("x", actions)).toBeUndefined();
  });
});

describe("track labels", () => {
  it("names tracks by language, the undetermined one Original", async () => {
    const { trackLabel } = await import("../hooks/useHlsPlayer");
    expect(trackLabel("por", "aac_por", 0)).toBe("Portuguese");
    expect(trackLabel("en", undefined, 1)).toBe("English");
    expect(trackLabel("und", "aac_und", 0)).toBe("Original");
    expect(trackLabel(undefined, "Director's commentary", 1)).toBe("Director's commentary");
  });
});
