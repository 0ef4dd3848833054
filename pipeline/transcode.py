"""Transcoding one chunk: decode its range of the master once, encode every rung from it.

Each rung has its own single-threaded libx264 encoder (the parallelism comes from running many
chunks at once) feeding FFmpeg's HLS muxer, which cuts a segment on every second GOP. Fixed
GOPs that start on the chunk's first frame put an IDR at the start of every segment, and
timestamps are the global output frame index, so segments from different chunks follow each
other without a gap. Sprite tiles and the poster come from the same decoded frames.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field

import av
from av.video.frame import PictureType, VideoFrame
from av.video.reformatter import Interpolation, VideoReformatter

from codeflix.storage import ObjectStore
from pipeline.chunks import Chunk
from pipeline.errors import ChunkFailed
from pipeline.frames import output_frames
from pipeline.job import POSTER, EncodePlan, segment_name, video_dir
from pipeline.ladder import Ladder, Rung
from pipeline.sources import open_media
from pipeline.thumbnails import TileCollector


@dataclass
class ChunkOutcome:
    """What a finished chunk wrote; stored as its manifest, the proof that it is done."""

    chunk: int
    start_frame: int
    frames: int
    # rung name -> [[segment index, frames in it, bytes], ...]
    segments: dict[str, list[list[int]]] = field(default_factory=dict)
    tiles: list[int] = field(default_factory=list)  # output frame index of each sprite tile
    codecs: dict[str, str] = field(default_factory=dict)  # rung name -> RFC 6381 "avc1.PPCCLL"
    seconds: float = 0.0

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ChunkOutcome:
        return cls(**json.loads(data))


class RungEncoder:
    """libx264 for one rung into FFmpeg's HLS muxer writing numbered segments in ``folder``."""

    def __init__(self, rung: Rung, ladder: Ladder, folder: str, first_segment: int) -> None:
        os.makedirs(folder, exist_ok=True)
        self.rung = rung
        self.scaler = VideoReformatter()
        # Split a little before the nominal length: the muxer cuts at the next keyframe.
        split_after = (ladder.segment_frames - 0.5) / float(ladder.frame_rate)
        self.container = av.open(
            os.path.join(folder, "chunk.m3u8"),
            "w",
            format="hls",
            options={
                "hls_time": f"{split_after:.6f}",
                "hls_list_size": "0",
                "hls_segment_type": "mpegts",
                "hls_segment_filename": os.path.join(folder, "seg_%05d.ts"),
                "start_number": str(first_segment),
            },
        )
        stream = self.container.add_stream("libx264", rate=ladder.frame_rate)
        stream.width, stream.height, stream.pix_fmt = rung.width, rung.height, "yuv420p"
        if rung.crf is None:
            stream.bit_rate = rung.bitrate
        gop = ladder.gop_frames
        self.time_base = 1 / ladder.frame_rate
        stream.codec_context.time_base = self.time_base
        stream.codec_context.thread_count = 1
        rate_control = {} if rung.crf is None else {"crf": str(rung.crf)}
        stream.codec_context.options = {
            **rate_control,
            "preset": ladder.preset,
            "profile": "high",
            "maxrate": str(rung.max_bitrate),
            "bufsize": str(rung.max_bitrate * 2),
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:open-gop=0"
            f":level={rung.level}:threads=1:lookahead-threads=1",
        }
        self.stream = stream
        self.codecs: str | None = None  # read from the first keyframe's parameter sets

    def encode(self, frame: VideoFrame, pts: int) -> VideoFrame:
        """Scale ``frame`` to this rung, encode it, and return the scaled picture."""
        picture = self.scaler.reformat(
            frame,
            width=self.rung.width,
            height=self.rung.height,
            format="yuv420p",
            interpolation=Interpolation.BICUBIC,
        )
        picture.pts = pts
        picture.time_base = self.time_base
        picture.pict_type = PictureType.NONE  # the decoder's frame types must not force ours
        packets = self.stream.encode(picture)
        if self.codecs is None and packets:
            self.codecs = self._codecs(packets[0])
        self.container.mux(packets)
        return picture

    def _codecs(self, packet: av.Packet) -> str | None:
        # The parameter sets are in the extradata when the muxer asked for global headers.
        extradata = self.stream.codec_context.extradata or b""
        return avc_codecs(bytes(extradata) + bytes(packet))

    def close(self) -> None:
        packets = self.stream.encode(None)
        if self.codecs is None and packets:
            self.codecs = self._codecs(packets[0])
        self.container.mux(packets)
        self.container.close()


