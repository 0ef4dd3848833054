"""The pipeline's steps on real clips: the HLS they produce plays back right."""

from __future__ import annotations

from pathlib import Path

from tests.support.media import (
    assert_valid_hls,
    decode_playlist,
    parse_master,
    psnr,
    source_lumas,
    tree,
)
from tests.unit.pipeline.conftest import encode_here


def test_chunked_encode_plays_back_as_the_master(clips: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "hls"
    result = encode_here(clips["plain"], out, heights=[180, 120], segments_per_chunk=1)
    assert result.chunks_total == 3 and result.duration_seconds == 10.0
    assert_valid_hls(out, result, source_frames=300, frame_rate=30.0)
    files = tree(out)
    assert "master.m3u8" in files and "poster.jpg" in files
    assert "video/180p/seg_00002.ts" in files and "audio/aac_und/index.m3u8" in files
    vtt = (out / "thumbnails/thumbnails.vtt").read_text().splitlines()
    assert vtt[0] == "WEBVTT"
    assert "00:00:08.000 --> 00:00:10.000" in vtt  # one tile every 2 s, to the very end
    assert any(line.startswith("sprite_000.jpg#xywh=") for line in vtt)


def test_chunked_and_single_chunk_encodes_have_the_same_quality(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    reference = source_lumas(clips["plain"], 320, 180)
    scores = {}
    for name, segments_per_chunk in (("chunked", 1), ("single", 8)):
        out = tmp_path / name
        result = encode_here(
            clips["plain"], out, heights=[180], segments_per_chunk=segments_per_chunk
        )
        assert result.chunks_total == (3 if name == "chunked" else 1)
        decoded, lumas = decode_playlist(out / result.renditions[0].playlist, keep_luma=True)
        assert decoded.frames == len(reference)
        scores[name] = psnr(reference, lumas)
    assert scores["single"] > 30
    assert abs(scores["chunked"] - scores["single"]) <= 0.5, scores


def test_portrait_phone_video_is_turned_upright(clips: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "hls"
    result = encode_here(clips["rotated"], out)
    assert [(r.width, r.height) for r in result.renditions] == [(180, 320)]
    decoded, _ = decode_playlist(out / result.renditions[0].playlist)
    assert (decoded.width, decoded.height) == (180, 320)
    assert result.poster is not None


def test_interlaced_ten_bit_and_fast_masters_become_standard_h264(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    import av

    for name, frames, rate in (
        ("interlaced", 75, 25.0),
        ("ten_bit", 90, 30.0),
        ("fast", 180, 60.0),
    ):
        out = tmp_path / name
        result = encode_here(clips[name], out)
        assert result.audio == []
        variant = parse_master((out / "master.m3u8").read_text())[0]
        assert float(variant["FRAME-RATE"]) == rate
        assert_valid_hls(out, result, source_frames=frames, frame_rate=rate)
        with av.open(str(out / result.renditions[0].playlist)) as c:
            stream = c.streams.video[0]
            assert stream.codec_context.pix_fmt == "yuv420p"
            assert stream.codec_context.profile in ("High", "Main", "Constrained Baseline")


def test_surround_sound_is_downmixed_to_stereo_aac(clips: dict[str, Path], tmp_path: Path) -> None:
    import av

    out = tmp_path / "hls"
    result = encode_here(clips["surround"], out, heights=[180])
    with av.open(str(out / result.audio[0].playlist)) as c:
        audio = c.streams.audio[0].codec_context
        assert (audio.name, audio.channels, audio.sample_rate) == ("aac", 2, 48000)
    assert_valid_hls(out, result, source_frames=90, frame_rate=30.0)


def test_every_audio_track_becomes_a_rendition_with_its_language(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "hls"
    result = encode_here(clips["bilingual"], out, heights=[120])
    assert [(a.name, a.language, a.default) for a in result.audio] == [
        ("aac_eng", "eng", True),
        ("aac_fra", "fra", False),
    ]
    media = [
        line for line in (out / "master.m3u8").read_text().splitlines() if "EXT-X-MEDIA" in line
    ]
    assert len(media) == 2 and 'LANGUAGE="fra",DEFAULT=NO' in media[1]
    assert_valid_hls(out, result, source_frames=120, frame_rate=30.0)


def test_a_variable_frame_rate_master_comes_out_at_a_constant_rate(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "hls"
    result = encode_here(clips["variable_rate"], out)
    # two frames out of three of a 30 fps clip: 20.2 fps on average, irregularly spaced
    assert result.renditions[0].frame_rate == 23.976
    assert_valid_hls(out, result, source_frames=71, frame_rate=24000 / 1001)
