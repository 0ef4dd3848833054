"""Settings of the gateway: the common ones plus where to listen."""

from __future__ import annotations

from codeflix.settings import CommonSettings


class GatewaySettings(CommonSettings):
    host: str = "127.0.0.1"
    port: int = 8000


def get_settings(**overrides: object) -> GatewaySettings:
    return GatewaySettings(**overrides)  # type: ignore[arg-type]
