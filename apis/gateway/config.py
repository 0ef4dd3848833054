"""Settings of the gateway: the common ones plus where to listen."""

from __future__ import annotations

from pathlib import Path

from apis.gateway.webapp import DEFAULT_WEB_DIST
from codeflix.settings import CommonSettings


class GatewaySettings(CommonSettings):
    host: str = "127.0.0.1"
    port: int = 8000
    # The viewer web app's build (`npm run build` in web/); without it `/` lists the services.
    web_dist: Path = DEFAULT_WEB_DIST


def get_settings(**overrides: object) -> GatewaySettings:
    return GatewaySettings(**overrides)  # type: ignore[arg-type]
