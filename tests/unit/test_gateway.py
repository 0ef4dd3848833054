import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
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
    settings = get_settings(data_dir=tmp_path, web_dist=tmp_path / "no-build")
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


def built_web_app(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><div id=root></div>")
    (root / "assets" / "app-3f2a.js").write_text("console.log('codeflix')")
    (root / "favicon.svg").write_text("<svg/>")
    return root


def test_the_gateway_serves_the_web_app_and_keeps_api_paths(tmp_path, monkeypatch):
    services = [EmbeddedService("catalog", fake_service("catalog", "/api/v1/videos", []))]
    monkeypatch.setattr("apis.gateway.app.build_services", lambda platform, names: services)
    dist = built_web_app(tmp_path / "dist")
    (tmp_path / "secret.txt").write_text("outside the app")
    settings = get_settings(data_dir=tmp_path / "var", web_dist=dist)
    with TestClient(create_app(settings)) as client:
        index = client.get("/")
        assert index.status_code == 200 and "<div id=root>" in index.text
        assert index.headers["cache-control"] == "no-cache"
        asset = client.get("/assets/app-3f2a.js")
        assert asset.text == "console.log('codeflix')"
        assert "immutable" in asset.headers["cache-control"]
        assert asset.headers["content-type"].startswith("text/javascript")
        assert client.get("/favicon.svg").text == "<svg/>"
        # Deep links of the single-page app get index.html; its router takes over.
        for deep_link in ("/title/42", "/plans", "/watch/abc?t=10"):
            page = client.get(deep_link)
            assert page.status_code == 200 and "<div id=root>" in page.text, deep_link
        # API and platform paths keep precedence and never turn into HTML.
        assert client.get("/api/v1/videos/hello").json() == {"from": "catalog"}
        for path in ("/api/v1/nothing", "/realms/other/x", "/media/g/x/y", "/assets/gone.js"):
            missing = client.get(path)
            assert missing.status_code == 404, path
            assert missing.headers["content-type"] == "application/problem+json", path
        assert client.get("/healthz").json()["service"] == "gateway"
        # No path leaves the build folder.
        for escape in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"):
            assert "outside the app" not in client.get(escape).text, escape


def test_without_a_build_the_root_lists_the_services(tmp_path, monkeypatch):
    services = [EmbeddedService("catalog", fake_service("catalog", "/api/v1/videos", []))]
    monkeypatch.setattr("apis.gateway.app.build_services", lambda platform, names: services)
    settings = get_settings(data_dir=tmp_path, web_dist=tmp_path / "no-build")
    with TestClient(create_app(settings)) as client:
        assert set(client.get("/").json()["services"]) == {"catalog"}
        assert client.get("/title/42").status_code == 404


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")  # GET+HEAD routes of the services
def test_the_gateway_openapi_shows_every_service_path(tmp_path):
    settings = get_settings(data_dir=tmp_path, web_dist=tmp_path / "no-build")
    with TestClient(create_app(settings, services=["catalog", "playback"])) as client:
        doc = client.get("/openapi.json").json()
    assert {"/api/v1/videos", "/api/v1/playback/{video_id}", "/api/v1/me/continue-watching"} <= set(
        doc["paths"]
    )
    refs = {m.group(1) for m in re.finditer(r'"#/components/schemas/([^"]+)"', json.dumps(doc))}
    assert refs <= set(doc["components"]["schemas"])


def test_the_web_apps_api_types_come_from_the_current_openapi(capsys):
    from entrypoints.openapi import main

    main()
    saved = Path(__file__).resolve().parents[2] / "web" / "openapi.json"
    assert json.loads(capsys.readouterr().out) == json.loads(saved.read_text()), (
        "web/openapi.json is out of date: run scripts/web.sh api-types"
    )
