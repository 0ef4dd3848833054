"""Signing in on a running ``codeflix up``: the first admin, the CLI login, a protected API."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import CODEFLIX, Platform

PASSWORD = "Projector lamp 2049"


def codeflix(platform: Platform, config_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CODEFLIX_CONFIG_DIR": str(config_dir)}
    return subprocess.run(
        [CODEFLIX, *args],
        cwd=platform.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_first_admin_signs_in_from_the_command_line(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform.start()
    issuer = f"{platform.url}/realms/codeflix"
    discovery = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
    assert discovery["issuer"] == issuer
    assert discovery["jwks_uri"] == f"{issuer}/protocol/openid-connect/certs"
    assert discovery["code_challenge_methods_supported"] == ["S256"]

    config = tmp_path / "config"
    created = codeflix(
        platform,
        config,
        "users",
        "create",
        "--email",
        "boss@example.com",
        "--password",
        PASSWORD,
        "--role",
        "admin",
    )
    assert created.returncode == 0, created.stderr
    login = codeflix(
        platform,
        config,
        "login",
        "--email",
        "boss@example.com",
        "--password",
        PASSWORD,
        "--url",
        platform.url,
    )
    assert login.returncode == 0, login.stderr
    assert "Signed in as boss@example.com" in login.stdout

    from entrypoints.login import bearer_token

    monkeypatch.setenv("CODEFLIX_CONFIG_DIR", str(config))
    with httpx.Client() as http:
        _, token = bearer_token(http=http)
    admin = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{platform.url}/api/v1/admin/categories", headers=admin).status_code == 200
    assert httpx.get(f"{platform.url}/api/v1/admin/categories").status_code == 401

    code, out = platform.stop()
    assert code == 0, out
    assert f"OIDC issuer {issuer}" in out
    assert "codeflix users create --email" in out
