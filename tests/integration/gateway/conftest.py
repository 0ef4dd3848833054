"""The embedded platform (every service behind the gateway) under a real uvicorn."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from apis.gateway.app import create_app
from apis.gateway.config import get_settings
from entrypoints.identity import create_account
from tests.support.serving import serving

PASSWORD = "Popcorn and 4 films!"
TOKEN_PATH = "/realms/codeflix/protocol/openid-connect/token"


@dataclass
class RunningGateway:
    app: FastAPI
    url: str
    admin: dict[str, str]


async def password_token(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    form = {"grant_type": "password", "client_id": "codeflix-cli",
            "username": email, "password": PASSWORD}  # fmt: skip
    response = await client.post(TOKEN_PATH, data=form)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[RunningGateway]:
    """``codeflix up``'s app on a free port, with an admin account to call it as."""
    data_dir = tmp_path / "var"
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    await create_account(
        data_dir=data_dir, email=email, password=PASSWORD, name="Admin", roles=["admin"]
    )
    services = ["identity", "catalog", "subscription", "playback"]
    app = create_app(get_settings(data_dir=data_dir), services=services)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        yield RunningGateway(app=app, url=url, admin=await password_token(client, email))
