import { useSyncExternalStore } from "react";
import { uploads } from "../lib/tusUploads";
import type { UploadState } from "../lib/uploads";

/** The tab's uploads (all videos, or one video's). */
export function useUploads(videoId?: string): UploadState[] {
  const all = useSyncExternalStore(uploads.subscribe, uploads.getSnapshot);
  return videoId ? all.filter((u) => u.videoId === videoId) : all;
}
