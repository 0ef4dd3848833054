"""``codeflix upload``: a real tus client against the catalog over HTTP, resumable across runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from entrypoints.cli import app
from entrypoints.tus_client import ResumeStore, UploadJob, upload
from tests.integration.conftest import free_port
from tests.support.catalog import ADMIN, catalog_settings
from tests.support.uploads import media_file, served_catalog, sha256_of

MB = 1024 * 1024
VIDEO = {"title": "Bunny", "launch_year": 2008, "duration": 10, "rating": "L"}


class Interrupted(Exception):
    pass


@pytest.fixture
def signed_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Stores a login as ``codeflix login`` would; returns a function setting its URL."""
    config = tmp_path / "config"
    monkeypatch.setenv("CODEFLIX_CONFIG_DIR", str(config))

    def sign_in(url: str) -> Path:
        config.mkdir(exist_ok=True)
        record = {"url": url, "access_token": "catalog-admin", "refresh_token": None,
                  "expires_at": time.time() + 3600}  # fmt: skip
        (config / "credentials.json").write_text(json.dumps(record))
        return config

    return sign_in


def test_upload_resumes_a_crashed_run_and_shows_progress(tmp_path: Path, signed_in) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "master.mp4"
    expected = media_file(source, 6 * MB)
    settings = catalog_settings(tmp_path / "catalog")
    with served_catalog(settings, free_port()) as base:
        config = signed_in(base)
        video = httpx.post(f"{base}/api/v1/admin/videos", json=VIDEO, headers=ADMIN).json()

        def crash(done: int, total: int) -> None:
            if done >= 2 * MB:
                raise Interrupted

        job = UploadJob(base, video["id"], source, chunk_size=MB)
        resume = ResumeStore(config / "uploads.json")
        with pytest.raises(Interrupted):
            upload(job, token=lambda: "catalog-admin", resume=resume, on_progress=crash)
        remembered = resume.get(job.resume_key())
        assert remembered is not None
        result = CliRunner().invoke(
            app, ["upload", video["id"], str(source), "--kind", "video", "--chunk-mb", "1"]
        )
        assert result.exit_code == 0, result.output
        assert "Uploaded master.mp4" in result.output
        slot = httpx.get(f"{base}/api/v1/admin/videos/{video['id']}", headers=ADMIN).json()
        assert slot["media"]["video"]["status"] == "processing"
        uploads = [k for k in (tmp_path / "catalog/media/videos").rglob("*.mp4")]
        assert len(uploads) == 1  # the second run continued the first upload
        assert sha256_of(iter([uploads[0].read_bytes()])) == expected
        assert remembered.endswith(uploads[0].stem)
        assert resume.get(job.resume_key()) is None


def test_upload_errors_are_one_line(tmp_path: Path, signed_in) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "notes.txt"
    junk.write_bytes(b"not a video\n" * 1000)
    runner = CliRunner()
    result = runner.invoke(app, ["upload", "some-id", str(junk)])
    assert result.exit_code == 1 and "codeflix login" in result.output
    settings = catalog_settings(tmp_path / "catalog")
    with served_catalog(settings, free_port()) as base:
        signed_in(base)
        video = httpx.post(f"{base}/api/v1/admin/videos", json=VIDEO, headers=ADMIN).json()
        for args, words in (
            ([video["id"], str(junk)], "refused"),
            (["00000000-0000-0000-0000-000000000000", str(junk)], "no video"),
            ([video["id"], str(junk), "--kind", "banner"], "image"),
        ):
            result = runner.invoke(app, ["upload", *args])
            assert result.exit_code == 1, result.output
            errors = [line for line in result.output.splitlines() if "codeflix upload" in line]
            assert len(errors) == 1 and words in errors[0], result.output
            assert "Traceback" not in result.output
    result = runner.invoke(app, ["upload", "x", str(tmp_path / "absent.mp4")])
    assert result.exit_code == 2


def test_upload_a_subtitle_with_its_language_and_label(tmp_path: Path, signed_in) -> None:  # type: ignore[no-untyped-def]
    srt = tmp_path / "pt-BR.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nOlá\n", encoding="utf-8")
    settings = catalog_settings(tmp_path / "catalog")
    runner = CliRunner()
    with served_catalog(settings, free_port()) as base:
        signed_in(base)
        video = httpx.post(f"{base}/api/v1/admin/videos", json=VIDEO, headers=ADMIN).json()
        missing = runner.invoke(app, ["upload", video["id"], str(srt), "--kind", "subtitle"])
        assert missing.exit_code == 1 and "--language" in missing.output
        result = runner.invoke(
            app,
            ["upload", video["id"], str(srt), "--kind", "subtitle", "--language", "pt-BR",
             "--label", "Português", "--default"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "Uploaded pt-BR.srt as the subtitle" in result.output
        shown = httpx.get(f"{base}/api/v1/admin/videos/{video['id']}", headers=ADMIN).json()
        assert shown["subtitles"] == [
            {"language": "pt-BR", "label": "Português", "default": True, "forced": False,
             "status": "ready", "error": None}
        ]  # fmt: skip
        bad = tmp_path / "bad.srt"
        bad.write_text("1\n00:00:01,000 --> soon\nOlá\n", encoding="utf-8")
        result = runner.invoke(
            app,
            ["upload", video["id"], str(bad), "--kind", "subtitle", "--language", "fr",
             "--label", "Français"],
        )  # fmt: skip
        assert result.exit_code == 1 and "line 2" in result.output, result.output
