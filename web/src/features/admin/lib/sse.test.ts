import { describe, expect, it } from "vitest";
import { SseParser, videoEventOf } from "./sse";

describe("SseParser", () => {
  it("dispatches an event at the blank line, with its name and id", () => {
    const parser = new SseParser();
    expect(parser.push('event: media\nid: 7\ndata: {"a":1}\n')).toEqual([]);
    expect(parser.push("\n")).toEqual([{ event: "media", data: '{"a":1}', id: "7" }]);
    expect(parser.lastEventId).toBe("7");
  });

  it("joins data lines and survives chunks split anywhere, CRLF split included", () => {
    const stream = "data: one\r\ndata: two\r\n\r\nevent: progress\rdata:x\r\r";
    for (let cut = 1; cut < stream.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut))];
      expect(events).toEqual([
        { event: "message", data: "one\ntwo" },
        { event: "progress", data: "x" },
      ]);
    }
  });

  it("ignores comments, unknown fields and events without data; reads retry", () => {
    const parser = new SseParser();
    const events = parser.push(": keep-alive\n\nfoo: bar\nevent: media\n\nretry: 2500\ndata\n\n");
    expect(events).toEqual([{ event: "message", data: "" }]);
    expect(parser.retryMs).toBe(2500);
  });

  it("keeps an unfinished event until its blank line arrives", () => {
    const parser = new SseParser();
    expect(parser.push("data: half")).toEqual([]);
    expect(parser.push(" more\n\n")).toEqual([{ event: "message", data: "half more" }]);
  });
});

describe("videoEventOf", () => {
  it("reads media and progress events", () => {
    expect(
      videoEventOf({
        event: "media",
        data: '{"video_id":"v","kind":"video","status":"failed","error":"not_media"}',
      }),
    ).toEqual({
      type: "media",
      payload: { video_id: "v", kind: "video", status: "failed", error: "not_media" },
    });
    expect(
      videoEventOf({
        event: "progress",
        data: '{"video_id":"v","kind":"video","percent":140,"eta_seconds":3}',
      }),
    ).toEqual({
      type: "progress",
      payload: { video_id: "v", kind: "video", percent: 100, eta_seconds: 3 },
    });
  });

  it("drops what is malformed or unknown", () => {
    expect(videoEventOf({ event: "media", data: "not json" })).toBeNull();
    expect(videoEventOf({ event: "media", data: '{"video_id":1,"kind":"video"}' })).toBeNull();
    expect(videoEventOf({ event: "progress", data: '{"video_id":"v","kind":"video"}' })).toBeNull();
    expect(videoEventOf({ event: "other", data: '{"video_id":"v","kind":"video"}' })).toBeNull();
  });
});
