"""``codeflix playback rotate-key``: a new key in front, the old ones retired, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apis.playback.config import get_settings
from apis.playback.grants import Grant
from entrypoints.cli import app as cli

runner = CliRunner()


def test_rotation_keeps_old_grants_valid_and_signs_with_the_new_key(tmp_path: Path) -> None:
    first = runner.invoke(cli, ["playback", "rotate-key", "--id", "one"])
    assert first.exit_code == 0, first.output
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(first.stdout)
    old_signer = get_settings(grant_signing_keys=json.loads(first.stdout)).grant_signer()
    old_grant = old_signer.sign(Grant("videos/v/hls/", 2_000_000_000))

    second = runner.invoke(cli, ["playback", "rotate-key", str(keys_file), "--id", "two"])
    assert second.exit_code == 0, second.output
    keys = json.loads(second.stdout)
    assert [k["id"] for k in keys] == ["two", "one"]
    assert "retired_at" not in keys[0] and keys[1]["retired_at"].endswith("Z")
    assert keys[0]["secret"] != keys[1]["secret"] and len(keys[0]["secret"]) >= 40
    signer = get_settings(grant_signing_keys=keys, grant_ttl_seconds=48 * 3600).grant_signer()
    assert signer.active.key_id == "two"
    retired_at = signer.keys["one"].retired_at
    assert retired_at is not None
    # A grant from before the rotation still plays while it lasts.
    recent = old_signer.sign(Grant("videos/v/hls/", retired_at + 3600))
    assert signer.verify(recent, now=retired_at).prefix == "videos/v/hls/"
    assert old_grant.startswith("one.")


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ('{"id": "x"}', [], "is not a key list"),
        ("not json", [], "is not a key list"),
        ('[{"id": "a", "secret": "short"}]', [], "is not a key list"),
        ('[{"id": "a", "secret": "long-enough-secret-0123"}]', ["--id", "a"], "already exists"),
        ("[]", ["--id", "bad id!"], "must be 1-32"),
    ],
)
def test_careless_input_is_one_readable_line(
    tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(content)
    result = runner.invoke(cli, ["playback", "rotate-key", str(keys_file), *args])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.output
    assert "Traceback" not in result.output


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["playback", "rotate-key", str(tmp_path / "nope.json")])
    assert result.exit_code == 1 and "cannot read" in result.output
