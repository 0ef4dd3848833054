"""The ladder: which H.264 renditions to make from a master, and how to encode them.

Rungs are named by their short side (``720p`` is 1280x720, or 720x1280 for a portrait master)
and never exceed the master. The fixed ladder's bitrates come from bits per pixel, capped per
rung; a per-title ladder's come from the master's measured complexity (``per_title_ladder``),
under the same caps. Every rung shares one frame rate and one GOP so segment boundaries line up
across the ladder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

from pipeline.errors import InvalidLadder
from pipeline.probe import SourceInfo

STANDARD_HEIGHTS = (2160, 1440, 1080, 720, 480, 360, 240)
DEFAULT_HEIGHTS = (1080, 720, 480, 360, 240)  # plus 1440 and 2160 for masters that large
BITS_PER_PIXEL = 0.08
BITRATE_CAPS = {
    2160: 16_000_000,
    1440: 9_000_000,
    1080: 5_000_000,
    720: 3_000_000,
    480: 1_400_000,
    360: 800_000,
    240: 400_000,
}
SMALLEST_BITRATE = 200_000
MAX_FRAME_RATE = 60
GOP_SECONDS = 2
SEGMENT_GOPS = 2  # 4 s segments: two closed GOPs, the segment starting on an IDR
DEFAULT_PRESET = "veryfast"
AUDIO_BITRATE = 128_000
AUDIO_SAMPLE_RATE = 48_000
VBV_RATIO = 1.5  # the VBV ceiling over the target: room for hard scenes, bounded peaks

# Per-title: every rung is encoded at constant quality under a VBV ceiling set from what the
# trial encodes (pipeline.complexity) predict for the rung at their CRF: the trial's bits per
# pixel, scaled from the measured sizes to the rung's by the measured size exponent (bits grow
# more slowly than pixels at a constant quality: about as pixels ** 0.75 for natural video).
PER_TITLE_CRF = 23  # the trial encodes' constant quality, and the 720p-and-larger rungs'
REFERENCE_PIXELS = 640 * 360  # complexity is quoted per pixel of a picture this size
SIZE_EXPONENT = 0.75  # when only one size was measured (a ladder of one rung)
PER_TITLE_FLOOR = 0.10  # of the fixed rung's rate: the ceiling of the easiest content
# The VBV ceiling over the prediction: a few seconds of samples can miss the title's hardest
# scenes, and constant quality should reach them; the rung's cap still bounds the ceiling.
PER_TITLE_HEADROOM = 3.0
# Each rung's CRF (per_title_crf). Rungs smaller than 720p are watched upscaled by the player,
# which magnifies their coding errors, and the fixed ladder gives them as many bits per pixel as
# its top rung: on flat or sharp synthetic pictures far more than CRF 23 spends there, so that
# the fixed ladder's small rungs are 0.6-2.1 dB better than CRF 23's. Hence two CRF steps lower
# per octave of upscaling to 720p, at most three (480p: 22, 360p: 21, 240p: 20), calibrated on
# the per-title benchmark: one step less at 360p misses the quality floor on the slow pan.
WATCHED_AT = 720
CRF_STEPS_PER_UPSCALE_OCTAVE = 2
MAX_CRF_STEPS_DOWN = 3
# x264 at a constant quality: the bits halve about every six CRF steps.
CRF_STEPS_PER_RATE_OCTAVE = 6


@dataclass(frozen=True)
class Rung:
    """One video rendition."""

    name: str  # "720p"
    width: int
    height: int
    bitrate: int  # target, bits per second
    max_bitrate: int  # VBV ceiling
    level: str  # H.264 level, e.g. "3.1"
    # Per-title: x264's constant quality under the VBV ceiling (``bitrate`` is then what the
    # trial encodes predict at CRF 23); None: average bitrate ``bitrate`` (the fixed ladder).
    crf: int | None = None

    @property
    def codecs(self) -> str:
        """The RFC 6381 codec string of High profile at this rung's level (before encoding)."""
        major, minor = self.level.split(".")
        return f"avc1.6400{int(major) * 10 + int(minor):02x}"


