"""An anonymous 100 MB sign-up body is refused at the door, not parsed."""

from __future__ import annotations

import resource
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.integration.gateway.conftest import RunningGateway
from tests.support.serving import connection_of

MB = 1024 * 1024
TOTAL = 100 * MB


async def body() -> AsyncIterator[bytes]:
    """A 100 MB JSON body, made as it is sent so the client holds 1 MB at a time."""
    yield b'{"email": "a@example.com", "password": "'
    for _ in range(TOTAL // MB):
        yield b"x" * MB
    yield b'", "name": "x"}'


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_100_mb_sign_up_is_a_413_problem(gateway: RunningGateway, declared: bool) -> None:
    headers = {"content-type": "application/json"}
    if declared:
        headers["content-length"] = str(TOTAL + 55)
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(base_url=gateway.url, timeout=60, limits=limits) as client:
        peak_before = peak_rss_mb()
        response = await client.post("/api/v1/accounts", content=body(), headers=headers)
        grown = peak_rss_mb() - peak_before
        assert response.status_code == 413, response.text
        assert response.headers["content-type"] == "application/problem+json"
        # The server (this process) never held the body: parsing it took +227 MB.
        assert grown < 40, f"peak memory grew by {grown:.0f} MB"
        after = await client.get("/healthz")
        assert after.status_code == 200
        assert connection_of(after) == connection_of(response)
