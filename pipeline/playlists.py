"""HLS playlists: one media playlist per rendition, and the master playlist over them all.

While a job runs, media playlists are EVENT playlists that only ever grow; the finished job
turns them into VOD playlists with the end marker. Each names the job that wrote it in a
comment line (players ignore comments), so a resumed job knows whose playlists it finds.
Bandwidths are measured from the segments: BANDWIDTH is the highest bit rate of any segment
(video plus the default audio), AVERAGE-BANDWIDTH the whole rendition's bytes over its length.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

HLS_VERSION = 3  # decimal EXTINF durations, MPEG-TS segments


@dataclass(frozen=True)
class Segment:
    uri: str  # relative to the media playlist
    seconds: float
    size: int  # bytes


@dataclass(frozen=True)
class Bandwidth:
    peak: int
    average: int


def measure(segments: Sequence[Segment]) -> Bandwidth:
    """Peak and average bit rate of a rendition, in bits per second."""
    total_seconds = sum(s.seconds for s in segments)
    if not segments or total_seconds <= 0:
        return Bandwidth(0, 0)
    # A very short last segment would overstate the peak; a player never sees it alone.
    full = [s for s in segments if s.seconds >= 1.0] or list(segments)
    peak = max(s.size * 8 / s.seconds for s in full)
    average = sum(s.size for s in segments) * 8 / total_seconds
    return Bandwidth(math.ceil(peak), math.ceil(average))


JOB_COMMENT = "# codeflix-job: "


def media_playlist(
    segments: Sequence[Segment],
    *,
    ended: bool = True,
    target_seconds: float = 0.0,
    job_id: str = "",
) -> str:
    """A media playlist: every segment with its exact duration.

    ``ended``: a VOD playlist with the end marker; otherwise an EVENT playlist that will grow.
    ``target_seconds`` is the planned segment length, so the target duration a player reads
    first stays the same as the playlist grows (RFC 8216 forbids changing it).
    """
    # RFC 8216: every EXTINF, rounded to the nearest integer, is at most the target duration.
    longest = max((math.floor(s.seconds + 0.5) for s in segments), default=1)
    target = max(1, longest, math.floor(target_seconds + 0.5))
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{HLS_VERSION}",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        f"#EXT-X-PLAYLIST-TYPE:{'VOD' if ended else 'EVENT'}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    if job_id:
        lines.append(JOB_COMMENT + job_id)
    for s in segments:
        lines += [f"#EXTINF:{s.seconds:.6f},", s.uri]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class PublishedPlaylist:
    """What a media playlist found in storage says: whose it is, its segments, if it ended."""

    job_id: str
    segments: tuple[tuple[str, float], ...]  # (uri, seconds)
    ended: bool


def read_media_playlist(text: str) -> PublishedPlaylist:
    """Parse a media playlist written by :func:`media_playlist`."""
    job_id, segments, ended, seconds = "", [], False, 0.0
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(JOB_COMMENT.strip()):
            job_id = line[len(JOB_COMMENT.strip()) :].strip()
        elif line.startswith("#EXTINF:"):
            seconds = float(line[8:].split(",")[0])
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif line and not line.startswith("#"):
            segments.append((line, seconds))
    return PublishedPlaylist(job_id, tuple(segments), ended)


@dataclass(frozen=True)
class VariantEntry:
    uri: str
    width: int
    height: int
    bandwidth: Bandwidth
    codecs: str
    frame_rate: Fraction


@dataclass(frozen=True)
class AudioEntry:
    uri: str
    name: str
    language: str
    default: bool


AUDIO_GROUP = "audio"


def master_playlist(variants: Sequence[VariantEntry], audio: Sequence[AudioEntry]) -> str:
    """The master playlist: audio renditions as EXT-X-MEDIA, then variants from best to least."""
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{HLS_VERSION}", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for a in audio:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="{a.name}",'
            f'LANGUAGE="{a.language}",DEFAULT={"YES" if a.default else "NO"},'
            f'AUTOSELECT=YES,CHANNELS="2",URI="{a.uri}"'
        )
    for v in sorted(variants, key=lambda v: v.bandwidth.peak, reverse=True):
        attributes = [
            f"BANDWIDTH={v.bandwidth.peak}",
            f"AVERAGE-BANDWIDTH={v.bandwidth.average}",
            f"RESOLUTION={v.width}x{v.height}",
            f'CODECS="{v.codecs}"',
            f"FRAME-RATE={float(v.frame_rate):.3f}",
        ]
        if audio:
            attributes.append(f'AUDIO="{AUDIO_GROUP}"')
        lines += [f"#EXT-X-STREAM-INF:{','.join(attributes)}", v.uri]
    return "\n".join(lines) + "\n"
