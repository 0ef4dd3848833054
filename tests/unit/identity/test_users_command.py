"""``codeflix users create``: the first admin, and careless input as one readable line."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from entrypoints.cli import app

STRONG = "Sturdy kettle 42!"
Run = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("CODEFLIX_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CODEFLIX_PASSWORD_TIME_COST", "1")
    monkeypatch.setenv("CODEFLIX_PASSWORD_MEMORY_KIB", "1024")
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(app, ["users", "create", *args], **kw)


def test_creates_the_first_admin(run: Run, tmp_path: Path) -> None:
    result = run("--email", "Root@Example.com", "--password", STRONG, "--role", "admin")
    assert result.exit_code == 0, result.output
    assert "Created root@example.com with the roles admin, user." in result.output
    with sqlite3.connect(tmp_path / "identity.db") as db:
        [(stored,)] = db.execute("SELECT password_hash FROM users WHERE email = 'root@example.com'")
    assert stored.startswith("$argon2id$") and STRONG not in stored
    # An operator vouches for the address: the account may subscribe without a mailed link.
    with sqlite3.connect(tmp_path / "identity.db") as db:
        [(verified,)] = db.execute(
            "SELECT s.email_verified_at FROM account_settings s JOIN users u ON u.id = s.user_id"
            " WHERE u.email = 'root@example.com'"
        )
        assert verified is not None
        assert db.execute("SELECT count(*) FROM mail_outbox").fetchone() == (0,)


def test_asks_for_the_password_twice_when_not_given(run: Run) -> None:
    result = run("--email", "ed@example.com", input=f"{STRONG}\n{STRONG}\n")
    assert result.exit_code == 0, result.output
    assert "Created ed@example.com with the roles user." in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "ed@example.com", "--password", "short"], "use at least 10 characters"),
        (["--email", "nope", "--password", STRONG], "valid email address"),
        (["--email", "ed@example.com", "--password", STRONG, "--role", "god"], "unknown role god"),
    ],
    ids=["weak password", "bad email", "unknown role"],
)
def test_careless_input_is_one_readable_line(run: Run, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_taken_email_is_refused(run: Run) -> None:
    assert run("--email", "ed@example.com", "--password", STRONG).exit_code == 0
    again = run("--email", "ED@example.com", "--password", STRONG)
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_identity_rotate_key_publishes_a_new_key_and_keeps_the_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFLIX_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    first = runner.invoke(app, ["identity", "rotate-key"])
    second = runner.invoke(app, ["identity", "rotate-key"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert "the previous one stays in the JWKS until" in second.output
    with sqlite3.connect(tmp_path / "identity.db") as db:
        rows = db.execute("SELECT kid, retired_at IS NULL FROM signing_keys").fetchall()
    active = [kid for kid, is_active in rows if is_active]
    assert len(rows) == 3 and len(active) == 1
    assert active[0] in second.output