@dataclass(frozen=True)
class Ladder:
    """Every rung plus what they share: frame rate, GOP and segment length, filters."""

    rungs: tuple[Rung, ...]
    frame_rate: Fraction
    gop_frames: int
    segment_frames: int
    preset: str
    deinterlace: bool
    rotation: int

    @property
    def segment_seconds(self) -> float:
        return float(self.segment_frames / self.frame_rate)


STANDARD_RATES = tuple(
    Fraction(r) for r in ("24000/1001", "24", "25", "30000/1001", "30", "50", "60000/1001", "60")
)


def output_frame_rate(source: Fraction, *, variable: bool = False) -> Fraction:
    """The master's frame rate, halved until it is at most 60 (120 → 60, 100 → 50).

    A variable-rate master (phones) comes out at the standard rate nearest its average.
    """
    rate = source
    if variable:
        rate = min(STANDARD_RATES, key=lambda standard: abs(standard - source))
    while rate > MAX_FRAME_RATE + Fraction(1, 100):
        rate /= 2
    return rate


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _level(width: int, height: int, rate: Fraction) -> str:
    macroblocks_per_second = ((width + 15) // 16) * ((height + 15) // 16) * float(rate)
    for level, limit in (
        ("3.0", 40_500),
        ("3.1", 108_000),
        ("3.2", 216_000),
        ("4.0", 245_760),
        ("4.2", 522_240),
        ("5.0", 589_824),
        ("5.1", 983_040),
        ("5.2", 2_073_600),
    ):
        if macroblocks_per_second <= limit:
            return level
    return "6.0"


def plan_ladder(
    source: SourceInfo, heights: list[int] | None = None, *, preset: str = DEFAULT_PRESET
) -> Ladder:
    """Choose the rungs for ``source``: the requested (or standard) sizes that do not upscale."""
    short_side = min(source.display_width, source.display_height)
    portrait = source.display_height > source.display_width
    if heights:
        bad = [h for h in heights if h < 16 or h > 4320]
        if bad:
            raise InvalidLadder(f"rung heights must be between 16 and 4320, got {bad}")
        wanted = sorted(set(heights), reverse=True)
    else:
        wanted = [h for h in STANDARD_HEIGHTS if h in DEFAULT_HEIGHTS or short_side >= h]
    chosen = [h for h in wanted if h <= short_side]
    if not chosen:
        if heights:
            raise InvalidLadder(
                f"every requested rung {wanted} is larger than the master ({short_side}p); "
                "Codeflix never upscales"
            )
        chosen = [short_side]  # a tiny master still gets one rung at its own size
    rate = output_frame_rate(source.frame_rate, variable=source.variable_frame_rate)
    rungs = []
    for side in chosen:
        scale = side / short_side
        w, h = (_even(source.display_width * scale), _even(source.display_height * scale))
        if portrait:
            w = _even(side)
        else:
            h = _even(side)
        cap = BITRATE_CAPS.get(side) or _nearest_cap(side)
        bitrate = max(SMALLEST_BITRATE, min(cap, int(w * h * float(rate) * BITS_PER_PIXEL)))
        rungs.append(Rung(f"{side}p", w, h, bitrate, int(bitrate * VBV_RATIO), _level(w, h, rate)))
    gop = max(1, round(GOP_SECONDS * rate))
    return Ladder(
        rungs=tuple(rungs),
        frame_rate=rate,
        gop_frames=gop,
        segment_frames=gop * SEGMENT_GOPS,
        preset=preset,
        deinterlace=source.interlaced,
        rotation=source.rotation,
    )


def _nearest_cap(side: int) -> int:
    above = [h for h in BITRATE_CAPS if h >= side]
    return BITRATE_CAPS[min(above)] if above else BITRATE_CAPS[max(BITRATE_CAPS)]


def rung_cap(rung: Rung) -> int:
    """The highest target bitrate a rung of this size may have, in any mode."""
    side = min(rung.width, rung.height)
    return BITRATE_CAPS.get(side) or _nearest_cap(side)


def per_title_bitrate(
    bits_per_pixel: float,
    rung: Rung,
    frame_rate: Fraction,
    size_exponent: float = SIZE_EXPONENT,
) -> int:
    """The target bitrate of ``rung`` (as the fixed ladder made it) for a master of this complexity.

    ``bits_per_pixel`` is the trial encodes' measurement at ``REFERENCE_PIXELS`` and CRF 23,
    ``size_exponent`` how their bits grew with the picture. The result never falls below a
    tenth of the fixed rate nor rises above the rung's cap, and it never decreases as the
    complexity grows.
    """
    pixels = rung.width * rung.height
    per_frame = bits_per_pixel * REFERENCE_PIXELS ** (1 - size_exponent) * pixels**size_exponent
    wanted = int(per_frame * float(frame_rate))
    floor = int(rung.bitrate * PER_TITLE_FLOOR)
    return max(floor, min(rung_cap(rung), wanted))


def per_title_crf(rung: Rung, prediction: int) -> int:
    """The constant quality of ``rung`` (as the fixed ladder made it) when CRF 23 should spend
    ``prediction`` bits per second on it: of two rules, the one that spends less.

    1. By size: CRF 23 for rungs of 720p and larger, lower for the smaller rungs that players
       upscale (``CRF_STEPS_PER_UPSCALE_OCTAVE``). This keeps the small rungs of easy content
       near the fixed ladder's quality.
    2. At most about the fixed ladder's rate: where CRF 23 would spend more than the fixed
       rung's bitrate (detailed content on small rungs, where 0.08 bit per pixel is thin), the
       CRF rises to where it should spend that rate, rounded towards more bits. At equal bits
       constant quality places them better than the fixed ladder's average bitrate, so such a
       rung keeps about the fixed ladder's quality (in the benchmark from 0.1 dB under it to
       2.4 dB over) without costing much more than it.
    """
    side = min(rung.width, rung.height)
    upscale_octaves = max(0.0, math.log2(WATCHED_AT / side))
    steps_down = min(MAX_CRF_STEPS_DOWN, round(CRF_STEPS_PER_UPSCALE_OCTAVE * upscale_octaves))
    by_size = PER_TITLE_CRF - steps_down
    overspend_octaves = math.log2(prediction / rung.bitrate)
    at_fixed_rate = PER_TITLE_CRF + math.floor(CRF_STEPS_PER_RATE_OCTAVE * overspend_octaves)
    return max(by_size, at_fixed_rate)


def per_title_ladder(
    ladder: Ladder, bits_per_pixel: float, size_exponent: float = SIZE_EXPONENT
) -> Ladder:
    """``ladder`` (as the fixed ladder made it) with its rate control set from complexity.

    A rung whose prediction (``per_title_bitrate``) is under its cap is encoded at constant
    quality (``per_title_crf``) under a VBV ceiling of three times the prediction (never above
    the cap): a simple master gets what constant quality needs, far below the fixed ladder's
    rate. A rung whose prediction reaches the cap cannot afford constant quality; it gets the
    cap as an average bitrate, with the fixed ladder's VBV, so a complex master is not starved
    at the fixed ladder's bits per pixel and every chunk of it spends the same.
    """
    rungs = []
    for rung in ladder.rungs:
        bitrate = per_title_bitrate(bits_per_pixel, rung, ladder.frame_rate, size_exponent)
        cap = rung_cap(rung)
        if bitrate >= cap:
            rungs.append(replace(rung, bitrate=cap, max_bitrate=int(cap * VBV_RATIO), crf=None))
            continue
        ceiling = min(cap, int(bitrate * PER_TITLE_HEADROOM))
        crf = per_title_crf(rung, bitrate)
        rungs.append(replace(rung, bitrate=bitrate, max_bitrate=ceiling, crf=crf))
    return replace(ladder, rungs=tuple(rungs))
