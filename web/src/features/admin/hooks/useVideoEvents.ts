import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, useSyncExternalStore } from "react";
import { authHeaders } from "@/lib/api/client";
import { type MediaEvent, type ProgressEvent, SseParser, videoEventOf } from "../lib/sse";

export type StreamState = "connecting" | "live" | "retrying" | "unavailable";

/** The latest encoding progress per video and kind, shared by the list and the video page. */
class LiveProgress {
  private map = new Map<string, ProgressEvent>();
  private snapshot: ReadonlyMap<string, ProgressEvent> = new Map();
  private listeners = new Set<() => void>();

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  getSnapshot = () => this.snapshot;

  set(event: ProgressEvent) {
    this.map.set(`${event.video_id}:${event.kind}`, event);
    this.publish();
  }
  clear(videoId: string, kind: string) {
    if (this.map.delete(`${videoId}:${kind}`)) this.publish();
  }
  private publish() {
    this.snapshot = new Map(this.map);
    for (const listener of this.listeners) listener();
  }
}

export const liveProgress = new LiveProgress();

export function useLiveProgress(videoId: string, kind = "video"): ProgressEvent | undefined {
  return useSyncExternalStore(liveProgress.subscribe, liveProgress.getSnapshot).get(
    `${videoId}:${kind}`,
  );
}

/** Follow the catalog's admin event stream (all videos, or one) while mounted: media status
 * changes refresh the cached videos, progress events feed useLiveProgress. Read with fetch
 * streaming, because EventSource cannot send the Authorization header. */
export function useVideoEvents(
  videoId?: string,
  onMedia?: (event: MediaEvent) => void,
): StreamState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<StreamState>("connecting");

  useEffect(() => {
    const controller = new AbortController();
    let lastEventId: string | undefined;
    let retryMs = 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const media = (event: MediaEvent) => {
      // A playable master is still encoding: its progress goes on.
      if (event.status !== "processing" && event.status !== "playable") {
        liveProgress.clear(event.video_id, event.kind);
      }
      void queryClient.invalidateQueries({ queryKey: ["admin", "videos"] });
      onMedia?.(event);
    };

    const connect = async () => {
      const url = `/api/v1/admin/videos/events${videoId ? `?video_id=${encodeURIComponent(videoId)}` : ""}`;
      const headers: Record<string, string> = { Accept: "text/event-stream", ...authHeaders() };
      if (lastEventId) headers["Last-Event-ID"] = lastEventId;
      try {
        const response = await fetch(url, {
          headers,
          signal: controller.signal,
          cache: "no-store",
        });
        if (!response.ok || !response.body) {
          // 4xx other than an expired token will not get better by asking again soon.
          const giveUp = response.status >= 400 && response.status < 500 && response.status !== 401;
          setState(giveUp ? "unavailable" : "retrying");
          timer = setTimeout(connect, giveUp ? 30_000 : retryMs);
          return;
        }
        setState("live");
        // Something may have changed while we were not listening.
        void queryClient.invalidateQueries({ queryKey: ["admin", "videos"] });
        const parser = new SseParser();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const raw of parser.push(value)) {
            const event = videoEventOf(raw);
            if (event?.type === "progress") liveProgress.set(event.payload);
            else if (event?.type === "media") media(event.payload);
          }
          lastEventId = parser.lastEventId ?? lastEventId;
          retryMs = parser.retryMs ?? retryMs;
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      if (controller.signal.aborted) return;
      setState("retrying");
      timer = setTimeout(connect, retryMs);
    };
    void connect();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [videoId, queryClient, onMedia]);

  return state;
}
