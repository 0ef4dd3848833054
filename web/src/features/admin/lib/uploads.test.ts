import { describe, expect, it } from "vitest";
import {
  announcesChecksums,
  checksumHeader,
  formatBytes,
  formatDuration,
  refusalOf,
  SpeedMeter,
  timeLeft,
  type UploadState,
  uploadReducer,
} from "./uploads";

const start: UploadState = {
  key: "v:video",
  videoId: "v",
  kind: "video",
  fileName: "master.mp4",
  size: 10_000_000,
  sent: 0,
  status: "starting",
  speed: null,
  etaSeconds: null,
  checksums: false,
  resumedFrom: null,
};

describe("uploadReducer", () => {
  it("measures speed and time left from progress over time", () => {
    const meter = new SpeedMeter();
    let s = uploadReducer(start, { type: "progress", sent: 0, at: 0 }, meter);
    expect(s.speed).toBeNull();
    s = uploadReducer(s, { type: "progress", sent: 1_000_000, at: 1000 }, meter);
    s = uploadReducer(s, { type: "progress", sent: 2_000_000, at: 2000 }, meter);
    expect(s.status).toBe("uploading");
    expect(s.speed).toBe(1_000_000);
    expect(s.etaSeconds).toBe(8);
  });

  it("pauses, ignores late progress while paused, and resumes", () => {
    const meter = new SpeedMeter();
    let s = uploadReducer({ ...start, status: "uploading", sent: 5 }, { type: "pause" }, meter);
    expect(s.status).toBe("paused");
    s = uploadReducer(s, { type: "progress", sent: 9, at: 1 }, meter);
    expect(s.sent).toBe(5);
    s = uploadReducer(s, { type: "resume" }, meter);
    expect(s.status).toBe("starting");
  });

  it("keeps a refusal's reason, and a resumed upload's offset", () => {
    const meter = new SpeedMeter();
    const resumed = uploadReducer(start, { type: "resumed", offset: 4_000_000 }, meter);
    expect(resumed).toMatchObject({ resumedFrom: 4_000_000, sent: 4_000_000 });
    const refused = uploadReducer(
      resumed,
      { type: "refused", reason: "not_media", message: "the uploaded video was refused" },
      meter,
    );
    expect(refused).toMatchObject({ status: "refused", reason: "not_media" });
    expect(uploadReducer(refused, { type: "done" }, meter).status).toBe("done");
  });
});

describe("SpeedMeter", () => {
  it("forgets samples outside its window and starts over when bytes go back", () => {
    const meter = new SpeedMeter(2000);
    meter.sample(0, 0);
    meter.sample(100, 1000);
    meter.sample(1100, 3000);
    meter.sample(2100, 4000);
    expect(meter.bytesPerSecond()).toBe(1000);
    meter.sample(50, 4100);
    expect(meter.bytesPerSecond()).toBeNull();
  });
});

describe("timeLeft and formatting", () => {
  it("has no estimate without a speed", () => {
    expect(timeLeft(100, 0, null)).toBeNull();
    expect(timeLeft(100, 50, 0)).toBeNull();
    expect(timeLeft(100, 50, 20)).toBe(3);
  });

  it("formats sizes and durations for people", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1_572_864)).toBe("1.5 MB");
    expect(formatDuration(null)).toBe("–");
    expect(formatDuration(75)).toBe("1 min 15 s");
  });
});

describe("refusalOf", () => {
  it("reads the reason of a refused master from the problem", () => {
    const body = JSON.stringify({
      status: 422,
      detail: "the uploaded video was refused: not a video",
      errors: [{ loc: ["body"], msg: "truncated" }],
    });
    expect(refusalOf(422, body)).toEqual({
      reason: "truncated",
      message: "the uploaded video was refused: not a video",
    });
  });

  it("is no refusal for server errors, and copes with a body that is not JSON", () => {
    expect(refusalOf(503, "{}")).toBeNull();
    expect(refusalOf(413, "too large")).toEqual({ reason: "http_413", message: "too large" });
  });
});

describe("checksums", () => {
  it("computes the tus sha256 header of a body", async () => {
    expect(await checksumHeader(new TextEncoder().encode("abc").buffer as ArrayBuffer)).toBe(
      "sha256 ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
    );
  });

  it("turns them on only when the server announces checksum with sha256", () => {
    expect(announcesChecksums("creation,termination,checksum", "sha256,sha1")).toBe(true);
    expect(announcesChecksums("creation,termination", "sha256")).toBe(false);
    expect(announcesChecksums("checksum", "md5")).toBe(false);
    expect(announcesChecksums(null, null)).toBe(false);
  });
});
