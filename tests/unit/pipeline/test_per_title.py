"""Per-title ladders: complexity to bitrates and CRFs, the samples, and measuring real clips."""

from __future__ import annotations

import itertools
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Literal

import pytest

from pipeline.complexity import measure_complexity, quantise, quantise_exponent, sample_frames
from pipeline.job import EncodePlan, EncodeRequest
from pipeline.ladder import (
    BITRATE_CAPS,
    PER_TITLE_CRF,
    PER_TITLE_FLOOR,
    SIZE_EXPONENT,
    VBV_RATIO,
    Ladder,
    Rung,
    per_title_bitrate,
    per_title_crf,
    per_title_ladder,
    plan_ladder,
    rung_cap,
)
from pipeline.planning import plan_job
from pipeline.probe import probe
from tests.support.media import make_clip
from tests.unit.pipeline.test_ladder import HD

# From a still slide (a few thousandths of a bit per pixel) to pure noise (about two).
COMPLEXITIES = [quantise(0.0005 * 1.3**k) for k in range(40)]
LADDERS = [
    plan_ladder(HD),
    plan_ladder(replace(HD, frame_rate=Fraction(60))),
    plan_ladder(replace(HD, width=1280, height=720, display_width=1280, display_height=720)),
    plan_ladder(replace(HD, display_width=1080, display_height=1920)),  # portrait
    plan_ladder(replace(HD, width=3840, height=2160, display_width=3840, display_height=2160)),
]


@pytest.mark.parametrize("exponent", [SIZE_EXPONENT, 0.0, 1.5])
@pytest.mark.parametrize("fixed", LADDERS, ids=lambda ladder: ladder.rungs[0].name)
def test_harder_content_never_gets_fewer_bits_and_caps_hold(fixed: Ladder, exponent: float) -> None:
    ladders = [per_title_ladder(fixed, c, exponent) for c in COMPLEXITIES]
    for easier, harder in itertools.pairwise(ladders):
        for a, b in zip(easier.rungs, harder.rungs, strict=True):
            assert b.bitrate >= a.bitrate and b.max_bitrate >= a.max_bitrate
    for ladder in ladders:
        for fixed_rung, rung in zip(fixed.rungs, ladder.rungs, strict=True):
            cap = BITRATE_CAPS[min(rung.width, rung.height)]
            assert rung_cap(rung) == cap
            assert int(fixed_rung.bitrate * PER_TITLE_FLOOR) <= rung.bitrate <= cap
            if rung.bitrate < cap:  # constant quality under a ceiling within the cap
                assert rung.crf == per_title_crf(fixed_rung, rung.bitrate)
                assert rung.bitrate < rung.max_bitrate <= cap
            else:  # too complex for constant quality: the cap as an average, the usual VBV
                assert rung.crf is None and rung.max_bitrate == cap * VBV_RATIO
            # Everything but the rate control is the fixed ladder's.
            assert replace(rung, bitrate=0, max_bitrate=0, crf=None) == replace(
                fixed_rung, bitrate=0, max_bitrate=0
            )
        assert (ladder.frame_rate, ladder.gop_frames) == (fixed.frame_rate, fixed.gop_frames)
    easiest, hardest = ladders[0], ladders[-1]
    assert all(r.bitrate < f.bitrate / 5 for r, f in zip(easiest.rungs, fixed.rungs, strict=True))
    assert all(r.bitrate == rung_cap(r) and r.crf is None for r in hardest.rungs)
    # The easiest content gets each size's CRF: 23 from 720p up, lower for the upscaled rungs.
    by_size = {2160: 23, 1440: 23, 1080: 23, 720: 23, 480: 22, 360: 21, 240: 20}
    assert [r.crf for r in easiest.rungs] == [by_size[min(r.width, r.height)] for r in fixed.rungs]


