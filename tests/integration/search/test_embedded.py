"""The embedded platform: the gateway starts Typesense itself, and what an admin publishes
in the catalog is searchable through the gateway within a second."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import anyio
import httpx
from fastapi import FastAPI

from apis.gateway.app import create_app as create_gateway
from apis.gateway.config import get_settings as gateway_settings
from apis.identity.commands import create_account
from codeflix.typesense_server import PLATFORM_TYPESENSE
from tests.integration.playback.conftest import serving


def process_alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


PASSWORD = "Popcorn and 4 films!"
TOKEN_PATH = "/realms/codeflix/protocol/openid-connect/token"


async def sign_in(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    form = {"grant_type": "password", "client_id": "codeflix-cli",
            "username": email, "password": PASSWORD}  # fmt: skip
    response = await client.post(TOKEN_PATH, data=form)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def wait_for_titles(
    client: httpx.AsyncClient, headers: dict[str, str], q: str, expected: list[str]
) -> float:
    """Seconds until a search for ``q`` answers ``expected``."""
    start = time.monotonic()
    while True:
        r = await client.get("/api/v1/search", params={"q": q}, headers=headers)
        assert r.status_code == 200, r.text
        if [hit["title"] for hit in r.json()["items"]] == expected:
            return time.monotonic() - start
        assert time.monotonic() - start < 10, r.json()
        await anyio.sleep(0.02)


async def test_published_titles_are_searchable_within_a_second(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    await create_account(data_dir=data_dir, email=email, password=PASSWORD, name="Admin",
                         roles=["admin"])  # fmt: skip

    def gateway(base: str) -> FastAPI:
        settings = gateway_settings(data_dir=data_dir)
        return create_gateway(settings, services=["identity", "catalog", "search"])

    async with serving(gateway) as (app, base):
        server = app.state.platform.extras[PLATFORM_TYPESENSE]
        assert server.data_path.is_relative_to(data_dir.resolve() / "typesense")
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            admin = await sign_in(client, email)
            r = await client.post("/api/v1/admin/categories", json={"name": "Animação"},
                                  headers=admin)  # fmt: skip
            assert r.status_code == 201, r.text
            category = r.json()["id"]
            video = {"title": "Big Buck Bunny", "launch_year": 2008, "duration": 10,
                     "rating": "L", "published": True, "categories": [category]}  # fmt: skip
            r = await client.post("/api/v1/admin/videos", json=video, headers=admin)
            assert r.status_code == 201, r.text
            video_id, etag = r.json()["id"], r.headers["etag"]
            assert await wait_for_titles(client, admin, "buny", ["Big Buck Bunny"]) < 1.0
            assert await wait_for_titles(client, admin, "animacao", ["Big Buck Bunny"]) < 1.0

            r = await client.patch(f"/api/v1/admin/videos/{video_id}", json={"published": False},
                                   headers={**admin, "If-Match": etag})  # fmt: skip
            assert r.status_code == 200, r.text
            assert await wait_for_titles(client, admin, "bunny", []) < 1.0
            ready = await client.get("/readyz")
            assert ready.json()["checks"]["search.typesense"] == "ok"
        pid = server.process.pid
    # The platform stopped its Typesense with it.
    assert server.process is None
    assert not process_alive(pid)
