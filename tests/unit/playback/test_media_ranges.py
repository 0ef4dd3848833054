"""Byte ranges, content types and limited master playlists."""

from __future__ import annotations

import pytest

from apis.playback.media import UnsatisfiableRange, content_type, parse_range
from apis.playback.playlists import limit_master_playlist, variant_uris_above
from apis.playback.service import taller_rungs


@pytest.mark.parametrize(
    ("header", "window"),
    [
        (None, None),
        ("", None),
        ("bytes=0-99", (0, 100)),
        ("bytes=100-", (100, 1000)),
        ("bytes=-10", (990, 1000)),
        ("bytes=-5000", (0, 1000)),
        ("bytes=990-5000", (990, 1000)),
        ("bytes=0-0", (0, 1)),
        ("bytes=0-1,5-9", None),  # several ranges: served whole
        ("items=0-5", None),
        ("bytes=9-3", None),
        ("bytes=-", None),
        ("bytes=abc-", None),
    ],
)
def test_range_headers(header: str | None, window: tuple[int, int] | None) -> None:
    assert parse_range(header, 1000) == window


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_ranges_beyond_the_end_are_unsatisfiable(header: str) -> None:
    with pytest.raises(UnsatisfiableRange):
        parse_range(header, 1000)


def test_an_empty_object_has_no_suffix_range() -> None:
    with pytest.raises(UnsatisfiableRange):
        parse_range("bytes=-10", 0)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("a/master.m3u8", "application/vnd.apple.mpegurl"),
        ("a/v720/init.mp4", "video/mp4"),
        ("a/v720/seg_00001.m4s", "video/iso.segment"),
        ("a/v720/seg_00001.ts", "video/mp2t"),
        ("a/poster.JPG", "image/jpeg"),
        ("a/thumbs/sprite_0.png", "image/png"),
        ("a/thumbnails.vtt", "text/vtt; charset=utf-8"),
        ("a/readme", "application/octet-stream"),
    ],
)
def test_content_types(key: str, expected: str) -> None:
    assert content_type(key) == expected


MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="en",DEFAULT=YES,URI="audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aud"
v360/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aud"
v720/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080,CODECS="avc1.640028,mp4a.40.2",AUDIO="aud"
v1080/index.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,RESOLUTION=1920x1080,URI="v1080/iframes.m3u8"
"""


def test_a_master_playlist_loses_the_rungs_above_the_limit() -> None:
    limited = limit_master_playlist(MASTER, 720)
    assert "v360/index.m3u8" in limited and "v720/index.m3u8" in limited
    assert "1080" not in limited
    assert "audio/index.m3u8" in limited
    assert limited.count("#EXT-X-STREAM-INF") == 2
    assert variant_uris_above(MASTER, 720) == {"v1080/index.m3u8"}
    assert limit_master_playlist(MASTER, 2160).splitlines() == MASTER.splitlines()


def test_a_limit_below_every_rung_keeps_the_smallest() -> None:
    limited = limit_master_playlist(MASTER, 240)
    assert limited.count("#EXT-X-STREAM-INF") == 1 and "v360/index.m3u8" in limited


@pytest.mark.parametrize(
    ("max_height", "closed"),
    [(None, ()), (2160, ()), (720, ("v1080/",)), (360, ("v1080/", "v720/")),
     (240, ("v1080/", "v720/"))],
)  # fmt: skip
def test_the_rungs_a_height_limit_closes(max_height: int | None, closed: tuple[str, ...]) -> None:
    renditions = [
        {"height": 360, "playlist": "v360/index.m3u8"},
        {"height": 720, "playlist": "v720/index.m3u8"},
        {"height": 1080, "playlist": "v1080/index.m3u8"},
        {"height": None, "playlist": "odd/index.m3u8"},
        {"height": 2160, "playlist": "../escape/index.m3u8"},
    ]
    assert taller_rungs(renditions, max_height) == closed
    assert taller_rungs([], 360) == ()
    assert taller_rungs([{"height": 720, "playlist": "top.m3u8"}, {"height": 360}], 480) == (
        "top.m3u8",
    )
