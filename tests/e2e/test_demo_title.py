"""`codeflix up` ends with a demo title: a real clip uploaded through tus and encoded on Ray."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.conftest import Platform


def demo_rows(workdir: Path) -> list[tuple[str, int, str, str]]:
    with sqlite3.connect(workdir / "var" / "catalog.db") as db:
        return db.execute(
            "SELECT v.title, v.published, m.status, m.encoded_location FROM videos v "
            "JOIN media_slots m ON m.video_id = v.id AND m.kind = 'video'"
        ).fetchall()


def test_up_seeds_the_demo_title_once(platform: Platform, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CODEFLIX_DEMO_TITLE", "true")
    platform.start()
    printed = platform.wait_for("Big Buck Bunny is ready", timeout=300)
    assert "demo title: uploaded 100%" in printed
    assert "Traceback" not in printed
    platform.stop()
    [(title, published, status, master)] = demo_rows(platform.workdir)
    assert (title, published, status) == ("Big Buck Bunny", 1, "ready")
    playlist = platform.workdir / "var" / "media" / master
    assert playlist.read_text().startswith("#EXTM3U")
    masters = list((platform.workdir / "var" / "media" / "videos").glob("*/video/*.mp4"))
    assert len(masters) == 1

    platform.start()  # a second start finds the title and uploads nothing
    printed = platform.wait_for("Big Buck Bunny is ready", timeout=60)
    assert "uploading" not in printed
    code, rest = platform.stop()
    assert code == 0 and "Traceback" not in rest
    assert len(demo_rows(platform.workdir)) == 1
    assert len(list((platform.workdir / "var" / "media" / "videos").glob("*/video/*.mp4"))) == 1
