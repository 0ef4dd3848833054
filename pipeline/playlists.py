"""HLS playlists: one media playlist per rendition, and the master playlist over them all.

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


def media_playlist(segments: Sequence[Segment]) -> str:
    """A VOD media playlist: every segment, its exact duration, and the end marker."""
    # RFC 8216: every EXTINF, rounded to the nearest integer, is at most the target duration.
    target = max((math.floor(s.seconds + 0.5) for s in segments), default=1)
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{HLS_VERSION}",
        f"#EXT-X-TARGETDURATION:{max(1, target)}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    for s in segments:
        lines += [f"#EXTINF:{s.seconds:.6f},", s.uri]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


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
