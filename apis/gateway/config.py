"""Settings of the gateway: the common ones plus where to listen and what to serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import field_validator
from pydantic_settings import NoDecode

from apis.gateway.services import SERVICE_NAMES
from apis.gateway.webapp import DEFAULT_WEB_DIST
from codeflix.settings import CommonSettings


class GatewaySettings(CommonSettings):
    host: str = "127.0.0.1"
    port: int = 8000
    # The viewer web app's build (`npm run build` in web/); without it `/` lists the services.
    web_dist: Path = DEFAULT_WEB_DIST
    # The services mounted behind the gateway, comma-separated (CODEFLIX_GATEWAY_SERVICES):
    # unset mounts every one installed (the embedded platform); empty mounts none, so a
    # deployed gateway pod serves only the web app, its config and the merged docs.
    gateway_services: Annotated[list[str] | None, NoDecode] = None

    @field_validator("gateway_services", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        if isinstance(value, str):
            value = [name.strip() for name in value.split(",") if name.strip()]
        if isinstance(value, list):
            unknown = [name for name in value if name not in SERVICE_NAMES]
            if unknown:
                raise ValueError(
                    f"CODEFLIX_GATEWAY_SERVICES names no service {', '.join(map(str, unknown))}; "
                    f"choose among {', '.join(SERVICE_NAMES)} or leave it empty"
                )
        return value


def get_settings(**overrides: object) -> GatewaySettings:
    return GatewaySettings(**overrides)  # type: ignore[arg-type]
