"""Audio renditions: every audio track of the master as AAC-LC stereo, on the video's segments.

One task encodes a whole track in one pass (no seams to click at), resampled to 48 kHz stereo
(5.1 is downmixed), lined up with the video's first frame (silence fills a late start, an early
start is cut) and cut to the video's length, then segmented by FFmpeg's HLS muxer with the same
segment length and timestamp offset as the video. Each segment is stored as soon as the muxer
closes it, and the track's progress is kept in the job's state, so the stream can be watched
from its first seconds while the rest of the track is still being encoded.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction

import av
import numpy as np
from av.audio.frame import AudioFrame
from av.audio.resampler import AudioResampler

from codeflix.storage import ObjectStore
from pipeline.errors import ChunkFailed
from pipeline.job import EncodePlan, audio_dir, segment_name
from pipeline.ladder import AUDIO_BITRATE, AUDIO_SAMPLE_RATE
from pipeline.probe import AudioTrack
from pipeline.sources import open_media

AUDIO_CODECS = "mp4a.40.2"


@dataclass
class AudioOutcome:
    """The segments of one audio rendition: ``[index, seconds, bytes]`` each."""

    name: str
    segments: list[list[float]] = field(default_factory=list)

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__).encode()

    @classmethod
    def from_json(cls, data: bytes) -> AudioOutcome:
        return cls(**json.loads(data))


def rendition_names(tracks: tuple[AudioTrack, ...]) -> tuple[str, ...]:
    """Stable, distinct folder names: ``aac_eng``, ``aac_fra``, ``aac_und_2`` ..."""
    names: list[str] = []
    for track in tracks:
        base = "aac_" + re.sub(r"[^a-z0-9]", "", track.language.lower())[:8]
        name, n = base, 2
        while name in names:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    return tuple(names)


def _silence(samples: int) -> AudioFrame:
    frame = AudioFrame.from_ndarray(
        np.zeros((2, samples), dtype=np.float32), format="fltp", layout="stereo"
    )
    frame.sample_rate = AUDIO_SAMPLE_RATE
    return frame


def _trimmed(frame: AudioFrame, skip: int, keep: int) -> AudioFrame:
    data = np.asarray(frame.to_ndarray(), dtype=np.float32)[:, skip : skip + keep]
    out = AudioFrame.from_ndarray(np.ascontiguousarray(data), format="fltp", layout="stereo")
    out.sample_rate = AUDIO_SAMPLE_RATE
    return out


def encode_audio(plan: EncodePlan, track_number: int) -> AudioOutcome:
    """Encode audio track ``track_number`` of the master into its HLS segments."""
    track = plan.source.audio[track_number]
    name = plan.audio_names[track_number]
    store = ObjectStore(plan.output_uri, **plan.storage_options)
    state = ObjectStore(plan.state_uri, **plan.storage_options)
    rate = AUDIO_SAMPLE_RATE
    total = round(plan.source.duration * rate)  # as long as the video, no longer
    offset = round(plan.timestamp_offset_frames / plan.ladder.frame_rate * rate)
    with tempfile.TemporaryDirectory(prefix=f"codeflix-{name}-") as workdir:
        playlist = os.path.join(workdir, "track.m3u8")
        out = av.open(
            playlist,
            "w",
            format="hls",
            options={
                "hls_time": f"{plan.ladder.segment_seconds - 0.01:.6f}",
                "hls_list_size": "0",
                "hls_segment_type": "mpegts",
                "hls_segment_filename": os.path.join(workdir, "seg_%05d.ts"),
            },
        )
        stream = out.add_stream("aac", rate=rate)
        stream.layout = "stereo"
        stream.bit_rate = AUDIO_BITRATE
        written = 0
        outcome = AudioOutcome(name=name)
        segment_samples = round(plan.ladder.segment_seconds * rate)

        def upload_finished() -> None:
            # The muxer lists a segment once it has closed its file: those can go out now,
            # and the job's state says how far the track is, for a stream that grows.
            if not os.path.exists(playlist):
                return
            for index, seconds in _segments(playlist)[len(outcome.segments) :]:
                size = store.put_file(
                    os.path.join(workdir, segment_name(index)),
                    f"{audio_dir(name)}/{segment_name(index)}",
                )
                outcome.segments.append([index, seconds, size])
            state.write_bytes(plan.audio_progress_key(name), outcome.to_json())

        def emit(frame: AudioFrame) -> None:
            nonlocal written
            frame.pts = offset + written
            frame.time_base = Fraction(1, rate)
            before = written // segment_samples
            written += frame.samples
            out.mux(stream.encode(frame))
            if written // segment_samples != before:
                upload_finished()

        with open_media(plan.source_uri, plan.storage_options) as container:
            source = next(s for s in container.streams.audio if s.index == track.stream_index)
            resampler = AudioResampler(format="fltp", layout="stereo", rate=rate)
            started = False
            try:
                for decoded in container.decode(source):
                    for frame in resampler.resample(decoded):
                        if not started:
                            started = True
                            lead = round(((decoded.time or 0.0) - plan.source.start_time) * rate)
                            if lead > 0:
                                emit(_silence(lead))
                            elif lead < 0:
                                frame = _trimmed(frame, -lead, frame.samples)
                        if written >= total:
                            break
                        if written + frame.samples > total:
                            frame = _trimmed(frame, 0, total - written)
                        if frame.samples:
                            emit(frame)
            except av.error.FFmpegError as e:
                raise ChunkFailed(f"audio track {name} cannot be decoded: {e}") from e
        while written < total:  # a track shorter than the video ends in silence, not a gap
            emit(_silence(min(rate, total - written)))
        out.mux(stream.encode(None))
        out.close()
        upload_finished()
    state.write_bytes(plan.audio_manifest_key(name), outcome.to_json())
    return outcome


def _segments(playlist: str) -> list[tuple[int, float]]:
    """``(index, seconds)`` of each segment the muxer listed."""
    found, seconds = [], 0.0
    with open(playlist) as f:
        for line in f:
            line = line.strip()
            if line.startswith("#EXTINF:"):
                seconds = float(line[8:].split(",")[0])
            elif line.startswith("seg_") and line.endswith(".ts"):
                found.append((int(line[4:9]), seconds))
    return found
