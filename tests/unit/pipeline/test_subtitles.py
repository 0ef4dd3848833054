"""Subtitle renditions: cues cut on the video's segment boundaries, the master rewritten."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from pipeline.subtitles import (
    Cue,
    SubtitleEntry,
    parse_cues,
    segment_cues,
    segment_durations,
    subtitle_playlist,
    with_subtitles,
)

MASTER = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="a0",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/a0/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="audio"
video/360p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=256x144,CODECS="avc1.64000c,mp4a.40.2",AUDIO="audio"
video/144p/index.m3u8
"""
_TIMING = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})", re.M)


def stamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def seconds_of(text: str) -> float:
    h, m, s = text.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def vtt(cues: list[tuple[float, float, str]]) -> str:
    blocks = [f"{stamp(a)} --> {stamp(b)}\n{text}" for a, b, text in cues]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def test_the_durations_come_from_the_media_playlist() -> None:
    playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.000000,\nseg_00000.ts\n"
    playlist += "#EXTINF:1.320000,\nseg_00001.ts\n#EXT-X-ENDLIST\n"
    assert segment_durations(playlist) == [4.0, 1.32]


def test_a_cue_over_a_boundary_is_in_both_segments_with_its_own_times() -> None:
    cues = parse_cues(vtt([(1, 2, "first"), (3.5, 4.5, "across"), (9, 12, "late")]))
    one, two, three = segment_cues(cues, [4, 4, 1], mpegts=126_000)
    for document in (one, two, three):
        assert document.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n")
    assert "first" in one and "across" in one and "late" not in one
    assert "00:00:03.500 --> 00:00:04.500\nacross" in two and "first" not in two
    assert "late" in three  # after the video's end: kept by the last segment


def test_cue_identifiers_settings_and_markup_survive() -> None:
    text = "WEBVTT\n\nintro\n00:00:01.000 --> 00:00:02.000 line:90% align:start\n<i>Hi</i>\n"
    (document,) = segment_cues(parse_cues(text), [4], mpegts=0)
    assert "intro\n00:00:01.000 --> 00:00:02.000 line:90% align:start\n<i>Hi</i>\n" in document


cue_strategy = st.tuples(st.floats(0, 60, allow_nan=False), st.floats(0, 10, allow_nan=False)).map(
    lambda c: (round(c[0], 3), round(c[0] + c[1], 3))
)


@given(
    cues=st.lists(cue_strategy, max_size=30),
    durations=st.lists(st.floats(0.5, 8, allow_nan=False).map(lambda d: round(d, 3)),
                       min_size=1, max_size=15),
)  # fmt: skip
def test_every_cue_is_in_each_segment_it_overlaps_in_time_order(
    cues: list[tuple[float, float]], durations: list[float]
) -> None:
    source = [(a, b, f"cue {i}") for i, (a, b) in enumerate(cues)]
    documents = segment_cues(parse_cues(vtt(source)), durations, mpegts=900_000)
    assert len(documents) == len(durations)
    starts = [sum(durations[:i]) for i in range(len(durations))]
    for number, document in enumerate(documents):
        start = starts[number]
        end = starts[number + 1] if number + 1 < len(starts) else float("inf")
        found = set(re.findall(r"^cue \d+$", document, re.M))
        for i, (a, b) in enumerate(cues):
            overlaps = a < end and (b > start or (a == b and a >= start))
            assert (f"cue {i}" in found) == overlaps, (i, a, b, start, end)
        times = [seconds_of(m.group(1)) for m in _TIMING.finditer(document)]
        assert times == sorted(times)
    every_cue = set().union(*(re.findall(r"^cue \d+$", d, re.M) for d in documents))
    assert every_cue == {f"cue {i}" for i in range(len(cues))}


def test_the_subtitle_playlist_follows_the_video_durations() -> None:
    playlist = subtitle_playlist([4.0, 4.0, 1.5], [80, 80, 60])
    assert segment_durations(playlist) == [4.0, 4.0, 1.5]
    assert "seg_00000.vtt" in playlist and playlist.rstrip().endswith("#EXT-X-ENDLIST")


def test_the_master_announces_the_tracks_and_every_variant_uses_them() -> None:
    tracks = [
        SubtitleEntry("pt-BR", 'Português "BR"', default=True, forced=False),
        SubtitleEntry("en", "English", default=False, forced=True),
    ]
    master = with_subtitles(MASTER, tracks)
    media = [line for line in master.splitlines() if "TYPE=SUBTITLES" in line]
    assert media == [
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="pt-BR",NAME="Português \'BR\'",'
        'DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI="subtitles/pt-BR/index.m3u8"',
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",'
        'DEFAULT=NO,AUTOSELECT=YES,FORCED=YES,URI="subtitles/en/index.m3u8"',
    ]
    variants = [line for line in master.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert len(variants) == 2 and all(v.endswith(',SUBTITLES="subs"') for v in variants)
    # Rewriting again replaces, never duplicates; no tracks leaves no group behind.
    assert with_subtitles(master, tracks) == master
    assert with_subtitles(master, []) == MASTER
    assert with_subtitles(with_subtitles(master, tracks[1:]), []) == MASTER


def test_a_cue_of_no_length_belongs_to_the_segment_of_its_moment() -> None:
    cues = [Cue(4.0, 4.0, "00:00:04.000 --> 00:00:04.000\nnow")]
    one, two = segment_cues(cues, [4, 4], mpegts=0)
    assert "now" not in one and "now" in two
