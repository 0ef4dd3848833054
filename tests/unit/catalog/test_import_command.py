"""``codeflix catalog import``: idempotent seeding, one-line errors for careless files."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from apis.catalog.config import get_settings
from apis.catalog.models import Video
from codeflix.db import create_engine, session_factory
from entrypoints.cli import app

CATALOG = {
    "categories": [{"ref": "anim", "name": "Animation"}, {"name": "Documentary"}],
    "genres": [{"ref": "comedy", "name": "Comedy", "categories": ["anim"]}],
    "cast_members": [{"ref": "ada", "name": "Ada Lovelace", "type": "director"}],
    "videos": [
        {
            "title": "Big Buck Bunny",
            "launch_year": 2008,
            "duration": 10,
            "rating": "L",
            "categories": ["anim"],
            "genres": ["comedy"],
            "cast_members": ["ada"],
            "published": True,
        }
    ],
}


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["catalog", "import", *args])


async def videos_in(data_dir: Path) -> list[Video]:
    engine = create_engine(get_settings(data_dir=data_dir).db_url)
    async with session_factory(engine)() as session:
        from sqlalchemy import select

        rows = list((await session.scalars(select(Video))).all())
    await engine.dispose()
    return rows


def test_import_twice_creates_once(tmp_path: Path) -> None:
    file = tmp_path / "catalog.json"
    file.write_text(json.dumps(CATALOG))
    first = run(str(file), "--data-dir", str(tmp_path / "var"))
    assert first.exit_code == 0, first.output
    assert "1 videos created" in first.output and "2 categories created" in first.output
    second = run(str(file), "--data-dir", str(tmp_path / "var"))
    assert second.exit_code == 0 and "1 videos existing" in second.output
    videos = asyncio.run(videos_in(tmp_path / "var"))
    assert [v.title for v in videos] == ["Big Buck Bunny"]
    assert videos[0].published and videos[0].genres[0].name == "Comedy"


def test_careless_files_fail_in_one_line(tmp_path: Path) -> None:
    cases = {
        "not json": "{oops",
        "bad rating": json.dumps({"videos": [{**CATALOG["videos"][0], "rating": "99"}]}),
        "unknown ref": json.dumps({"genres": [{"name": "Noir", "categories": ["nope"]}]}),
        "unknown field": json.dumps({"films": []}),
        "wrong shape": json.dumps([1, 2, 3]),
    }
    for name, text in cases.items():
        file = tmp_path / f"{name}.json"
        file.write_text(text)
        result = run(str(file), "--data-dir", str(tmp_path / "var"))
        assert result.exit_code == 1, (name, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in result.output, (name, result.output)
    missing = run(str(tmp_path / "absent.json"), "--data-dir", str(tmp_path / "var"))
    assert missing.exit_code == 1 and "cannot read" in missing.output


def test_a_file_failing_half_way_imports_nothing(tmp_path: Path) -> None:
    broken = {**CATALOG, "videos": [{**CATALOG["videos"][0], "genres": ["nope"]}]}
    file = tmp_path / "broken.json"
    file.write_text(json.dumps(broken))
    result = run(str(file), "--data-dir", str(tmp_path / "var"))
    assert result.exit_code == 1 and "nothing was imported" in result.output, result.output
    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps(CATALOG))
    again = run(str(fixed), "--data-dir", str(tmp_path / "var"))
    # The categories, genre and cast member before the broken video were not kept either.
    assert "2 categories created" in again.output and "1 genres created" in again.output
