"""Find the service packages that exist and build their apps for the embedded platform."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from fastapi import FastAPI

from codeflix.platform import Platform

# Every service the embedded platform knows, in start-up order.
SERVICE_NAMES = ("identity", "catalog", "search", "subscription", "playback")


@dataclass
class EmbeddedService:
    name: str
    app: FastAPI

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(self.app.state.route_prefixes)


def available_services() -> list[str]:
    """The services whose package ships an ``app.py`` in this installation."""
    return [
        name
        for name in SERVICE_NAMES
        if importlib.util.find_spec(f"apis.{name}") is not None
        and importlib.util.find_spec(f"apis.{name}.app") is not None
    ]


def build_services(platform: Platform, names: list[str] | None = None) -> list[EmbeddedService]:
    """Build each service's app with its own settings, sharing the platform's clients."""
    built = []
    for name in available_services() if names is None else names:
        config = importlib.import_module(f"apis.{name}.config")
        module = importlib.import_module(f"apis.{name}.app")
        settings = config.get_settings(
            data_dir=platform.settings.data_dir, public_url=platform.settings.public_url
        )
        built.append(EmbeddedService(name, module.create_app(settings, platform=platform)))
    return built
