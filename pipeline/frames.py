"""Decoding a range of the master as output frames: upright, progressive, constant rate.

Output frame ``n`` is the picture shown at ``n / frame_rate`` seconds after the master's first
video timestamp (FFmpeg's ``fps`` filter rule: nearest frame, repeated or dropped as needed), so
every chunk computes the same frames for the same indices however the timeline is cut.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction

import av
from av.container import InputContainer
from av.filter import Graph
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from pipeline.errors import ChunkFailed
from pipeline.probe import SourceInfo

# Seek a quarter of an output frame past the chunk's start: a keyframe exactly on the boundary
# (the usual case: masters with regular GOPs) is found instead of the one a GOP earlier.
SEEK_AHEAD_FRAMES = Fraction(1, 4)

_ROTATION_FILTERS = {
    90: [("transpose", "cclock")],
    180: [("hflip", ""), ("vflip", "")],
    270: [("transpose", "clock")],
}


def output_frames(
    container: InputContainer,
    source: SourceInfo,
    frame_rate: Fraction,
    start_frame: int,
    end_frame: int | None,
    *,
    deinterlace: bool,
    rotation: int,
) -> Iterator[tuple[int, VideoFrame]]:
    """Yield ``(n, frame)`` for output frames ``start_frame <= n < end_frame`` (or to the end)."""
    stream = container.streams.video[0]
    for candidate in container.streams.video:
        if candidate.index == source.video_stream_index:
            stream = candidate
    stream.thread_type = "AUTO" if start_frame == 0 and end_frame is None else "SLICE"
    tb = stream.time_base or Fraction(1, 90000)
    start_seconds = float(start_frame / frame_rate)
    if start_frame > 0:
        target = source.start_time + start_seconds + float(SEEK_AHEAD_FRAMES / frame_rate)
        container.seek(math.floor(target / tb), stream=stream, backward=True)
    graph = _filter_graph(stream, deinterlace, rotation)
    next_index = start_frame
    try:
        for decoded in _decode(container, stream, graph):
            if decoded.pts is None:
                continue
            # Filters may hand frames back in their own time base (deinterlacers halve it).
            seconds = float(decoded.pts * (decoded.time_base or tb)) - source.start_time
            index = math.floor(seconds * frame_rate + Fraction(1, 2))
            # A frame stands for every output slot up to its own index (repeats fill gaps).
            while next_index <= index:
                if end_frame is not None and next_index >= end_frame:
                    return
                yield next_index, decoded
                next_index += 1
    except av.error.FFmpegError as e:
        raise ChunkFailed(f"the master cannot be decoded after frame {next_index}: {e}") from e


def _decode(
    container: InputContainer, stream: VideoStream, graph: Graph | None
) -> Iterator[VideoFrame]:
    for frame in container.decode(stream):
        if graph is None:
            yield frame
            continue
        graph.push(frame)
        yield from _drain(graph)
    if graph is not None:
        graph.push(None)
        yield from _drain(graph)


def _drain(graph: Graph) -> Iterator[VideoFrame]:
    while True:
        try:
            frame = graph.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return
        assert isinstance(frame, VideoFrame)
        yield frame


def _filter_graph(stream: VideoStream, deinterlace: bool, rotation: int) -> Graph | None:
    steps: list[tuple[str, str]] = []
    if deinterlace:
        steps.append(("bwdif", "mode=send_frame:parity=auto:deint=all"))
    if rotation in _ROTATION_FILTERS:
        steps.extend(_ROTATION_FILTERS[rotation])
    if not steps:
        return None
    graph = Graph()
    nodes = [graph.add_buffer(template=stream)]
    nodes += [graph.add(name, args or None) for name, args in steps]
    nodes.append(graph.add("buffersink"))
    graph.link_nodes(*nodes).configure()
    return graph
