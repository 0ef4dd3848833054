"""Crafted input and unexpected failures answer problem details on a connection that lives on.

A real uvicorn serves the embedded platform; one httpx client sends every request, and the
client's end of the TCP connection shows whether the server kept it.
"""

from __future__ import annotations

import httpx
import pytest

from apis.subscription import plans
from tests.integration.gateway.conftest import RunningGateway
from tests.support.serving import connection_of

PROBLEM_JSON = "application/problem+json"
ATTACKS = [
    "/api/v1/plans?cursor=WyI5OTk5LTEyLTMxVDIzOjU5OjU5IiwgIngiXQ",
    "/api/v1/plans?cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgIlx1ZDgwMCJd",
    "/api/v1/videos?year=99999999999999999999999",
    "/api/v1/videos?year=-99999999999999999999999",
    "/api/v1/admin/videos?year=99999999999999999999999",
    "/api/v1/admin/videos?title=%00",
    # sort=year, cursor value 10**30; sort=title, cursor value "\u0000\ud800"
    "/api/v1/videos?sort=year&cursor=eyJzIjoiLWxhdW5jaF95ZWFyIiwidiI6MTAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMCwiaWQiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAifQ",
    "/api/v1/videos?sort=title&cursor=eyJzIjoidGl0bGUiLCJ2IjoiXHUwMDAwXHVkODAwIiwiaWQiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAifQ",
]


def one_connection(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, limits=httpx.Limits(max_connections=1))


async def test_crafted_queries_get_a_422_problem_on_a_kept_connection(
    gateway: RunningGateway,
) -> None:
    async with one_connection(gateway.url) as client:
        first = await client.get("/healthz")
        for path in ATTACKS:
            response = await client.get(path, headers=gateway.admin)
            assert response.status_code == 422, (path, response.text)
            assert response.headers["content-type"] == PROBLEM_JSON
            after = await client.get("/healthz")
            assert after.status_code == 200
            assert connection_of(after) == connection_of(first), f"{path} dropped the connection"


async def test_an_unexpected_failure_is_a_500_problem_with_the_correlation_id(
    gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(**_: object) -> None:
        raise RuntimeError("the plans table went away")

    monkeypatch.setattr(plans, "list_plans", broken)
    async with one_connection(gateway.url) as client:
        response = await client.get("/api/v1/plans", headers={"X-Correlation-ID": "attack-42"})
        assert response.status_code == 500
        assert response.headers["content-type"] == PROBLEM_JSON
        problem = response.json()
        assert problem["status"] == 500 and problem["correlation_id"] == "attack-42"
        assert "plans table" not in response.text  # no internals to the caller
        assert response.headers["x-correlation-id"] == "attack-42"
        again = await client.get("/api/v1/plans")
        assert again.status_code == 500
        assert connection_of(again) == connection_of(response)
