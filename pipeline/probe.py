"""Probing a master: what it holds, and whether it is a video Codeflix can stream at all."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
from av.container import InputContainer
from av.video.stream import VideoStream

from pipeline.errors import UnplayableMaster
from pipeline.sources import open_media

FRAMES_SAMPLED = 24  # enough frames to see rotation, interlacing and frame-rate variation


@dataclass(frozen=True)
class AudioTrack:
    """One audio stream of the master."""

    stream_index: int
    channels: int
    sample_rate: int
    language: str
    codec: str


@dataclass(frozen=True)
class SourceInfo:
    """What the pipeline needs to know about a master, measured rather than trusted."""

    uri: str
    duration: float  # seconds of video
    start_time: float  # seconds: the first video timestamp; every output time is relative to it
    video_stream_index: int
    width: int  # coded size
    height: int
    display_width: int  # after the sample aspect ratio and rotation: what a viewer sees
    display_height: int
    frame_rate: Fraction
    variable_frame_rate: bool
    rotation: int  # degrees counter-clockwise the picture must be turned: 0, 90, 180, 270
    pixel_format: str
    bit_depth: int
    interlaced: bool
    video_codec: str
    audio: tuple[AudioTrack, ...] = field(default_factory=tuple)

    @property
    def estimated_frames(self) -> int:
        return max(1, round(self.duration * self.frame_rate))


def probe(uri: str, storage_options: dict[str, Any] | None = None) -> SourceInfo:
    """Measure the master at ``uri``; raise :class:`UnplayableMaster` if it cannot be streamed."""
    with open_media(uri, storage_options or {}) as container:
        return _probe_container(container, uri)


def _probe_container(container: InputContainer, uri: str) -> SourceInfo:
    video = next(
        (s for s in container.streams.video if not s.disposition & s.disposition.attached_pic),
        None,
    )
    if video is None:
        raise UnplayableMaster("no_video_stream", f"the master {uri!r} has no video stream")
    tb = video.time_base or Fraction(1, 90000)
    start = float(video.start_time * tb) if video.start_time is not None else 0.0
    frames = _first_frames(container, video, uri)
    if len(frames) < 2:
        what = "a single picture" if frames else "no picture"
        raise UnplayableMaster("zero_duration", f"the master {uri!r} holds {what}, not a video")
    duration = _duration(container, video, start)
    if duration <= 0:
        raise UnplayableMaster("zero_duration", f"the master {uri!r} has a duration of zero")
    first = frames[0]
    rate, variable = _frame_rate(video, [f.time for f in frames if f.time is not None])
    rotation = round(first.rotation / 90.0) * 90 % 360
    sar = video.sample_aspect_ratio or Fraction(1)
    display_w = max(2, round(first.width * (sar if sar > 0 else 1)))
    display_h = first.height
    if rotation in (90, 270):
        display_w, display_h = display_h, display_w
    fmt = first.format
    depth = max((c.bits for c in fmt.components), default=8)
    interlaced = any(f.interlaced_frame for f in frames)
    if duration > 2.0:
        _check_not_truncated(container, video, start, duration, uri)
    return SourceInfo(
        uri=uri,
        duration=duration,
        start_time=start,
        video_stream_index=video.index,
        width=first.width,
        height=first.height,
        display_width=display_w,
        display_height=display_h,
        frame_rate=rate,
        variable_frame_rate=variable,
        rotation=rotation,
        pixel_format=fmt.name,
        bit_depth=depth,
        interlaced=interlaced,
        video_codec=video.codec_context.name,
        audio=tuple(
            AudioTrack(
                stream_index=a.index,
                channels=a.codec_context.channels,
                sample_rate=a.codec_context.sample_rate,
                language=(a.metadata.get("language") or "und").lower(),
                codec=a.codec_context.name,
            )
            for a in container.streams.audio
            if a.codec_context.sample_rate
        ),
    )


def _first_frames(container: InputContainer, video: VideoStream, uri: str) -> list[av.VideoFrame]:
    frames: list[av.VideoFrame] = []
    try:
        for frame in container.decode(video):
            frames.append(frame)
            if len(frames) >= FRAMES_SAMPLED:
                break
    except av.error.FFmpegError as e:
        if not frames:
            raise UnplayableMaster(
                "unreadable", f"the video of {uri!r} cannot be decoded: {e}"
            ) from e
    return frames


def _duration(container: InputContainer, video: VideoStream, start: float) -> float:
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    if container.duration:
        whole = container.duration / av.time_base
        container_start = (container.start_time or 0) / av.time_base
        return max(0.0, whole - (start - container_start))
    return 0.0


def _frame_rate(video: VideoStream, times: list[float]) -> tuple[Fraction, bool]:
    steps = [b - a for a, b in itertools.pairwise(times) if b > a]
    rate = video.average_rate or video.guessed_rate or video.base_rate
    if not rate or rate <= 0 or rate > 1000:
        median = sorted(steps)[len(steps) // 2] if steps else 1 / 25
        rate = Fraction(1 / median).limit_denominator(1001)
    variable = bool(steps) and (max(steps) - min(steps)) > 0.5 / float(rate)
    base = video.base_rate
    if base and abs(float(base) - float(rate)) > 0.01 * float(rate):
        variable = True
    return Fraction(rate).limit_denominator(1001), variable


def _check_not_truncated(
    container: InputContainer, video: VideoStream, start: float, duration: float, uri: str
) -> None:
    """A master whose index promises more than its bytes hold was cut short (a partial upload)."""
    tb = video.time_base or Fraction(1, 90000)
    target = start + max(0.0, duration - 1.5)
    try:
        container.seek(math.floor(target / tb), stream=video, backward=True)
        for frame in container.decode(video):
            if frame.time is not None and frame.time >= start + duration - 3.0:
                return
    except av.error.FFmpegError:
        pass
    raise UnplayableMaster(
        "truncated",
        f"the master {uri!r} ends before its declared duration of {duration:.1f} s: "
        "it was probably cut short (upload it again)",
    )
