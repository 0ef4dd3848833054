"""The embedded platform serves the admin console's live stream and still stops on a signal."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from pathlib import Path

import httpx

from apis.gateway.app import create_app
from apis.gateway.config import get_settings
from entrypoints.identity import create_account
from tests.integration.catalog.test_live_events import harmless_sigterm
from tests.integration.gateway.conftest import PASSWORD, password_token
from tests.support.serving import serving


async def test_an_open_stream_does_not_hold_the_platform_when_it_stops(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    await create_account(
        data_dir=data_dir, email=email, password=PASSWORD, name="Admin", roles=["admin"]
    )
    app = create_app(get_settings(data_dir=data_dir), services=["identity", "catalog"])
    with harmless_sigterm():
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
            admin = await password_token(client, email)
            path = "/api/v1/admin/videos/events"
            async with client.stream("GET", path, headers=admin) as response:
                assert response.status_code == 200
                lines = response.aiter_lines()
                assert await asyncio.wait_for(anext(lines), 5) == ": connected"
                os.kill(os.getpid(), signal.SIGTERM)

                async def rest() -> list[str]:
                    return [line async for line in lines]

                assert await asyncio.wait_for(rest(), 5) == [""]  # the stream ended cleanly
