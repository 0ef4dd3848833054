from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from apis.gateway.app import create_app
from apis.gateway.config import get_settings
from apis.gateway.services import EmbeddedService
from codeflix.platform import Platform
from codeflix.web import service_app


def fake_service(name: str, prefix: str, events: list[str]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append(f"{name} started")
        yield
        events.append(f"{name} stopped")

    app = service_app(name, title=name, lifespan=lifespan, route_prefixes=(prefix,))
    router = APIRouter()

    @router.get(prefix + "/hello")
    def hello() -> dict:
        return {"from": name}

    app.include_router(router)
    return app


def test_gateway_routes_by_prefix_and_runs_service_lifespans(tmp_path, monkeypatch):
    events: list[str] = []
    services = [
        EmbeddedService("catalog", fake_service("catalog", "/api/v1/videos", events)),
        EmbeddedService("playback", fake_service("playback", "/media", events)),
    ]
    monkeypatch.setattr("apis.gateway.app.build_services", lambda platform, names: services)
    settings = get_settings(data_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/videos/hello").json() == {"from": "catalog"}
        assert client.get("/media/hello").json() == {"from": "playback"}
        assert client.get("/api/v1/videosX/hello").status_code == 404
        assert client.get("/healthz").json()["service"] == "gateway"
        assert set(client.get("/").json()["services"]) == {"catalog", "playback"}
        assert events == ["catalog started", "playback started"]
    assert events[-2:] == ["playback stopped", "catalog stopped"]


def test_platform_startup_hooks_wrap_the_services(tmp_path, monkeypatch):
    events: list[str] = []

    @asynccontextmanager
    async def bus() -> AsyncIterator[None]:
        events.append("bus up")
        yield
        events.append("bus down")

    settings = get_settings(data_dir=tmp_path)
    platform = Platform.from_settings(settings)
    platform.startup_hooks.append(bus)
    services = [EmbeddedService("catalog", fake_service("catalog", "/api/v1/videos", events))]
    monkeypatch.setattr("apis.gateway.app.build_services", lambda platform, names: services)
    with TestClient(create_app(settings, platform=platform)):
        pass
    assert events == ["bus up", "catalog started", "catalog stopped", "bus down"]
