"""Masters that are not playable videos are refused before any work, with a specific reason."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from actors.coordinator import run_encode_job
from entrypoints.cli import app
from pipeline.errors import UnplayableMaster
from pipeline.job import EncodeRequest
from pipeline.probe import probe
from tests.support.media import make_clip, tree


def _cut(source: Path, target: Path, fraction: float) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


@pytest.fixture(scope="module")
def bad_masters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bad")
    streamable = make_clip(
        root / "fast_start.mp4", seconds=8, audio=None, container_args=("-movflags", "+faststart")
    )
    index_last = make_clip(root / "index_last.mp4", seconds=8, audio=None)
    audio_only = root / "song.m4a"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=sample_rate=48000",
            "-t",
            "3",
            "-c:a",
            "aac",
            str(audio_only),
        ],
        check=True,
    )
    (root / "notes.mp4").write_text("these are not the frames you are looking for\n")
    (root / "empty.mp4").write_bytes(b"")
    still = make_clip(root / "still.png", seconds=0.04, audio=None, video_args=("-frames:v", "1"))
    return {
        "not_media": root / "notes.mp4",
        "zero_duration": root / "empty.mp4",
        "single_picture": still,
        "no_video_stream": audio_only,
        "truncated_index_first": _cut(streamable, root / "cut_a.mp4", 0.6),
        "truncated_index_last": _cut(index_last, root / "cut_b.mp4", 0.6),
        "unreadable": root / "missing.mp4",
        "directory": root,
    }


EXPECTED = {
    "not_media": "not_media",
    "zero_duration": "zero_duration",
    "single_picture": "zero_duration",
    "no_video_stream": "no_video_stream",
    "truncated_index_first": "truncated",
    "truncated_index_last": "truncated",
    "unreadable": "unreadable",
    "directory": "unreadable",
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_bad_master_is_refused_for_its_reason_and_leaves_nothing_behind(
    case: str, bad_masters: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "hls"
    with pytest.raises(UnplayableMaster) as refused:
        run_encode_job(EncodeRequest(source_uri=str(bad_masters[case]), output_uri=f"file://{out}"))
    assert refused.value.reason == EXPECTED[case]
    assert str(bad_masters[case].name) in str(refused.value)
    assert tree(out) == []


def test_a_master_probes_to_what_it_holds(clips: dict[str, Path]) -> None:
    plain = probe(str(clips["plain"]))
    assert (plain.width, plain.height, plain.frame_rate, plain.duration) == (320, 180, 30, 10.0)
    assert not plain.interlaced and not plain.variable_frame_rate and plain.rotation == 0
    assert [(a.channels, a.sample_rate) for a in plain.audio] == [(2, 48000)]
    assert probe(str(clips["rotated"])).rotation == 90
    assert (
        probe(str(clips["rotated"])).display_width,
        probe(str(clips["rotated"])).display_height,
    ) == (180, 320)
    assert probe(str(clips["interlaced"])).interlaced
    ten = probe(str(clips["ten_bit"]))
    assert (ten.bit_depth, ten.pixel_format) == (10, "yuv420p10le")
    assert probe(str(clips["surround"])).audio[0].channels == 6
    assert probe(str(clips["variable_rate"])).variable_frame_rate
    assert [a.language for a in probe(str(clips["bilingual"])).audio] == ["eng", "fra"]


runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ladder", "abc"], "not a list of heights"),
        (["--ladder", ","], "at least one height"),
        (["--ladder", "4000"], "never upscales"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_the_encode_command_explains_bad_options_in_one_line(
    args: list[str], message: str, clips: dict[str, Path], tmp_path: Path
) -> None:
    result = runner.invoke(app, ["encode", str(clips["plain"]), "--out", str(tmp_path), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert tree(tmp_path) == []


def test_the_encode_command_refuses_a_bad_master_in_one_line(
    bad_masters: dict[str, Path], tmp_path: Path
) -> None:
    result = runner.invoke(app, ["encode", str(bad_masters["not_media"]), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "codeflix encode:" in result.output and "is not a video file" in result.output
    assert len(result.output.strip().splitlines()) == 1
