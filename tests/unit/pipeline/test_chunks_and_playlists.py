"""Chunk planning and playlist writing."""

from __future__ import annotations

import itertools
from fractions import Fraction

from pipeline.chunks import MAX_SEGMENTS_PER_CHUNK, plan_chunks
from pipeline.playlists import (
    AudioEntry,
    Bandwidth,
    Segment,
    VariantEntry,
    master_playlist,
    measure,
    media_playlist,
    read_media_playlist,
)


def test_chunks_cover_the_timeline_on_segment_boundaries() -> None:
    chunks = plan_chunks(1800, 120)  # 60 s at 30 fps: 15 segments
    assert len(chunks) == 15
    assert chunks[0].start_frame == 0 and chunks[-1].end_frame is None
    for before, after in itertools.pairwise(chunks):
        assert before.end_frame == after.start_frame
        assert after.start_frame % 120 == 0
        assert after.first_segment == after.start_frame // 120


def test_long_titles_get_longer_chunks_and_the_plan_never_depends_on_the_cluster() -> None:
    two_hours = plan_chunks(216_000, 120)  # 1800 segments
    assert len(two_hours) == 1 + 1800 // MAX_SEGMENTS_PER_CHUNK
    assert {(c.end_frame or 0) - c.start_frame for c in two_hours[1:-1]} == {8 * 120}
    assert plan_chunks(216_000, 120) == two_hours
    assert [c.key for c in plan_chunks(240, 120, segments_per_chunk=8)] == ["chunk_00000"]


def test_the_first_chunk_is_one_segment_so_the_stream_can_start_early() -> None:
    ten_minutes = plan_chunks(18_000, 120)  # 150 segments: chunks of two after the first
    assert [c.first_segment for c in ten_minutes[:4]] == [0, 1, 3, 5]
    assert ten_minutes[0].end_frame == 120 and ten_minutes[-1].end_frame is None
    assert ten_minutes[-1].first_segment == 149
    # A length that is asked for holds for every chunk.
    assert [c.first_segment for c in plan_chunks(1800, 120, segments_per_chunk=4)] == [0, 4, 8, 12]


def test_bandwidth_is_the_peak_segment_and_the_average_of_all() -> None:
    segments = [Segment("a.ts", 4.0, 500_000), Segment("b.ts", 4.0, 1_000_000)]
    assert measure(segments) == Bandwidth(peak=2_000_000, average=1_500_000)
    # a short tail segment does not set the peak
    tail = [*segments, Segment("c.ts", 0.5, 200_000)]
    assert measure(tail).peak == 2_000_000
    assert measure([]) == Bandwidth(0, 0)


def test_media_playlist_is_a_complete_vod_playlist() -> None:
    text = media_playlist([Segment("seg_00000.ts", 4.004, 1), Segment("seg_00001.ts", 1.5, 1)])
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U"
    assert "#EXT-X-TARGETDURATION:4" in lines  # 4.004 rounds to 4
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in lines
    assert lines[-1] == "#EXT-X-ENDLIST"
    assert lines[lines.index("#EXTINF:4.004000,") + 1] == "seg_00000.ts"
    assert "#EXT-X-TARGETDURATION:5" in media_playlist([Segment("x.ts", 4.6, 1)])


def test_a_growing_playlist_is_an_event_playlist_with_the_planned_target() -> None:
    first = [Segment("seg_00000.ts", 1.5, 1)]
    text = media_playlist(first, ended=False, target_seconds=4.0, job_id="job1")
    lines = text.splitlines()
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in lines and "#EXT-X-ENDLIST" not in lines
    # The target a player reads first never changes as the playlist grows.
    assert "#EXT-X-TARGETDURATION:4" in lines
    found = read_media_playlist(text)
    assert (found.job_id, found.segments, found.ended) == ("job1", (("seg_00000.ts", 1.5),), False)
    closed = read_media_playlist(media_playlist(first, target_seconds=4.0, job_id="job1"))
    assert closed.ended and closed.job_id == "job1"


def test_master_playlist_lists_audio_then_variants_best_first() -> None:
    text = master_playlist(
        [
            VariantEntry(
                "video/360p/index.m3u8",
                640,
                360,
                Bandwidth(900_000, 800_000),
                "avc1.64001e,mp4a.40.2",
                Fraction(30000, 1001),
            ),
            VariantEntry(
                "video/720p/index.m3u8",
                1280,
                720,
                Bandwidth(3_000_000, 2_500_000),
                "avc1.64001f,mp4a.40.2",
                Fraction(30000, 1001),
            ),
        ],
        [AudioEntry("audio/aac_eng/index.m3u8", "aac_eng", "eng", True)],
    )
    lines = text.splitlines()
    assert lines[3].startswith('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="aac_eng"')
    assert 'LANGUAGE="eng",DEFAULT=YES' in lines[3] and 'URI="audio/aac_eng/index.m3u8"' in lines[3]
    assert lines[4] == (
        "#EXT-X-STREAM-INF:BANDWIDTH=3000000,AVERAGE-BANDWIDTH=2500000,RESOLUTION=1280x720,"
        'CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=29.970,AUDIO="audio"'
    )
    assert lines[5] == "video/720p/index.m3u8" and lines[7] == "video/360p/index.m3u8"
