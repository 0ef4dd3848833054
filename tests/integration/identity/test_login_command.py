"""``codeflix login`` against a real identity server over HTTP."""

from __future__ import annotations

import json
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from apis.identity.app import create_app
from entrypoints.cli import app as cli
from entrypoints.login import LoginError, bearer_token, credentials_path
from tests.integration.conftest import free_port
from tests.support.identity import identity_settings

PASSWORD = "Popcorn and 4 films!"


@pytest.fixture
def identity_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(identity_settings(tmp_path / "identity", public_url=url))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the identity server did not start"
        time.sleep(0.05)
    with httpx.Client(base_url=url) as client:
        created = client.post(
            "/api/v1/accounts", json={"email": "ada@example.com", "password": PASSWORD}
        )
        assert created.status_code == 201
    yield url
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CODEFLIX_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


def test_login_stores_a_token_other_commands_can_use(identity_url: str) -> None:
    result = CliRunner().invoke(
        cli, ["login", "--email", "ada@example.com", "--url", identity_url], input=f"{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Signed in as ada@example.com" in result.output
    path = credentials_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with httpx.Client() as http:
        url, token = bearer_token(http=http)
        assert url == identity_url
        userinfo = http.get(
            f"{url}/realms/codeflix/protocol/openid-connect/userinfo",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert userinfo.json()["email"] == "ada@example.com"

        record = json.loads(path.read_text())
        path.write_text(json.dumps({**record, "expires_at": 0}))
        _, refreshed = bearer_token(http=http)
    assert refreshed != token
    assert json.loads(path.read_text())["refresh_token"] != record["refresh_token"]


def test_a_wrong_password_is_one_line(identity_url: str) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "login",
            "--email",
            "ada@example.com",
            "--password",
            "nope-nope-nope",
            "--url",
            identity_url,
        ],
    )
    assert result.exit_code == 1
    assert "sign-in refused: the email address or password is incorrect" in result.output
    assert not credentials_path().exists()


def test_an_unreachable_server_is_one_line() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(
        cli, ["login", "--email", "ada@example.com", "--password", PASSWORD, "--url", url]
    )
    assert result.exit_code == 1
    assert f"cannot reach Codeflix at {url}" in result.output
    assert "Traceback" not in result.output


def test_commands_without_a_login_say_what_to_do() -> None:
    with httpx.Client() as http, pytest.raises(LoginError, match="run `codeflix login` first"):
        bearer_token(http=http)
