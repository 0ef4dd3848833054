"""Per-title ladders: complexity to bitrates, the samples, and measuring real clips."""

from __future__ import annotations

import itertools
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Literal

import pytest

from pipeline.complexity import measure_complexity, quantise, sample_frames
from pipeline.job import EncodePlan, EncodeRequest
from pipeline.ladder import (
    BITRATE_CAPS,
    PER_TITLE_CRF,
    PER_TITLE_FLOOR,
    VBV_RATIO,
    Ladder,
    per_title_bitrate,
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


@pytest.mark.parametrize("fixed", LADDERS, ids=lambda ladder: ladder.rungs[0].name)
def test_harder_content_never_gets_fewer_bits_and_caps_hold(fixed: Ladder) -> None:
    ladders = [per_title_ladder(fixed, c) for c in COMPLEXITIES]
    for easier, harder in itertools.pairwise(ladders):
        for a, b in zip(easier.rungs, harder.rungs, strict=True):
            assert b.bitrate >= a.bitrate and b.max_bitrate >= a.max_bitrate
    for ladder in ladders:
        for fixed_rung, rung in zip(fixed.rungs, ladder.rungs, strict=True):
            cap = BITRATE_CAPS[min(rung.width, rung.height)]
            assert rung_cap(rung) == cap
            assert int(fixed_rung.bitrate * PER_TITLE_FLOOR) <= rung.bitrate <= cap
            if rung.bitrate < cap:  # constant quality under a ceiling within the cap
                assert rung.crf == PER_TITLE_CRF
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
    assert all(r.crf == PER_TITLE_CRF for r in easiest.rungs)


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


def test_complexity_is_rounded_to_eighths_of_an_octave() -> None:
    assert quantise(0.05) == quantise(0.0501) == quantise(0.0499)
    assert quantise(0.05) != quantise(0.06)
    for value in (0.001, 0.03, 0.5, 2.0):
        assert abs(quantise(value) / value - 1) < 0.045  # half a step, 2 ** (1/16)
        assert quantise(quantise(value)) == quantise(value)
    assert quantise(0.0) == 0.0


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
        measured[name] = first.bits_per_pixel
    assert measured["slide"] * 4 < measured["pattern"] < measured["noise"] / 4, measured


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
    assert fixed.decision.quality == "fixed" and fixed.decision.complexity is None
    assert fixed.ladder == plan_ladder(fixed.source, preset="ultrafast")
    for easy, hard, today in zip(
        slide.ladder.rungs, noise.ladder.rungs, fixed.ladder.rungs, strict=True
    ):
        assert easy.bitrate < today.bitrate <= hard.bitrate
