"""Per-title ladders on a real local Ray: easy and hard masters play back, the easy one is cheap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from actors.coordinator import run_encode_job
from entrypoints.cli import app
from pipeline.job import EncodeRequest
from pipeline.ladder import plan_ladder
from pipeline.probe import probe
from tests.support.media import assert_valid_hls, make_clip

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("ray_local")]


def test_an_easy_and_a_hard_master_play_back_and_the_easy_ladder_is_cheaper(
    tmp_path: Path,
) -> None:
    masters = {
        "slide": make_clip(tmp_path / "slide.mp4", size="640x360", source="smptebars"),
        "noise": make_clip(
            tmp_path / "noise.mp4",
            size="640x360",
            source="color",
            video_args=("-vf", "noise=alls=60:allf=t+u"),
        ),
    }
    results = {}
    for name, master in masters.items():
        out = tmp_path / name
        result = run_encode_job(EncodeRequest(source_uri=str(master), output_uri=f"file://{out}"))
        assert [r.name for r in result.renditions] == ["360p", "240p"]
        assert_valid_hls(out, result, source_frames=180, frame_rate=30.0)
        assert result.ladder is not None and result.ladder.quality == "per-title"
        assert result.ladder.sample_seconds == 2.0 and result.ladder.sample_cpu_seconds > 0
        results[name] = result
    fixed = plan_ladder(probe(str(masters["slide"])))
    slide, noise = results["slide"].ladder, results["noise"].ladder
    assert slide is not None and noise is not None and slide.complexity and noise.complexity
    assert slide.complexity * 20 < noise.complexity
    for rung in fixed.rungs:
        assert slide.bitrates[rung.name] < rung.bitrate / 3
        assert noise.bitrates[rung.name] >= rung.bitrate
        easy, hard = (_video_bytes(tmp_path / name, rung.name) for name in ("slide", "noise"))
        assert easy * 5 < hard, (rung.name, easy, hard)


def _video_bytes(root: Path, rung: str) -> int:
    return sum(p.stat().st_size for p in (root / "video" / rung).glob("*.ts"))


def test_the_command_encodes_per_title_and_keeps_the_fixed_ladder_on_request(
    short_clip: Path, tmp_path: Path
) -> None:
    runs = {}
    for quality in ("per-title", "fixed"):
        out, saved = tmp_path / quality, tmp_path / f"{quality}.json"
        result = CliRunner().invoke(
            app,
            ["encode", str(short_clip), "--out", str(out), "--ladder", "180",
             "--quality", quality, "--result", str(saved)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert ("per-title ladder: complexity" in result.output) == (quality == "per-title")
        runs[quality] = json.loads(saved.read_text())
    per_title, fixed = runs["per-title"]["ladder"], runs["fixed"]["ladder"]
    assert per_title["quality"] == "per-title" and per_title["complexity"] > 0
    # One rung: one size measured; the pattern is under the cap, so at a constant quality.
    assert per_title["size_exponent"] == 0.75 and list(per_title["crfs"]) == ["180p"]
    assert 20 <= per_title["crfs"]["180p"] <= 27
    assert fixed == {
        "quality": "fixed",
        "complexity": None,
        "size_exponent": None,
        "sample_starts": [],
        "sample_seconds": 0.0,
        "sample_cpu_seconds": 0.0,
        "bitrates": {"180p": 200_000},
        "max_bitrates": {"180p": 300_000},
        "crfs": {},
    }
    assert runs["per-title"]["job_id"] != runs["fixed"]["job_id"]
