/** A Server-Sent Events parser for streams read with fetch (EventSource cannot send an
 * `Authorization` header). It follows the WHATWG event-stream rules: lines end in CRLF, LF or
 * CR; `data` lines join with "\n"; a blank line dispatches; comments (":") are ignored. */
export interface ServerEvent {
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = "";
  private pendingCr = false;
  private data: string[] = [];
  private event = "";
  private id: string | undefined;
  /** The last event id seen, to send back as Last-Event-ID when reconnecting. */
  lastEventId: string | undefined;
  /** The reconnection delay the server asked for, in ms. */
  retryMs: number | undefined;

  /** Feed the next piece of text; returns the events it completes. */
  push(chunk: string): ServerEvent[] {
    let text = chunk;
    // A CR ending the previous chunk and an LF starting this one are one line end.
    if (this.pendingCr && text.startsWith("\n")) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const out: ServerEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== "\n" && c !== "\r") continue;
      const line = this.buffer.slice(start, i);
      if (c === "\r") {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer[i + 1] === "\n") i++;
      }
      start = i + 1;
      const event = this.line(line);
      if (event) out.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string): ServerEvent | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
    return null;
  }

  private dispatch(): ServerEvent | null {
    if (this.id !== undefined) this.lastEventId = this.id;
    const event: ServerEvent | null = this.data.length
      ? {
          event: this.event || "message",
          data: this.data.join("\n"),
          ...(this.lastEventId !== undefined ? { id: this.lastEventId } : {}),
        }
      : null;
    this.data = [];
    this.event = "";
    this.id = undefined;
    return event;
  }
}

/** A video's media changed state (`uploading`, `processing`, `playable`, `ready`, `failed`, …). */
export interface MediaEvent {
  video_id: string;
  kind: string;
  status: string;
  error?: string | null;
}

/** How far an encode is. */
export interface ProgressEvent {
  video_id: string;
  kind: string;
  percent: number;
  eta_seconds?: number | null;
}

export type VideoEvent =
  | { type: "media"; payload: MediaEvent }
  | { type: "progress"; payload: ProgressEvent };

/** The catalog's admin events, checked: anything malformed is dropped, not trusted. */
export function videoEventOf(event: ServerEvent): VideoEvent | null {
  let body: unknown;
  try {
    body = JSON.parse(event.data);
  } catch {
    return null;
  }
  if (!body || typeof body !== "object") return null;
  const b = body as Record<string, unknown>;
  if (typeof b.video_id !== "string" || typeof b.kind !== "string") return null;
  if (event.event === "media" && typeof b.status === "string") {
    const error = typeof b.error === "string" ? b.error : null;
    return {
      type: "media",
      payload: { video_id: b.video_id, kind: b.kind, status: b.status, error },
    };
  }
  if (event.event === "progress" && typeof b.percent === "number" && Number.isFinite(b.percent)) {
    const eta = typeof b.eta_seconds === "number" ? b.eta_seconds : null;
    const percent = Math.min(100, Math.max(0, b.percent));
    return {
      type: "progress",
      payload: { video_id: b.video_id, kind: b.kind, percent, eta_seconds: eta },
    };
  }
  return null;
}
