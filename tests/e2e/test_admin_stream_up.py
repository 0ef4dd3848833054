"""``codeflix up`` stops on Ctrl-C at once, even while an admin console holds a live stream."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.conftest import Platform
from tests.e2e.test_identity_up import PASSWORD, codeflix


def test_ctrl_c_ends_an_open_live_stream_and_the_platform(
    platform: Platform, tmp_path: Path
) -> None:
    platform.start()
    email = "console@example.com"
    created = codeflix(
        platform, tmp_path / "config", "users", "create", "--email", email,
        "--password", PASSWORD, "--role", "catalog-admin",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    token = httpx.post(
        f"{platform.url}/realms/codeflix/protocol/openid-connect/token",
        data={"grant_type": "password", "client_id": "codeflix-cli", "username": email,
              "password": PASSWORD},
    ).json()["access_token"]  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{platform.url}/api/v1/admin/videos/events"
    with httpx.stream("GET", url, headers=headers, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(lines) == ": connected"
        # Ctrl-C. Held up by the open stream, the platform would never stop: stop() gives up
        # (TimeoutExpired) after two minutes, a bound no loaded machine comes near.
        code, out = platform.stop()
        assert code == 0, out[-3000:]
        assert list(lines) == [""]  # the stream ended cleanly, not cut
    assert "Codeflix stopped." in out and "Traceback" not in out
