"""The running platform's /metrics tells its routes apart."""

from __future__ import annotations

import httpx

from tests.integration.gateway.conftest import RunningGateway
from tests.support.metrics import sample


async def test_metrics_count_each_route_of_the_running_platform(gateway: RunningGateway) -> None:
    async with httpx.AsyncClient(base_url=gateway.url) as client:
        for _ in range(3):
            assert (await client.get("/api/v1/plans")).status_code == 200
        videos = await client.get("/api/v1/admin/videos", headers=gateway.admin)
        assert videos.status_code == 200
        missing = await client.get(f"/api/v1/videos/{'0' * 8}-0000-0000-0000-{'0' * 12}",
                                   headers=gateway.admin)  # fmt: skip
        assert missing.status_code == 404
        metrics = (await client.get("/metrics")).text
    assert sample(metrics, "subscription", "/api/v1/plans", "GET", "200") == 3
    assert sample(metrics, "catalog", "/api/v1/admin/videos", "GET", "200") == 1
    assert sample(metrics, "catalog", "/api/v1/videos/{video_id}", "GET", "404") == 1
    assert sample(metrics, "identity", "/realms/codeflix/protocol/openid-connect/token",
                  "POST", "200") == 1  # the fixture's sign-in  # fmt: skip