def _rung(side: int, bitrate: int) -> Rung:
    return Rung(f"{side}p", side * 16 // 9 // 2 * 2, side, bitrate, int(bitrate * VBV_RATIO), "3.1")


def test_smaller_rungs_get_a_lower_crf_unless_crf_23_would_outspend_the_fixed_ladder() -> None:
    # Easy content (CRF 23 spends a fraction of the fixed rate): by size, as players upscale.
    for side, crf in [(1080, 23), (720, 23), (540, 22), (480, 22), (360, 21), (240, 20), (144, 20)]:
        assert per_title_crf(_rung(side, 1_000_000), 100_000) == crf, side
    # Detailed content on a small rung: up to where CRF should spend about the fixed rate,
    # rounded towards more bits (x264 halves the bits about every six CRF steps).
    fixed = _rung(240, 245_000)
    assert per_title_crf(fixed, 245_000) == PER_TITLE_CRF
    assert per_title_crf(fixed, 274_000) == PER_TITLE_CRF  # 12 % over: not yet a step
    assert per_title_crf(fixed, 276_000) == PER_TITLE_CRF + 1
    assert per_title_crf(fixed, 2 * 245_000) == PER_TITLE_CRF + 6
    predictions = [int(245_000 * 1.03**k) for k in range(-40, 20)]
    crfs = [per_title_crf(fixed, p) for p in predictions]
    assert crfs == sorted(crfs) and crfs[0] == 20
    for prediction, crf in zip(predictions, crfs, strict=True):
        expected_spend = prediction * 2 ** (-(crf - PER_TITLE_CRF) / 6)
        assert expected_spend >= min(prediction * 2 ** (3 / 6), fixed.bitrate) * 0.999


def test_the_prediction_scales_with_frame_rate_and_picture_size() -> None:
    rung = plan_ladder(HD).rungs[1]  # 720p
    # Twice the frames per second, twice the bits (above the floor, under the cap).
    assert per_title_bitrate(0.03, rung, Fraction(60)) == pytest.approx(
        2 * per_title_bitrate(0.03, rung, Fraction(30)), abs=2
    )
    # A rung four times as large needs 4 ** 0.75 times the bits at the same quality.
    small, large = plan_ladder(HD).rungs[3], plan_ladder(HD).rungs[1]  # 360p, 720p
    ratio = per_title_bitrate(0.03, large, Fraction(30)) / per_title_bitrate(
        0.03, small, Fraction(30)
    )
    assert ratio == pytest.approx(4**0.75, rel=0.01)
    # With a measured exponent the sizes scale by it, and the reference size keeps its bits.
    ratio = per_title_bitrate(0.03, large, Fraction(30), 1.2) / per_title_bitrate(
        0.03, small, Fraction(30), 1.2
    )
    assert ratio == pytest.approx(4**1.2, rel=0.01)
    assert per_title_bitrate(0.03, small, Fraction(30), 1.2) == pytest.approx(
        per_title_bitrate(0.03, small, Fraction(30)), abs=2
    )


def test_complexity_is_rounded_to_eighths_of_an_octave() -> None:
    assert quantise(0.05) == quantise(0.0501) == quantise(0.0499)
    assert quantise(0.05) != quantise(0.06)
    for value in (0.001, 0.03, 0.5, 2.0):
        assert abs(quantise(value) / value - 1) < 0.045  # half a step, 2 ** (1/16)
        assert quantise(quantise(value)) == quantise(value)
    assert quantise(0.0) == 0.0
    assert quantise_exponent(0.7249) == 0.7 and quantise_exponent(0.726) == 0.75
    assert quantise_exponent(-0.3) == 0.0 and quantise_exponent(2.4) == 1.5


@pytest.mark.parametrize("frames", [1, 30, 59, 60, 61, 300, 1199, 1800, 18000, 90000])
def test_samples_are_whole_gops_inside_the_timeline_and_a_tenth_of_it(frames: int) -> None:
    spans = sample_frames(frames, 60)
    assert 1 <= len(spans) <= 3
    for start, end in spans:
        assert 0 <= start < end <= frames
        if frames > 60:
            assert start % 60 == 0 or end == frames
            assert end - start == 60
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))  # no overlap, in order
    if len(spans) > 1:
        assert sum(end - start for start, end in spans) <= 0.1 * frames
    if frames >= 1800:  # 60 s at 30 fps: three samples, spread out
        assert len(spans) == 3 and spans[0][0] < frames / 3 <= spans[1][0] < 2 * frames / 3
        assert spans[2][0] >= 2 * frames / 3 - 60


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A still slide, a moving test pattern and noise, 4 s at 320x180."""
    root = tmp_path_factory.mktemp("content")
    return {
        "slide": make_clip(root / "slide.mp4", seconds=4, audio=None, source="smptebars"),
        "pattern": make_clip(root / "pattern.mp4", seconds=4, audio=None),
        "noise": make_clip(
            root / "noise.mp4",
            seconds=4,
            audio=None,
            source="color",
            video_args=("-vf", "noise=alls=60:allf=t+u"),
        ),
    }


def test_measured_complexity_orders_real_content_and_repeats_exactly(
    content: dict[str, Path],
) -> None:
    measured = {}
    for name, path in content.items():
        source = probe(str(path))
        ladder = plan_ladder(source, preset="ultrafast")
        first = measure_complexity(source, ladder)
        again = measure_complexity(source, ladder)
        assert first.bits_per_pixel == again.bits_per_pixel == quantise(first.bits_per_pixel)
        assert first.sample_seconds == 2.0 and first.sample_starts == (0.0,)  # 4 s: one GOP
        assert first.cpu_seconds > 0
        assert first.size_exponent == SIZE_EXPONENT  # one rung (180p): one size measured
        measured[name] = first.bits_per_pixel
    assert measured["slide"] * 4 < measured["pattern"] < measured["noise"] / 4, measured


def test_the_size_exponent_is_measured_between_the_top_and_the_smallest_rung(
    content: dict[str, Path],
) -> None:
    exponents = {}
    for name, path in content.items():
        source = probe(str(path))
        ladder = plan_ladder(source, [180, 90], preset="ultrafast")
        first, again = measure_complexity(source, ladder), measure_complexity(source, ladder)
        assert first == replace(again, cpu_seconds=first.cpu_seconds)
        assert first.size_exponent == quantise_exponent(first.size_exponent)
        exponents[name] = first.size_exponent
    # A still slide costs its keyframes at any size; noise is averaged away by scaling down.
    assert exponents["slide"] < exponents["pattern"] < exponents["noise"], exponents


def test_the_plan_records_its_decision_and_keeps_its_job_id(
    content: dict[str, Path], tmp_path: Path
) -> None:
    def plan(name: str, quality: Literal["per-title", "fixed"]) -> EncodePlan:
        request = EncodeRequest(
            source_uri=str(content[name]), output_uri=f"file://{tmp_path}", quality=quality
        )
        return plan_job(request, preset="ultrafast")

    slide, again = plan("slide", "per-title"), plan("slide", "per-title")
    fixed, noise = plan("slide", "fixed"), plan("noise", "per-title")
    assert slide.job_id == again.job_id != fixed.job_id
    assert slide.ladder == again.ladder
    assert slide.decision is not None and fixed.decision is not None
    assert slide.decision.quality == "per-title" and slide.decision.complexity
    assert slide.decision.bitrates == {r.name: r.bitrate for r in slide.ladder.rungs}
    assert slide.decision.max_bitrates == {r.name: r.max_bitrate for r in slide.ladder.rungs}
    assert slide.decision.crfs == {r.name: r.crf for r in slide.ladder.rungs} == {"180p": 20}
    assert slide.decision.size_exponent == SIZE_EXPONENT
    assert noise.decision is not None and noise.decision.crfs == {}  # at the cap: no CRF
    assert fixed.decision.quality == "fixed" and fixed.decision.complexity is None
    assert fixed.decision.crfs == {} and fixed.decision.size_exponent is None
    assert fixed.ladder == plan_ladder(fixed.source, preset="ultrafast")
    for easy, hard, today in zip(
        slide.ladder.rungs, noise.ladder.rungs, fixed.ladder.rungs, strict=True
    ):
        assert easy.bitrate < today.bitrate <= hard.bitrate
