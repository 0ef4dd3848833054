import type Hls from "hls.js";
import { type RefObject, useCallback, useEffect, useRef, useState } from "react";
import {
  type CaptionTrack,
  captionsChoice,
  pickCaptions,
  rememberCaptions,
  rememberedCaptions,
} from "../lib/captions";
import { withGrant } from "../lib/grants";

export interface Rung {
  index: number;
  height: number;
  bitrate: number;
}

export interface Track {
  index: number;
  label: string;
}

interface Options {
  /** The signed master playlist URL; a new one (a renewed grant) is swapped in silently. */
  manifestUrl: string | null;
  startAt: number;
  /** The plan's height limit: rungs above it are never offered (the grant's master has none). */
  maxHeight?: number | null;
  /** Called when the edge says the grant expired (410): resolves once a new grant is set. */
  onGrantExpired: () => Promise<void>;
  /** The signed-in viewer: whose captions choice is remembered in this browser. */
  viewer?: string;
}

const RETRY_MS = 3000;

/** hls.js on a <video>, loaded on demand (its own chunk), or the browser's native HLS. */
export function useHlsPlayer(video: RefObject<HTMLVideoElement | null>, options: Options) {
  const { manifestUrl, maxHeight, onGrantExpired } = options;
  const hlsRef = useRef<Hls | null>(null);
  const grantUrl = useRef(manifestUrl);
  const startAt = useRef(options.startAt);
  const expired = useRef(onGrantExpired);
  const [rungs, setRungs] = useState<Rung[]>([]);
  const [level, setLevelState] = useState(-1);
  const [playingHeight, setPlayingHeight] = useState<number | null>(null);
  const [audioTracks, setAudioTracks] = useState<Track[]>([]);
  const [audioTrack, setAudioTrackState] = useState(0);
  const [subtitleTracks, setSubtitleTracks] = useState<CaptionTrack[]>([]);
  const captions = useRef<CaptionTrack[]>([]);
  const viewer = useRef(options.viewer);
  viewer.current = options.viewer;
  const [subtitleTrack, setSubtitleTrackState] = useState(-1);
  const [networkProblem, setNetworkProblem] = useState<string | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const started = manifestUrl !== null;
  // Loading again: the master playlist when it never arrived, else from where the stream is.
  const reload = useCallback((hls: Hls, details: string) => {
    if (/^manifest/i.test(details) && grantUrl.current) hls.loadSource(grantUrl.current);
    else hls.startLoad();
  }, []);

  grantUrl.current = manifestUrl ?? grantUrl.current;
  expired.current = onGrantExpired;

  useEffect(() => {
    const element = video.current;
    const firstUrl = grantUrl.current;
    if (!started || !element || !firstUrl) return;
    let cancelled = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const online = () => {
      const hls = hlsRef.current;
      if (hls) reload(hls, hls.levels.length ? "" : "manifestLoadError");
    };
    window.addEventListener("online", online);

    import("hls.js").then(({ default: HlsClass }) => {
      if (cancelled) return;
      if (!HlsClass.isSupported()) {
        if (element.canPlayType("application/vnd.apple.mpegurl")) {
          element.src = firstUrl;
          element.addEventListener(
            "loadedmetadata",
            () => {
              element.currentTime = startAt.current;
            },
            { once: true },
          );
        } else {
          setFatal("This browser cannot play HLS video.");
        }
        return;
      }
      const hls = new HlsClass({
        startPosition: startAt.current,
        // Every request goes out under the newest grant, so a renewal never interrupts.
        xhrSetup: (xhr, url) => xhr.open("GET", withGrant(url, grantUrl.current ?? url), true),
      });
      hlsRef.current = hls;
      const E = HlsClass.Events;
      hls.on(E.MANIFEST_PARSED, (_e, data) => {
        const offered = data.levels
          .map((l, index) => ({ index, height: l.height, bitrate: l.bitrate }))
          .filter((r) => !maxHeight || r.height <= maxHeight);
        setRungs(offered.sort((a, b) => b.height - a.height));
      });
      hls.on(E.LEVEL_SWITCHED, (_e, data) =>
        setPlayingHeight(hls.levels[data.level]?.height ?? null),
      );
      hls.on(E.AUDIO_TRACKS_UPDATED, (_e, data) => {
        setAudioTracks(
          data.audioTracks.map((t, index) => ({
            index,
            label: trackLabel(t.lang, t.name, index),
          })),
        );
        setAudioTrackState(hls.audioTrack);
      });
      hls.on(E.AUDIO_TRACK_SWITCHED, (_e, data) => setAudioTrackState(data.id));
      hls.on(E.SUBTITLE_TRACKS_UPDATED, (_e, data) => {
        // Subtitles go by the label the admin gave them ("Português (Brasil)", "English SDH").
        const tracks = data.subtitleTracks.map((t, index) => ({
          index,
          label: t.name || trackLabel(t.lang, t.name, index),
          lang: t.lang,
        }));
        captions.current = tracks;
        setSubtitleTracks(tracks);
        // hls.js makes its own pick right after announcing the tracks: the viewer's comes after.
        queueMicrotask(() => {
          const chosen = pickCaptions(tracks, rememberedCaptions(viewer.current));
          if (chosen !== null && hlsRef.current === hls) hls.subtitleTrack = chosen;
          setSubtitleTrackState(hls.subtitleTrack);
        });
      });
      hls.on(E.SUBTITLE_TRACK_SWITCH, (_e, data) => setSubtitleTrackState(data.id));
      hls.on(E.FRAG_LOADED, () => setNetworkProblem(null));
      hls.on(E.MANIFEST_LOADED, () => setNetworkProblem(null));
      hls.on(E.ERROR, (_e, data) => {
        const status = data.response?.code;
        if (status === 410) {
          // The grant ran out before it was renewed (a sleeping laptop): renew, go on.
          expired.current().then(() => hls.startLoad());
          return;
        }
        if (!data.fatal) return;
        if (data.type === HlsClass.ErrorTypes.NETWORK_ERROR) {
          setNetworkProblem("The connection dropped. Retrying…");
          clearTimeout(retry);
          retry = setTimeout(() => reload(hls, data.details), RETRY_MS);
        } else if (data.type === HlsClass.ErrorTypes.MEDIA_ERROR) {
          hls.recoverMediaError();
        } else {
          setFatal("This video cannot be played right now.");
        }
      });
      hls.loadSource(firstUrl);
      hls.attachMedia(element);
    });
    return () => {
      cancelled = true;
      clearTimeout(retry);
      window.removeEventListener("online", online);
      hlsRef.current?.destroy();
      hlsRef.current = null;
    };
  }, [started, video, maxHeight, reload]);

  const setLevel = useCallback((index: number) => {
    const hls = hlsRef.current;
    if (!hls) return;
    hls.currentLevel = index;
    setLevelState(index);
  }, []);
  const setAudioTrack = useCallback((index: number) => {
    if (hlsRef.current) hlsRef.current.audioTrack = index;
  }, []);
  const setSubtitleTrack = useCallback((index: number) => {
    if (hlsRef.current) hlsRef.current.subtitleTrack = index;
    setSubtitleTrackState(index);
    const choice = captionsChoice(captions.current, index);
    if (choice !== null) rememberCaptions(viewer.current, choice);
  }, []);
  const retryNow = useCallback(() => {
    const hls = hlsRef.current;
    if (hls) reload(hls, hls.levels.length ? "" : "manifestLoadError");
  }, [reload]);

  return {
    rungs,
    level,
    setLevel,
    playingHeight,
    audioTracks,
    audioTrack,
    setAudioTrack,
    subtitleTracks,
    subtitleTrack,
    setSubtitleTrack,
    networkProblem,
    fatal,
    retryNow,
  };
}

/** "English", "Português"… from the track's language; "Original" when it is undetermined. */
export function trackLabel(
  lang: string | undefined,
  name: string | undefined,
  index: number,
): string {
  if (lang && lang !== "und") {
    try {
      const language = new Intl.DisplayNames(["en"], { type: "language" }).of(lang);
      if (language) return language;
    } catch {
      // not a language code: fall back to the name
    }
  }
  if (name && !/^aac_/.test(name)) return name;
  return index === 0 ? "Original" : `Track ${index + 1}`;
}
