"""HLS subtitle renditions from WebVTT: pure functions, no storage, no FFmpeg.

A subtitle track is cut on the video's own segment boundaries, so a player fetching segment
``n`` of the video finds the cues of the same stretch of time in segment ``n`` of the track.
A cue that spans a boundary is repeated whole in every segment it overlaps (players drop the
repeats); each segment's ``X-TIMESTAMP-MAP`` ties its cue times to the video's MPEG-TS clock.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.playlists import Segment, media_playlist

SUBTITLE_GROUP = "subs"
SUBTITLES_DIR = "subtitles"
MPEGTS_HZ = 90_000
_EXTINF = re.compile(r"^#EXTINF:([0-9.]+)")


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    block: str  # the cue as WebVTT: identifier, timings line with settings, payload


@dataclass(frozen=True)
class SubtitleEntry:
    """One track as the master playlist announces it."""

    language: str
    name: str
    default: bool
    forced: bool

    @property
    def uri(self) -> str:
        return f"{SUBTITLES_DIR}/{self.language}/index.m3u8"


def segment_durations(media_playlist_text: str) -> list[float]:
    """The EXTINF durations of a media playlist, in order: the boundaries to follow."""
    durations = []
    for line in media_playlist_text.splitlines():
        match = _EXTINF.match(line.strip())
        if match:
            durations.append(float(match.group(1)))
    return durations


def parse_cues(vtt_text: str) -> list[Cue]:
    """The cues of a WebVTT document (as the catalog stores it), in file order."""
    import webvtt

    document = webvtt.WebVTT.from_buffer(io.StringIO(vtt_text))
    cues = []
    for caption in document.captions:
        settings = str(caption.settings or "").strip()
        timings = f"{caption.start} --> {caption.end}" + (f" {settings}" if settings else "")
        lines = [caption.identifier] if caption.identifier else []
        lines += [timings, *caption.raw_text.split("\n")]
        start = caption.start_time.in_milliseconds() / 1000
        end = caption.end_time.in_milliseconds() / 1000
        cues.append(Cue(start, end, "\n".join(lines)))
    return cues


def _overlaps(cue: Cue, start: float, end: float | None) -> bool:
    if end is not None and cue.start >= end:
        return False
    # A cue of no length still belongs to the segment its moment falls in.
    return cue.end > start or (cue.end == cue.start and cue.start >= start)


def segment_cues(cues: Sequence[Cue], durations: Sequence[float], mpegts: int) -> list[str]:
    """One WebVTT document per video segment, each with the cues it overlaps.

    ``mpegts`` is the 90 kHz timestamp the video's first frame carries (local time zero);
    the last segment also takes any cue that starts after the video ends.
    """
    header = f"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000\n"
    ordered = sorted(cues, key=lambda c: (c.start, c.end))
    documents, start = [], 0.0
    for number, seconds in enumerate(durations):
        end = None if number == len(durations) - 1 else start + seconds
        blocks = [c.block for c in ordered if _overlaps(c, start, end)]
        documents.append("\n".join([header, *(f"{b}\n" for b in blocks)]))
        start += seconds
    return documents


def segment_name(index: int) -> str:
    return f"seg_{index:05d}.vtt"


def subtitle_playlist(durations: Sequence[float], sizes: Sequence[int]) -> str:
    """The media playlist of one track: the video's durations, the subtitle segments."""
    segments = [
        Segment(segment_name(i), seconds, size)
        for i, (seconds, size) in enumerate(zip(durations, sizes, strict=True))
    ]
    return media_playlist(segments)


def _quoted(text: str) -> str:
    # An HLS quoted string holds no double quote, CR or LF.
    return re.sub(r"[\r\n]+", " ", text).replace('"', "'")


def _without_subtitles(lines: list[str]) -> list[str]:
    kept = []
    for line in lines:
        if line.startswith("#EXT-X-MEDIA:") and "TYPE=SUBTITLES" in line:
            continue
        if line.startswith("#EXT-X-STREAM-INF:"):
            line = re.sub(r',SUBTITLES="[^"]*"', "", line)
            line = re.sub(r'(?<=:)SUBTITLES="[^"]*",?', "", line)
        kept.append(line)
    return kept


def with_subtitles(master_text: str, tracks: Sequence[SubtitleEntry]) -> str:
    """The master playlist announcing exactly ``tracks`` (none: no subtitle group at all).

    Earlier subtitle entries are replaced, so rewriting the same master again is harmless.
    """
    lines = _without_subtitles(master_text.splitlines())
    if not tracks:
        return "\n".join(lines) + "\n"
    media = [
        f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{SUBTITLE_GROUP}",'
        f'LANGUAGE="{t.language}",NAME="{_quoted(t.name)}",'
        f"DEFAULT={'YES' if t.default else 'NO'},AUTOSELECT=YES,"
        f'FORCED={"YES" if t.forced else "NO"},URI="{t.uri}"'
        for t in tracks
    ]
    first_variant = next(
        (i for i, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF:")), len(lines)
    )
    out = lines[:first_variant] + media
    for line in lines[first_variant:]:
        if line.startswith("#EXT-X-STREAM-INF:"):
            line += f',SUBTITLES="{SUBTITLE_GROUP}"'
        out.append(line)
    return "\n".join(out) + "\n"
