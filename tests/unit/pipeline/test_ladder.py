"""Choosing the ladder from what the master is."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from pipeline.errors import InvalidLadder
from pipeline.ladder import BITRATE_CAPS, output_frame_rate, plan_ladder
from pipeline.probe import SourceInfo

HD = SourceInfo(
    uri="file:///master.mp4",
    duration=60.0,
    start_time=0.0,
    video_stream_index=0,
    width=1920,
    height=1080,
    display_width=1920,
    display_height=1080,
    frame_rate=Fraction(30),
    variable_frame_rate=False,
    rotation=0,
    pixel_format="yuv420p",
    bit_depth=8,
    interlaced=False,
    video_codec="h264",
)


def test_a_1080p_master_gets_the_standard_ladder_without_upscaling() -> None:
    ladder = plan_ladder(HD)
    assert [(r.name, r.width, r.height) for r in ladder.rungs] == [
        ("1080p", 1920, 1080),
        ("720p", 1280, 720),
        ("480p", 854, 480),
        ("360p", 640, 360),
        ("240p", 426, 240),
    ]
    assert all(r.bitrate <= BITRATE_CAPS[r.height] for r in ladder.rungs)
    assert ladder.rungs[0].bitrate == 1920 * 1080 * 30 * 0.08  # bits per pixel, under the cap
    fast = plan_ladder(replace(HD, frame_rate=Fraction(60)))
    assert fast.rungs[0].bitrate == BITRATE_CAPS[1080]  # twice the pixels per second: capped
    assert ladder.rungs[-1].bitrate < ladder.rungs[0].bitrate
    assert (ladder.gop_frames, ladder.segment_frames, ladder.segment_seconds) == (60, 120, 4.0)


def test_a_4k_master_also_gets_1440p_and_2160p() -> None:
    uhd = replace(HD, width=3840, height=2160, display_width=3840, display_height=2160)
    assert [r.height for r in plan_ladder(uhd).rungs][:3] == [2160, 1440, 1080]


def test_a_small_master_is_never_upscaled() -> None:
    small = replace(HD, width=640, height=360, display_width=640, display_height=360)
    assert [r.name for r in plan_ladder(small).rungs] == ["360p", "240p"]
    tiny = replace(HD, width=160, height=90, display_width=160, display_height=90)
    assert [(r.width, r.height) for r in plan_ladder(tiny).rungs] == [(160, 90)]


def test_requested_rungs_above_the_master_are_refused_with_a_reason() -> None:
    small = replace(HD, width=640, height=360, display_width=640, display_height=360)
    assert [r.height for r in plan_ladder(small, [720, 360]).rungs] == [360]
    with pytest.raises(InvalidLadder, match="never upscales"):
        plan_ladder(small, [1080, 720])
    with pytest.raises(InvalidLadder, match="between 16 and 4320"):
        plan_ladder(HD, [0, -5, 100000])


def test_dimensions_are_even_and_keep_the_picture_shape() -> None:
    odd = replace(HD, width=1000, height=563, display_width=1000, display_height=563)
    for rung in plan_ladder(odd).rungs:
        assert rung.width % 2 == 0 and rung.height % 2 == 0
        assert abs(rung.width / rung.height - 1000 / 563) < 0.02


def test_a_portrait_master_keeps_its_orientation() -> None:
    phone = replace(HD, rotation=90, display_width=1080, display_height=1920)
    ladder = plan_ladder(phone)
    assert (ladder.rungs[0].width, ladder.rungs[0].height) == (1080, 1920)
    assert (ladder.rungs[1].width, ladder.rungs[1].height) == (720, 1280)
    assert ladder.rotation == 90


@pytest.mark.parametrize(
    ("source", "expected", "gop"),
    [
        (Fraction(30000, 1001), Fraction(30000, 1001), 60),
        (Fraction(24000, 1001), Fraction(24000, 1001), 48),
        (Fraction(25), Fraction(25), 50),
        (Fraction(60), Fraction(60), 120),
        (Fraction(120), Fraction(60), 120),
        (Fraction(100), Fraction(50), 100),
    ],
)
def test_frame_rate_is_kept_up_to_60_and_gop_is_two_seconds(
    source: Fraction, expected: Fraction, gop: int
) -> None:
    assert output_frame_rate(source) == expected
    assert plan_ladder(replace(HD, frame_rate=source)).gop_frames == gop


def test_a_variable_rate_master_gets_the_nearest_standard_rate() -> None:
    phone = replace(HD, frame_rate=Fraction(2935, 100), variable_frame_rate=True)
    assert plan_ladder(phone).frame_rate == Fraction(30000, 1001)


def test_interlaced_masters_are_deinterlaced() -> None:
    assert plan_ladder(replace(HD, interlaced=True)).deinterlace
    assert not plan_ladder(HD).deinterlace


def test_level_follows_size_and_frame_rate() -> None:
    levels = {r.name: r.level for r in plan_ladder(HD).rungs}
    assert levels == {"1080p": "4.0", "720p": "3.1", "480p": "3.1", "360p": "3.0", "240p": "3.0"}
    assert plan_ladder(replace(HD, frame_rate=Fraction(60))).rungs[0].level == "4.2"
