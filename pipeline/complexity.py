"""How hard a master is to compress, measured on a few short constant-quality trial encodes.

Per-title ladders start here. One to three samples of one GOP each (2 s), spread over the
timeline and together about a tenth of it, are decoded exactly as a chunk decodes them, scaled
to the ladder's top and smallest rungs and encoded with the ladder's own preset and GOP at the
trial's constant quality (CRF 23). The bits x264 needed per pixel is the master's complexity: a
slide needs almost none, film grain or noise a lot. The top rung is measured because it holds
the master's finest detail, which smaller pictures lose: measured smaller, a detailed master
looks simpler than it is. The smallest rung is measured because how the bits shrink with the
picture depends on the content (about as pixels ** 0.75 for natural video, almost linearly for
a sharp synthetic pattern, hardly at all for a slide whose bits are its keyframes), and the
ladder's per-rung decisions need each rung's cost, not only the top's. Both numbers are rounded
(an eighth of an octave, a twentieth of the exponent) so that the same master always gives the
same ladder, and so the same job id, even across small encoder differences.
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
from pipeline.ladder import PER_TITLE_CRF, REFERENCE_PIXELS, SIZE_EXPONENT, Ladder, Rung
from pipeline.probe import SourceInfo
from pipeline.sources import open_media

MAX_SAMPLES = 3
SAMPLE_GOPS = 1  # one whole GOP: the trial pays for its keyframe as every segment does
SAMPLED_SHARE = 0.10  # of the timeline, at most (but always one sample)
STEPS_PER_OCTAVE = 8
EXPONENT_STEP = 0.05
# Measured: about 0.1 for a slide (its bits are its keyframes), 0.4-0.7 for cartoons and
# natural video, 1.2 for a sharp synthetic pattern, more for noise (scaling down averages it
# away). Bounded so that a smaller rung is never predicted dearer than the top, nor so cheap
# that a master too complex for constant quality escapes the caps on its small rungs.
MIN_EXPONENT, MAX_EXPONENT = 0.0, 1.5


@dataclass(frozen=True)
class Complexity:
    """The measurement: quantised bits per pixel of the trial encodes, and what it cost."""

    bits_per_pixel: float  # at CRF 23 and REFERENCE_PIXELS (see pipeline.ladder), rounded
    # How the bits at CRF 23 grow with the picture: bits ~ pixels ** size_exponent, measured
    # between the top and the smallest rung (SIZE_EXPONENT for a ladder of one rung), rounded.
    size_exponent: float
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


def quantise_exponent(exponent: float) -> float:
    """Round to a twentieth, within ``MIN_EXPONENT`` … ``MAX_EXPONENT``."""
    clamped = min(MAX_EXPONENT, max(MIN_EXPONENT, exponent))
    return round(round(clamped / EXPONENT_STEP) * EXPONENT_STEP, 2)


def measure_complexity(
    source: SourceInfo, ladder: Ladder, storage_options: dict[str, Any] | None = None
) -> Complexity:
    """Encode the samples of ``source`` at constant quality and return their bits per pixel."""
    started = time.process_time()
    top, smallest = ladder.rungs[0], ladder.rungs[-1]
    sizes = [top, smallest] if len(ladder.rungs) > 1 else [top]
    spans = sample_frames(source.estimated_frames, ladder.gop_frames)
    bits = [0] * len(sizes)
    frames = 0
    for start, end in spans:
        # A container per sample, as a chunk opens its own: a decoder once opened keeps its
        # threading, and each sample is decoded like the start of a chunk.
        with open_media(source.uri, storage_options or {}) as container:
            sample_bits, sample_count = _trial_encode(container, source, ladder, start, end, sizes)
        bits = [total + more for total, more in zip(bits, sample_bits, strict=True)]
        frames += sample_count
    pixels = [rung.width * rung.height for rung in sizes]
    exponent = SIZE_EXPONENT
    if len(sizes) == 2 and min(bits) > 0 and pixels[0] != pixels[1]:
        exponent = math.log(bits[0] / bits[1]) / math.log(pixels[0] / pixels[1])
    exponent = quantise_exponent(exponent)
    # Brought from the top rung's size to the reference size along the measured exponent, the
    # way per_title_bitrate scales between sizes, so that the prediction for the top rung is
    # what the trial spent there.
    measured = (
        bits[0] / max(1, frames * pixels[0]) * (pixels[0] / REFERENCE_PIXELS) ** (1 - exponent)
    )
    return Complexity(
        bits_per_pixel=quantise(measured),
        size_exponent=exponent,
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
    sizes: list[Rung],
) -> tuple[list[int], int]:
    """Bits of frames ``[start, end)`` at CRF 23 at each rung's size, and how many frames."""
    encoders = [_trial_encoder(ladder, rung) for rung in sizes]
    scalers = [VideoReformatter() for _ in sizes]
    bits = [0] * len(sizes)
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
        for i, (encoder, scaler, rung) in enumerate(zip(encoders, scalers, sizes, strict=True)):
            picture = scaler.reformat(
                frame,
                width=rung.width,
                height=rung.height,
                format="yuv420p",
                interpolation=Interpolation.BICUBIC,
            )
            picture.pts = n - start
            # The encoder's time base, as the rung encoders set it: a picture keeps the
            # decoder's (1/12800 for an MP4), and x264 then sees timestamps that make it spend
            # about 40 % fewer bits than the same frames cost in a rung.
            picture.time_base = encoder.time_base
            picture.pict_type = PictureType.NONE
            bits[i] += sum(packet.size * 8 for packet in encoder.encode(picture))
        count += 1
    for i, encoder in enumerate(encoders):
        bits[i] += sum(packet.size * 8 for packet in encoder.encode(None))
    return bits, count


def _trial_encoder(ladder: Ladder, rung: Rung) -> av.VideoCodecContext:
    encoder = av.CodecContext.create("libx264", "w")
    assert isinstance(encoder, av.VideoCodecContext)
    encoder.width, encoder.height, encoder.pix_fmt = rung.width, rung.height, "yuv420p"
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
    return encoder
