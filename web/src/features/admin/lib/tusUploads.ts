import {
  DefaultHttpStack,
  type DetailedError,
  type HttpRequest,
  type HttpStack,
  defaultOptions as tusDefaults,
  Upload,
} from "tus-js-client";
import { authHeaders } from "@/lib/api/client";
import { type MediaKind, uploadEndpoint } from "../api/admin";
import {
  announcesChecksums,
  checksumHeader,
  refusalOf,
  SpeedMeter,
  type UploadAction,
  type UploadState,
  uploadReducer,
} from "./uploads";

// Each PATCH carries at most this much: an interrupted chunk is all that is ever sent again,
// and with checksums each chunk is hashed on its own.
export const CHUNK_BYTES = 2 * 1024 * 1024;

/** Adds `Upload-Checksum` (sha256 of the body) to every PATCH the default stack sends. */
class ChecksumHttpStack implements HttpStack {
  private readonly inner = new DefaultHttpStack({});

  createRequest(method: string, url: string): HttpRequest {
    const request = this.inner.createRequest(method, url);
    if (method !== "PATCH") return request;
    const send = request.send.bind(request);
    request.send = async (body: unknown) => {
      if (body instanceof Blob) request.setHeader("Upload-Checksum", await checksumHeader(body));
      return send(body);
    };
    return request;
  }

  getName(): string {
    return "ChecksumHttpStack";
  }
}

async function serverAnnouncesChecksums(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, { method: "OPTIONS", headers: authHeaders() });
    return announcesChecksums(
      response.headers.get("Tus-Extension"),
      response.headers.get("Tus-Checksum-Algorithm"),
    );
  } catch {
    return false;
  }
}

interface Running {
  state: UploadState;
  upload: Upload;
  meter: SpeedMeter;
  /** Set once the checks before the first request are done and the upload may run. */
  ready: boolean;
}

type Listener = () => void;

/** Every upload of this tab, across the console's pages, so several run at once and one keeps
 * going while the admin looks at another video. Components read it with useUploads. */
class UploadStore {
  private running = new Map<string, Running>();
  private snapshot: UploadState[] = [];
  private listeners = new Set<Listener>();
  /** Called when an upload completes or is refused: the video's media changed. */
  onSettled: (videoId: string) => void = () => undefined;

  subscribe = (listener: Listener) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = () => this.snapshot;

  private apply(key: string, action: UploadAction) {
    const entry = this.running.get(key);
    if (!entry) return;
    entry.state = uploadReducer(entry.state, action, entry.meter);
    this.snapshot = [...this.running.values()].map((r) => r.state);
    for (const listener of this.listeners) listener();
  }

