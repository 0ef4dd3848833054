"""Beyond its limit of requests in progress a service answers 503 at once, instead of queueing
work its clients will have given up on; health checks and long-lived streams always pass."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from codeflix.web import service_app

LIMIT = 3


def make_app() -> tuple[FastAPI, asyncio.Event, list[str]]:
    app = service_app("demo", title="demo", max_in_flight=LIMIT, long_lived_paths=[r"/media/.*"])
    release, served = asyncio.Event(), []

    @app.get("/slow/{name}")
    async def slow(name: str) -> dict[str, str]:
        await release.wait()  # a request still being worked on
        served.append(name)
        return {"name": name}

    @app.get("/media/{name}")
    async def media(name: str) -> dict[str, str]:
        await release.wait()  # a segment still streaming to a slow viewer
        return {"name": name}

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    return app, release, served


@pytest.fixture
async def service() -> tuple[httpx.AsyncClient, asyncio.Event, list[str]]:
    app, release, served = make_app()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://demo"), release, served


async def test_requests_beyond_the_limit_are_refused_at_once_and_the_rest_served(
    service: tuple[httpx.AsyncClient, asyncio.Event, list[str]],
) -> None:
    client, release, served = service
    working = [asyncio.create_task(client.get(f"/slow/{i}")) for i in range(LIMIT)]
    await asyncio.sleep(0.1)  # all of them are inside the route now
    refused = await asyncio.wait_for(client.get("/slow/extra"), timeout=5)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["status"] == 503
    assert "busy" in refused.json()["detail"]

    # Health, readiness, metrics and long-lived media are answered whatever the load.
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/metrics")).status_code == 200
    streaming = asyncio.create_task(client.get("/media/segment-1.ts"))
    await asyncio.sleep(0.05)
    assert not streaming.done()  # it went in, it was not refused

    release.set()
    answers = await asyncio.gather(*working, streaming)
    assert [a.status_code for a in answers] == [200] * (LIMIT + 1)
    assert sorted(served) == [str(i) for i in range(LIMIT)]  # "extra" never ran


async def test_the_count_comes_back_down_after_errors_and_abandoned_requests(
    service: tuple[httpx.AsyncClient, asyncio.Event, list[str]],
) -> None:
    client, release, _ = service
    for _ in range(LIMIT + 2):
        assert (await client.get("/broken")).status_code == 500
    abandoned = [asyncio.create_task(client.get(f"/slow/{i}")) for i in range(LIMIT)]
    await asyncio.sleep(0.1)
    for task in abandoned:
        task.cancel()  # the clients went away mid-request
    await asyncio.gather(*abandoned, return_exceptions=True)
    release.set()
    answers = await asyncio.gather(*(client.get(f"/slow/again-{i}") for i in range(LIMIT)))
    assert {a.status_code for a in answers} == {200}
