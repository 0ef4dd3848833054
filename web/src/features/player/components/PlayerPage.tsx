import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { ErrorNotice, Spinner } from "@/components/Feedback";
import { useVideo } from "@/features/browse/api/queries";
import { useAuth } from "@/lib/auth";
import { formatClock } from "@/lib/format";
import { isProblem } from "@/lib/problems";
import { type Grant, requestGrant, resumePosition, saveProgress } from "../api/playback";
import { useHlsPlayer } from "../hooks/useHlsPlayer";
import { renewDelayMs } from "../lib/grants";
import {
  BackTenIcon,
  ForwardTenIcon,
  FullscreenIcon,
  PauseIcon,
  PlayIcon,
  VolumeIcon,
} from "./Icons";
import { SeekBar } from "./SeekBar";

const REPORT_EVERY_MS = 10_000;

export function PlayerPage() {
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const video = useRef<HTMLVideoElement>(null);
  const shell = useRef<HTMLDivElement>(null);
  const [grant, setGrant] = useState<Grant | null>(null);
  const [startAt, setStartAt] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [time, setTime] = useState({ current: 0, duration: 0, buffered: 0 });
  const [paused, setPaused] = useState(true);
  const [muted, setMuted] = useState(false);
  const { user } = useAuth();
  // While a title still encodes its playlists grow: the player knows only the part encoded so
  // far, the catalog knows the whole title's length.
  const { data: title } = useVideo(id);
  const media = title?.media?.video;
  const planned = media?.status === "playable" ? (media.duration_seconds ?? 0) : 0;

  const toPlans = useCallback(
    (detail: string) => navigate(`/plans?reason=${encodeURIComponent(detail)}`, { replace: true }),
    [navigate],
  );
  const renew = useCallback(async () => {
    try {
      setGrant(await requestGrant(id));
    } catch (e) {
      if (isProblem(e, 402)) toPlans(e.message);
      else setError(e);
    }
  }, [id, toPlans]);

  // The grant and where to start, once per title.
  useEffect(() => {
    let live = true;
    const explicit = params.get("t");
    Promise.all([requestGrant(id), explicit !== null ? Number(explicit) || 0 : resumePosition(id)])
      .then(([g, at]) => {
        if (!live) return;
        setGrant(g);
        setStartAt(at);
      })
      .catch((e) => {
        if (!live) return;
        if (isProblem(e, 402)) toPlans(e.message);
        else setError(e);
      });
    return () => {
      live = false;
    };
  }, [id, params, toPlans]);

  // Renew the grant a minute before it expires; playback carries on under the new one.
  useEffect(() => {
    if (!grant) return;
    const timer = setTimeout(renew, renewDelayMs(grant.expires_at));
    return () => clearTimeout(timer);
  }, [grant, renew]);

  const player = useHlsPlayer(video, {
    manifestUrl: startAt === null ? null : (grant?.manifest_url ?? null),
    startAt: startAt ?? 0,
    maxHeight: grant?.max_height,
    onGrantExpired: renew,
    viewer: user?.profile.sub,
  });

  // Progress: every 10 s while playing, on pause and when leaving.
  useEffect(() => {
    const el = video.current;
    if (!el || startAt === null) return;
    const report = (keepalive = false) => {
      if (el.currentTime > 0) saveProgress(id, el.currentTime, el.duration, { keepalive });
    };
    const timer = setInterval(() => !el.paused && report(), REPORT_EVERY_MS);
    const onPause = () => report();
    const onLeave = () => report(true);
    el.addEventListener("pause", onPause);
    window.addEventListener("pagehide", onLeave);
    return () => {
      clearInterval(timer);
      el.removeEventListener("pause", onPause);
      window.removeEventListener("pagehide", onLeave);
      report(true);
    };
  }, [id, startAt]);

  const togglePlay = useCallback(() => {
    const el = video.current;
    if (!el) return;
    if (el.paused) el.play().catch(() => undefined);
    else el.pause();
  }, []);
  const seekBy = useCallback((delta: number) => {
    const el = video.current;
    if (el) el.currentTime = Math.min(Math.max(0, el.currentTime + delta), el.duration || 0);
  }, []);
  const toggleFullscreen = useCallback(() => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => undefined);
    else shell.current?.requestFullscreen().catch(() => undefined);
  }, []);
  const toggleMute = useCallback(() => {
    const el = video.current;
    if (el) el.muted = !el.muted;
  }, []);

  // Keyboard: space, ←/→ 10 s, f, m (not while a menu or the timeline has the keys).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target?.closest("select, input, textarea, [contenteditable]") || e.metaKey || e.ctrlKey)
        return;
      const action = keyAction(e.key, { togglePlay, seekBy, toggleFullscreen, toggleMute });
      if (!action || (e.key === " " && target?.closest("button, a"))) return;
      e.preventDefault();
      action();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [togglePlay, seekBy, toggleFullscreen, toggleMute]);

  if (error) {
    return (
      <div className="player player--message">
        <ErrorNotice error={error} onRetry={() => window.location.reload()} />
        <Link to={`/title/${id}`}>Back to the title</Link>
      </div>
    );
  }

  const onTime = () => {
    const el = video.current;
    if (!el) return;
    const end = el.buffered.length ? el.buffered.end(el.buffered.length - 1) : 0;
    setTime({ current: el.currentTime, duration: el.duration || 0, buffered: end });
  };
  // What the timeline shows: the whole title, of which only `time.duration` is encoded yet.
  const shownDuration = Math.max(time.duration, planned);
  const encodedUntil = planned > time.duration ? time.duration : null;
  const qualityLabel = (height: number | null) => (height ? `${height}p` : "");

  return (
    <div className="player" ref={shell} data-testid="player">
      {/* biome-ignore lint/a11y/useMediaCaption: captions come as HLS subtitle renditions, chosen in the menu */}
      <video
        ref={video}
        className="player__video"
        playsInline
        autoPlay
        poster={grant?.poster_url ?? undefined}
        onClick={togglePlay}
        onTimeUpdate={onTime}
        onProgress={onTime}
        onDurationChange={onTime}
        onPlay={() => setPaused(false)}
        onPause={() => setPaused(true)}
        onVolumeChange={(e) => setMuted(e.currentTarget.muted)}
        aria-label="Video"
      />
      {(startAt === null || !grant) && (
        <div className="player__overlay">
          <Spinner label="Preparing the video" />
        </div>
      )}
      {player.networkProblem && (
        <div className="player__overlay" role="alert">
          <p className="notice notice--error">{player.networkProblem}</p>
          <button type="button" className="button" onClick={player.retryNow}>
            Retry now
          </button>
        </div>
      )}
      {player.fatal && (
        <div className="player__overlay" role="alert">
          <p className="notice notice--error">{player.fatal}</p>
        </div>
      )}
      <div className="player__top">
        <Link to={`/title/${id}`} className="button button--ghost" aria-label="Back to the title">
          ← Back
        </Link>
      </div>
      <div className="player__controls">
        <SeekBar
          current={time.current}
          duration={shownDuration}
          buffered={time.buffered}
          thumbnailsUrl={grant?.thumbnails_url}
          onSeek={(t) => {
            // Not past what is encoded yet: that part does not exist on the server.
            const limit = encodedUntil ?? t;
            if (video.current) video.current.currentTime = Math.min(t, limit);
          }}
        />
        <div className="player__bar">
          <button
            type="button"
            className="icon-button"
            onClick={togglePlay}
            aria-label={paused ? "Play" : "Pause"}
          >
            {paused ? <PlayIcon /> : <PauseIcon />}
          </button>
          <button
            type="button"
            className="icon-button"
            onClick={() => seekBy(-10)}
            aria-label="Back 10 seconds"
          >
            <BackTenIcon />
          </button>
          <button
            type="button"
            className="icon-button"
            onClick={() => seekBy(10)}
            aria-label="Forward 10 seconds"
          >
            <ForwardTenIcon />
          </button>
          <button
            type="button"
            className="icon-button"
            onClick={toggleMute}
            aria-label={muted ? "Unmute" : "Mute"}
          >
            <VolumeIcon muted={muted} />
          </button>
          <span className="player__time" data-testid="player-time">
            {formatClock(time.current)} / {formatClock(shownDuration)}
          </span>
          {encodedUntil !== null && (
            <span className="player__preparing" data-testid="player-preparing">
              Still being prepared: {formatClock(encodedUntil)} ready
            </span>
          )}
          <span className="player__spacer" />
          {player.rungs.length > 0 && (
            <label className="player__menu">
              <span>Quality</span>
              <select
                aria-label="Quality"
                value={player.level}
                onChange={(e) => player.setLevel(Number(e.target.value))}
              >
                <option value={-1}>
                  Auto
                  {player.level === -1 && player.playingHeight
                    ? ` (${qualityLabel(player.playingHeight)})`
                    : ""}
                </option>
                {player.rungs.map((r) => (
                  <option key={r.index} value={r.index}>
                    {qualityLabel(r.height)}
                  </option>
                ))}
              </select>
            </label>
          )}
          {player.audioTracks.length > 0 && (
            <label className="player__menu">
              <span>Audio</span>
              <select
                aria-label="Audio"
                value={player.audioTrack}
                onChange={(e) => player.setAudioTrack(Number(e.target.value))}
              >
                {player.audioTracks.map((t) => (
                  <option key={t.index} value={t.index}>
                    {t.label}
                  </option>
                ))}
              </select>
            </label>
          )}
          {player.subtitleTracks.length > 0 && (
            <label className="player__menu">
              <span>Captions</span>
              <select
                aria-label="Captions"
                value={player.subtitleTrack}
                onChange={(e) => player.setSubtitleTrack(Number(e.target.value))}
              >
                <option value={-1}>Off</option>
                {player.subtitleTracks.map((t) => (
                  <option key={t.index} value={t.index}>
                    {t.label}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button
            type="button"
            className="icon-button"
            onClick={toggleFullscreen}
            aria-label="Fullscreen"
          >
            <FullscreenIcon />
          </button>
        </div>
      </div>
    </div>
  );
}

interface PlayerActions {
  togglePlay: () => void;
  seekBy: (delta: number) => void;
  toggleFullscreen: () => void;
  toggleMute: () => void;
}

/** The player's keyboard shortcuts: space/k, ←/→ 10 s, f, m. */
export function keyAction(key: string, a: PlayerActions): (() => void) | undefined {
  switch (key) {
    case " ":
    case "k":
      return a.togglePlay;
    case "ArrowLeft":
      return () => a.seekBy(-10);
    case "ArrowRight":
      return () => a.seekBy(10);
    case "f":
      return a.toggleFullscreen;
    case "m":
      return a.toggleMute;
    default:
      return undefined;
  }
}
