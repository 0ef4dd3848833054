"""``codeflix encode`` end to end, and a job that reads and writes an S3 API server."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from actors.coordinator import run_encode_job
from codeflix.storage import ObjectStore
from entrypoints.cli import app
from pipeline.job import EncodeRequest
from tests.support.media import assert_valid_hls, tree

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("ray_local")]


def test_encode_command_prints_progress_and_a_summary(short_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "hls"
    result = CliRunner().invoke(
        app,
        ["encode", str(short_clip), "--out", str(out), "--ladder", "180, 120", "--workers", "1"],
    )
    assert result.exit_code == 0, result.output
    assert "180p" in result.output and "120p" in result.output and "aac_und" in result.output
    assert "6.0 s of video in" in result.output and "x real time" in result.output
    assert "2 of 2 chunks encoded by this run" in result.output
    assert "playable after" in result.output and "master.m3u8 (the playlists grow" in result.output
    assert {"master.m3u8", "video/180p/index.m3u8", "video/120p/index.m3u8"} <= set(tree(out))


def test_a_job_reads_its_master_from_s3_and_writes_the_stream_there(
    short_clip: Path, s3_store: ObjectStore, tmp_path: Path
) -> None:
    s3_store.put_file(short_clip, "uploads/master.mp4")
    options = {k: v for k, v in s3_store.fs.storage_options.items()}
    result = run_encode_job(
        EncodeRequest(
            source_uri=s3_store.uri("uploads/master.mp4"),
            output_uri=s3_store.uri("videos/v1/hls"),
            storage_options=options,
            heights=[180],
        )
    )
    keys = s3_store.list("videos/v1/hls")
    assert "videos/v1/hls/master.m3u8" in keys and "videos/v1/hls/poster.jpg" in keys
    local = tmp_path / "copy"
    for key in keys:
        s3_store.get_file(key, local / key.removeprefix("videos/v1/hls/"))
    assert_valid_hls(local, result, source_frames=180, frame_rate=30.0)