  /** Upload `file` as the video's `kind`; resumes an upload of the same file the server has. */
  async start(videoId: string, kind: MediaKind, file: File): Promise<void> {
    const key = `${videoId}:${kind}`;
    const previous = this.running.get(key);
    if (previous && ["starting", "uploading", "paused"].includes(previous.state.status)) {
      await previous.upload.abort();
    }
    const endpoint = uploadEndpoint(videoId, kind);
    const checksums = await serverAnnouncesChecksums(endpoint);
    const upload: Upload = new Upload(file, {
      endpoint,
      chunkSize: CHUNK_BYTES,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      metadata: { filename: file.name, filetype: file.type, kind },
      // The fingerprint (file name, type, size, date, endpoint) finds the upload again after
      // a reload; the URL stays stored until the upload completes.
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      ...(checksums ? { httpStack: new ChecksumHttpStack() } : {}),
      onBeforeRequest: (req) => {
        // The access token is renewed while a long upload runs: always send the newest.
        for (const [name, value] of Object.entries(authHeaders())) req.setHeader(name, value);
      },
      onProgress: (sent) => this.apply(key, { type: "progress", sent, at: performance.now() }),
      onSuccess: () => {
        this.apply(key, { type: "done" });
        this.onSettled(videoId);
      },
      onError: (error) => {
        const response = (error as DetailedError).originalResponse;
        const refusal = response ? refusalOf(response.getStatus(), response.getBody()) : null;
        if (refusal) this.apply(key, { type: "refused", ...refusal });
        else this.apply(key, { type: "failed", message: error.message });
        this.onSettled(videoId);
      },
    });
    const state: UploadState = {
      key,
      videoId,
      kind,
      fileName: file.name,
      size: file.size,
      sent: 0,
      status: "starting",
      speed: null,
      etaSeconds: null,
      checksums,
      resumedFrom: null,
    };
    this.running.set(key, { state, upload, meter: new SpeedMeter(), ready: false });
    this.apply(key, { type: "checksums", on: checksums });
    const stored = await upload.findPreviousUploads();
    if (this.running.get(key)?.upload !== upload) return; // replaced or cancelled meanwhile
    const resumable = stored.find((p) => p.uploadUrl);
    if (resumable?.uploadUrl) {
      const offset = await serverOffset(resumable.uploadUrl);
      if (offset !== null) {
        upload.resumeFromPreviousUpload(resumable);
        this.apply(key, { type: "resumed", offset });
      } else {
        // The server no longer has it (completed, refused or dropped): start afresh.
        await tusDefaults.urlStorage.removeUpload(resumable.urlStorageKey);
      }
    }
    const entry = this.running.get(key);
    if (entry?.upload !== upload) return;
    entry.ready = true;
    // Paused while we were still asking the server: Resume starts it.
    if (entry.state.status !== "paused") upload.start();
  }

  pause(key: string) {
    const entry = this.running.get(key);
    if (!entry) return;
    this.apply(key, { type: "pause" });
    void entry.upload.abort();
  }

  resume(key: string) {
    const entry = this.running.get(key);
    if (!entry) return;
    this.apply(key, { type: "resume" });
    if (entry.ready) entry.upload.start();
  }

  /** Stop and drop the upload on the server too (tus termination). */
  async cancel(key: string) {
    const entry = this.running.get(key);
    if (!entry) return;
    await entry.upload.abort(true).catch(() => undefined);
    this.dismiss(key);
  }

  dismiss(key: string) {
    this.running.delete(key);
    this.snapshot = [...this.running.values()].map((r) => r.state);
    for (const listener of this.listeners) listener();
  }
}

/** The offset the server holds for an upload URL, or null when it has no such upload. */
export async function serverOffset(uploadUrl: string): Promise<number | null> {
  try {
    const response = await fetch(uploadUrl, {
      method: "HEAD",
      headers: { "Tus-Resumable": "1.0.0", ...authHeaders() },
    });
    if (!response.ok) return null;
    const offset = Number(response.headers.get("Upload-Offset"));
    const length = Number(response.headers.get("Upload-Length"));
    return Number.isFinite(offset) && offset < length ? offset : null;
  } catch {
    return null;
  }
}

export interface StoredUpload {
  urlStorageKey: string;
  uploadUrl: string;
  fileName: string;
  kind: string;
  size: number | null;
}

/** Uploads of this video that a reload or a closed tab interrupted (kept by tus-js-client). */
export async function interruptedUploads(videoId: string): Promise<StoredUpload[]> {
  // Without web storage (a private window, a locked-down browser) nothing was kept.
  const storage = tusDefaults.urlStorage as Partial<typeof tusDefaults.urlStorage>;
  if (typeof storage.findAllUploads !== "function") return [];
  const all = await storage.findAllUploads().catch(() => []);
  const marker = `/videos/${videoId}/uploads/`;
  return all.flatMap((p) =>
    p.uploadUrl?.includes(marker)
      ? [
          {
            urlStorageKey: p.urlStorageKey,
            uploadUrl: p.uploadUrl,
            fileName: p.metadata.filename ?? "file",
            kind: p.metadata.kind ?? "video",
            size: p.size,
          },
        ]
      : [],
  );
}

export async function forgetStoredUpload(urlStorageKey: string): Promise<void> {
  await tusDefaults.urlStorage.removeUpload(urlStorageKey);
}

export const uploads = new UploadStore();
