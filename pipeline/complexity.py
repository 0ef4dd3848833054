"""How hard a master is to compress, measured on a few short constant-quality trial encodes.

Per-title ladders start here. One to three samples of one GOP each (2 s), spread over the
timeline and together about a tenth of it, are decoded exactly as a chunk decodes them, scaled
to the ladder's top rung and encoded with the ladder's own preset and GOP at the per-title
constant quality (CRF 23). The bits x264 needed per pixel is the master's complexity: a slide
needs almost none, film grain or noise a lot. The top rung is measured because it holds the
master's finest detail, which smaller pictures lose: measured smaller, a detailed master looks
simpler than it is. The number is rounded to an eighth of an octave so that the same master
always gives the same ladder, and so the same job id, even across small encoder differences.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av
from av.video.frame import PictureType
from av.video.reformatter import Interpolation, VideoReformatter

from pipeline.frames import output_frames
from pipeline.ladder import PER_TITLE_CRF, REFERENCE_PIXELS, SIZE_EXPONENT, Ladder
from pipeline.probe import SourceInfo
from pipeline.sources import open_media

MAX_SAMPLES = 3
SAMPLE_GOPS = 1  # one whole GOP: the trial pays for its keyframe as every segment does
SAMPLED_SHARE = 0.10  # of the timeline, at most (but always one sample)
STEPS_PER_OCTAVE = 8


@dataclass(frozen=True)
class Complexity:
    """The measurement: quantised bits per pixel of the trial encodes, and what it cost."""

    bits_per_pixel: float  # at CRF 23 and REFERENCE_PIXELS (see pipeline.ladder), rounded
    sample_starts: tuple[float, ...]  # seconds into the master
    sample_seconds: float  # of video, all samples together
    cpu_seconds: float  # decode, scaling and trial encodes: this process's CPU time meanwhile


def sample_frames(total_frames: int, gop_frames: int) -> list[tuple[int, int]]:
    """``[start, end)`` output frames of each sample, centred in equal parts of the timeline.

    As many one-GOP samples as fit in a tenth of the timeline, from one to three; a master
    shorter than one GOP is sampled whole.
    """
    length = gop_frames * SAMPLE_GOPS
    if total_frames <= length:
        return [(0, total_frames)]
    count = max(1, min(MAX_SAMPLES, int(total_frames * SAMPLED_SHARE) // length))
    spans = []
    for i in range(count):
        centre = (2 * i + 1) * total_frames // (2 * count)
        # On a GOP boundary, where a chunk would start too.
        start = round((centre - length // 2) / gop_frames) * gop_frames
        start = max(0, min(total_frames - length, start))
        spans.append((start, start + length))
    return spans


def quantise(bits_per_pixel: float) -> float:
    """Round to the nearest eighth of an octave (9 % steps), with 6 significant digits."""
    if bits_per_pixel <= 0:
        return 0.0
    step = round(math.log2(bits_per_pixel) * STEPS_PER_OCTAVE)
    return float(f"{2.0 ** (step / STEPS_PER_OCTAVE):.6g}")


def measure_complexity(
    source: SourceInfo, ladder: Ladder, storage_options: dict[str, Any] | None = None
) -> Complexity:
    """Encode the samples of ``source`` at constant quality and return their bits per pixel."""
    started = time.process_time()
    top = ladder.rungs[0]
    width, height = top.width, top.height
    spans = sample_frames(source.estimated_frames, ladder.gop_frames)
    bits = 0
    frames = 0
    for start, end in spans:
        # A container per sample, as a chunk opens its own: a decoder once opened keeps its
        # threading, and each sample is decoded like the start of a chunk.
        with open_media(source.uri, storage_options or {}) as container:
            sample_bits, sample_count = _trial_encode(
                container, source, ladder, start, end, width, height
            )
        bits += sample_bits
        frames += sample_count
    # Brought from the top rung's size to the reference size the way per_title_bitrate
    # scales between sizes, so that the prediction for the top rung is what the trial used.
    pixels = width * height
    measured = bits / max(1, frames * pixels) * (pixels / REFERENCE_PIXELS) ** (1 - SIZE_EXPONENT)
    return Complexity(
        bits_per_pixel=quantise(measured),
        sample_starts=tuple(round(float(start / ladder.frame_rate), 3) for start, _ in spans),
        sample_seconds=round(float(Fraction(frames) / ladder.frame_rate), 3),
        cpu_seconds=round(time.process_time() - started, 3),
    )


def _trial_encode(
    container: av.container.InputContainer,
    source: SourceInfo,
    ladder: Ladder,
    start: int,
    end: int,
    width: int,
    height: int,
) -> tuple[int, int]:
    encoder = av.CodecContext.create("libx264", "w")
    assert isinstance(encoder, av.VideoCodecContext)
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.time_base = 1 / ladder.frame_rate
    encoder.framerate = ladder.frame_rate
    encoder.thread_count = 1
    gop = ladder.gop_frames
    encoder.options = {
        "preset": ladder.preset,
        "crf": str(PER_TITLE_CRF),
        # The ladder's GOP and threading: a multi-threaded x264 would not give the same bits.
        "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:open-gop=0"
        ":threads=1:lookahead-threads=1",
    }
    scaler = VideoReformatter()
    bits = 0
    count = 0
    for n, frame in output_frames(
        container,
        source,
        ladder.frame_rate,
        start,
        end,
        deinterlace=ladder.deinterlace,
        rotation=ladder.rotation,
    ):
        picture = scaler.reformat(
            frame, width=width, height=height, format="yuv420p", interpolation=Interpolation.BICUBIC
        )
        picture.pts = n - start
        picture.pict_type = PictureType.NONE
        bits += sum(packet.size * 8 for packet in encoder.encode(picture))
        count += 1
    bits += sum(packet.size * 8 for packet in encoder.encode(None))
    return bits, count
