"""Clips for the pipeline's unit tests, generated once per session, and an in-process encode.

The unit tests run the pipeline's steps in this process, one after another, exactly as the
Ray tasks would run them (no Ray here: the coordinator has its own integration tests).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import pytest

from codeflix.storage import ObjectStore
from pipeline.audio import encode_audio
from pipeline.job import EncodeRequest, EncodeResult
from pipeline.packaging import package
from pipeline.planning import plan_job
from pipeline.transcode import transcode_chunk
from tests.support.media import make_clip


def encode_here(
    source: Path, out: Path, *, heights: list[int] | None = None, segments_per_chunk: int = 0
) -> EncodeResult:
    """Plan, transcode every chunk, encode the audio and package, all in this process."""
    request = EncodeRequest(source_uri=str(source), output_uri=f"file://{out}", heights=heights)
    plan = plan_job(request, preset="ultrafast", segments_per_chunk=segments_per_chunk)
    outcomes = [transcode_chunk(plan, chunk.index) for chunk in plan.chunks]
    audio = [encode_audio(plan, n) for n in range(len(plan.audio_names))]
    store, state = ObjectStore(plan.output_uri), ObjectStore(plan.state_uri)
    return package(plan, store, state, outcomes, audio, chunks_encoded=len(outcomes))


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("clips")
    made = {
        "plain": make_clip(root / "plain.mp4", seconds=10),
        "interlaced": make_clip(
            root / "interlaced.mp4",
            seconds=3,
            rate="50",
            audio=None,
            video_args=("-vf", "interlace", "-flags", "+ildct+ilme"),
        ),
        "ten_bit": make_clip(
            root / "ten_bit.mp4", seconds=3, audio=None, video_args=("-pix_fmt", "yuv420p10le")
        ),
        "surround": make_clip(root / "surround.mp4", seconds=3, audio="5.1"),
        "fast": make_clip(root / "fast.mp4", seconds=3, rate="120", audio=None),
        "variable_rate": make_clip(
            root / "variable_rate.mp4",
            seconds=3,
            audio=None,
            video_args=("-vf", r"select=not(eq(mod(n\,3)\,2))", "-vsync", "vfr"),
        ),
    }
    made["rotated"] = _rotated(made["plain"], root / "rotated.mp4")
    made["bilingual"] = _bilingual(root / "bilingual.mp4")
    return made


def _bilingual(target: Path) -> Path:
    """A clip with an English and a French audio track (two tones)."""
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x180:rate=30",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=660:sample_rate=44100",
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-map",
            "2:a",
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-metadata:s:a:0",
            "language=eng",
            "-metadata:s:a:1",
            "language=fra",
            str(target),
        ],
        check=True,
    )
    return target


def _rotated(source: Path, target: Path) -> Path:
    """The same clip flagged as shot in portrait (a 90° display matrix, as phones write)."""
    with av.open(str(source)) as src, av.open(str(target), "w") as dst:
        video = src.streams.video[0]
        out = dst.add_stream_from_template(video)
        out.set_display_rotation(90)
        for packet in src.demux(video):
            if packet.dts is not None:
                packet.stream = out
                dst.mux(packet)
    return target