CASCADE_RATIO = 1.5  # a picture at least this much larger is as good a source as the master


def _scaling_source(frame: VideoFrame, scaled: list[VideoFrame], rung: Rung) -> VideoFrame:
    """The smallest picture already made that is still comfortably larger than ``rung``.

    Scaling 480p from the 720p picture instead of the 1080p master costs a third as much, with
    no visible difference; the largest rung always comes from the master itself.
    """
    for picture in reversed(scaled):
        if (
            picture.width >= rung.width * CASCADE_RATIO
            and picture.height >= rung.height * CASCADE_RATIO
        ):
            return picture
    return frame


def avc_codecs(annex_b: bytes) -> str | None:
    """The RFC 6381 codec string from an H.264 access unit's sequence parameter set.

    x264 signals the lowest profile the stream needs (fast presets may make Constrained
    Baseline even when High is allowed), so the string is read back, not assumed.
    """
    at = 0
    while (at := annex_b.find(b"\x00\x00\x01", at)) != -1:
        header = annex_b[at + 3 : at + 7]
        if len(header) == 4 and header[0] & 0x1F == 7:  # NAL unit type 7: SPS
            return f"avc1.{header[1]:02x}{header[2]:02x}{header[3]:02x}"
        at += 3
    return None


def transcode_chunk(plan: EncodePlan, chunk_index: int) -> ChunkOutcome:
    """Encode chunk ``chunk_index`` of ``plan`` into segments; store and return its manifest."""
    started = time.monotonic()
    chunk = plan.chunks[chunk_index]
    ladder = plan.ladder
    store = ObjectStore(plan.output_uri, **plan.storage_options)
    state = ObjectStore(plan.state_uri, **plan.storage_options)
    with tempfile.TemporaryDirectory(prefix=f"codeflix-{chunk.key}-") as workdir:
        encoders = [
            RungEncoder(r, ladder, os.path.join(workdir, r.name), chunk.first_segment)
            for r in ladder.rungs
        ]
        tiles = TileCollector(plan.thumbnails)
        frames_per_segment: dict[int, int] = {}
        count = 0
        offset = plan.timestamp_offset_frames
        with open_media(plan.source_uri, plan.storage_options) as container:
            for n, frame in output_frames(
                container,
                plan.source,
                ladder.frame_rate,
                chunk.start_frame,
                chunk.end_frame,
                deinterlace=ladder.deinterlace,
                rotation=ladder.rotation,
            ):
                scaled: list[VideoFrame] = []
                for encoder in encoders:  # largest rung first
                    base = _scaling_source(frame, scaled, encoder.rung)
                    scaled.append(encoder.encode(base, n + offset))
                tiles.offer(n, frame)
                segment = n // ladder.segment_frames
                frames_per_segment[segment] = frames_per_segment.get(segment, 0) + 1
                count += 1
        for encoder in encoders:
            encoder.close()
        outcome = ChunkOutcome(chunk=chunk.index, start_frame=chunk.start_frame, frames=count)
        for encoder in encoders:
            if encoder.codecs:
                outcome.codecs[encoder.rung.name] = encoder.codecs
            outcome.segments[encoder.rung.name] = _upload_segments(
                store, workdir, encoder.rung.name, frames_per_segment, chunk
            )
        outcome.tiles = tiles.upload(store, POSTER, state, plan.chunk_tiles_key(chunk))
    outcome.seconds = round(time.monotonic() - started, 3)
    state.write_bytes(plan.chunk_manifest_key(chunk), outcome.to_json())
    return outcome


def _upload_segments(
    store: ObjectStore, workdir: str, rung: str, frames: dict[int, int], chunk: Chunk
) -> list[list[int]]:
    folder = os.path.join(workdir, rung)
    written = sorted(
        int(name[4:9])
        for name in os.listdir(folder)
        if name.startswith("seg_") and name.endswith(".ts")
    )
    if written != sorted(frames):
        raise ChunkFailed(
            f"{chunk.key} of rung {rung}: the muxer wrote segments {written}, "
            f"expected {sorted(frames)}"
        )
    listing: list[list[int]] = []
    for index in written:
        path = os.path.join(folder, segment_name(index))
        size = store.put_file(path, f"{video_dir(rung)}/{segment_name(index)}")
        listing.append([index, frames[index], size])
    return listing


def load_outcome(store: ObjectStore, key: str) -> ChunkOutcome | None:
    """The manifest of a chunk an earlier run finished, or None."""
    try:
        return ChunkOutcome.from_json(store.read_bytes(key))
    except (FileNotFoundError, ValueError, TypeError):
        return None
