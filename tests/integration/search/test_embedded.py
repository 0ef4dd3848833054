"""The embedded platform: the gateway starts Typesense itself, and what an admin publishes
in the catalog becomes searchable through the gateway. How soon is a figure of
``benchmarks/search.py`` (freshness), not an assertion here: these machines are shared."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import anyio
import httpx
from fastapi import FastAPI

from apis.gateway.app import create_app as create_gateway
from apis.gateway.config import get_settings as gateway_settings
from apis.search.reindex import reindex
from codeflix.service_tokens import service_tokens_for
from entrypoints.identity import create_account
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
) -> None:
    """Until a search for ``q`` answers ``expected``; the deadline only keeps a broken feed
    from hanging the suite."""
    deadline = time.monotonic() + 60
    while True:
        r = await client.get("/api/v1/search", params={"q": q}, headers=headers)
        assert r.status_code == 200, r.text
        if [hit["title"] for hit in r.json()["items"]] == expected:
            return
        assert time.monotonic() < deadline, r.json()
        await anyio.sleep(0.02)


async def test_published_titles_become_searchable(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    await create_account(data_dir=data_dir, email=email, password=PASSWORD, name="Admin",
                         roles=["admin"])  # fmt: skip

    def gateway(base: str) -> FastAPI:
        settings = gateway_settings(data_dir=data_dir)
        return create_gateway(settings, services=["identity", "catalog", "search"])

    async with serving(gateway) as (app, base):
        server = app.state.platform.typesense
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
            await wait_for_titles(client, admin, "buny", ["Big Buck Bunny"])
            await wait_for_titles(client, admin, "animacao", ["Big Buck Bunny"])

            r = await client.patch(f"/api/v1/admin/videos/{video_id}", json={"published": False},
                                   headers={**admin, "If-Match": etag})  # fmt: skip
            assert r.status_code == 200, r.text
            await wait_for_titles(client, admin, "bunny", [])
            ready = await client.get("/readyz")
            assert ready.json()["checks"]["search.typesense"] == "ok"
        pid = server.process.pid
    # The platform stopped its Typesense with it.
    assert server.process is None
    assert not process_alive(pid)


async def test_reindex_rebuilds_from_the_catalog_while_searches_answer(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    await create_account(data_dir=data_dir, email=email, password=PASSWORD, name="Admin",
                         roles=["admin"])  # fmt: skip

    def gateway(base: str) -> FastAPI:
        settings = gateway_settings(data_dir=data_dir)
        return create_gateway(settings, services=["identity", "catalog", "search"])

    async with serving(gateway) as (app, base):
        platform = app.state.platform
        index = app.state.services["search"].state.search.ready_index()
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            admin = await sign_in(client, email)
            r = await client.post("/api/v1/admin/categories", json={"name": "Filmes"},
                                  headers=admin)  # fmt: skip
            category = r.json()["id"]
            r = await client.post("/api/v1/admin/genres", headers=admin,
                                  json={"name": "Ficção", "categories": [category]})  # fmt: skip
            genre = r.json()["id"]
            for n in range(30):
                video = {"title": f"Sintel {n:02d}", "launch_year": 2010, "duration": 15,
                         "rating": "12", "published": True, "genres": [genre],
                         "categories": [category]}  # fmt: skip
                r = await client.post("/api/v1/admin/videos", json=video, headers=admin)
                assert r.status_code == 201, r.text
            await platform.bus.join()
            put = await client.put("/api/v1/admin/search/synonyms/sci-fi", headers=admin,
                                   json={"synonyms": ["ficcao", "scifi"]})  # fmt: skip
            assert put.status_code == 200, put.text
            # The index drifted from the catalog: two documents lost.
            lost = await client.get("/api/v1/search", params={"q": "sintel 07"}, headers=admin)
            dropped = [hit["id"] for hit in lost.json()["items"][:2]]
            for video_id in dropped:
                await index.delete_video(video_id)
            before = await index.alias_target()

            statuses: list[int] = []
            counts: list[int] = []
            done = anyio.Event()

            async def keep_searching() -> None:
                while not done.is_set():
                    r = await client.get("/api/v1/search", params={"q": "sintel", "per_page": 1},
                                         headers=admin)  # fmt: skip
                    statuses.append(r.status_code)
                    if r.status_code == 200:
                        counts.append(r.json()["found"])

            tokens = service_tokens_for(app.state.services["search"].state.search.settings,
                                        platform)  # fmt: skip
            async with anyio.create_task_group() as tg:
                tg.start_soon(keep_searching)
                async with httpx.AsyncClient(base_url=base, auth=tokens.auth()) as catalog:
                    report = await reindex(index=index, catalog=catalog)
                done.set()

            assert report.documents == 30 and report.previous == before
            assert await index.alias_target() == report.collection != before
            assert len(statuses) > 5 and set(statuses) == {200}, set(statuses)
            assert dropped and set(counts) <= {30 - len(dropped), 30}
            found = await client.get("/api/v1/search", params={"q": "scifi"}, headers=admin)
            assert found.json()["found"] == 30  # documents back, synonyms carried over
            hit = found.json()["items"][0]
            assert hit["genres"] == [{"id": genre, "name": "Ficção"}]
            # Events keep reaching the new collection.
            r = await client.post("/api/v1/admin/videos", headers=admin, json={
                "title": "Cosmos Laundromat", "launch_year": 2015, "duration": 12,
                "rating": "14", "published": True})  # fmt: skip
            await wait_for_titles(client, admin, "cosmos", ["Cosmos Laundromat"])


async def test_a_lost_collection_is_rebuilt_at_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    await create_account(data_dir=data_dir, email=email, password=PASSWORD, name="Admin",
                         roles=["admin"])  # fmt: skip

    def gateway(base: str) -> FastAPI:
        settings = gateway_settings(data_dir=data_dir)
        return create_gateway(settings, services=["identity", "catalog", "search"])

    async with serving(gateway) as (app, base):
        index = app.state.services["search"].state.search.ready_index()
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            admin = await sign_in(client, email)
            r = await client.post("/api/v1/admin/videos", headers=admin, json={
                "title": "Spring", "launch_year": 2019, "duration": 8, "rating": "L",
                "published": True})  # fmt: skip
            assert r.status_code == 201
            await wait_for_titles(client, admin, "spring", ["Spring"])
        collection = await index.alias_target()
        await index.client.aliases[index.alias].delete()
        await index.drop_collection(collection)

    async with serving(gateway) as (app, base):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            admin = await sign_in(client, email)
            await wait_for_titles(client, admin, "spring", ["Spring"])
