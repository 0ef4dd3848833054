"""``CODEFLIX_GATEWAY_SERVICES``: which services the gateway mounts. Unset, every one (the
embedded platform); empty, none: a deployed gateway pod serves the web app and the docs."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from apis.gateway.app import create_app
from apis.gateway.config import get_settings
from apis.gateway.services import SERVICE_NAMES


def built_web_app(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><div id=root></div>")
    (root / "assets" / "app-3f2a.js").write_text("console.log('codeflix')")
    return root


def test_empty_serves_only_the_web_app_and_the_docs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFLIX_GATEWAY_SERVICES", "")
    settings = get_settings(data_dir=tmp_path / "var", web_dist=built_web_app(tmp_path / "dist"))
    assert settings.gateway_services == []

    with TestClient(create_app(settings)) as client:
        assert "<div id=root>" in client.get("/title/42").text
        assert client.get("/assets/app-3f2a.js").text == "console.log('codeflix')"
        assert client.get("/services").json()["services"] == {}
        assert client.get("/readyz").status_code == 200
        assert client.get("/docs").status_code == 200
        assert not [p for p in client.get("/openapi.json").json()["paths"] if p.startswith("/api")]
        # No service answers: an API path is a 404 problem, never the app's HTML.
        for path in ("/api/v1/videos", "/realms/codeflix/protocol/openid-connect/certs"):
            missing = client.get(path)
            assert missing.status_code == 404, path
            assert missing.headers["content-type"] == "application/problem+json", path
    # Nothing of a service was created: no database file, no Typesense.
    assert not list((tmp_path / "var").glob("*.db"))


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")  # GET+HEAD routes of the services
def test_a_list_mounts_those_services_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFLIX_GATEWAY_SERVICES", "catalog, playback")
    settings = get_settings(data_dir=tmp_path, web_dist=tmp_path / "no-build")

    with TestClient(create_app(settings)) as client:
        assert set(client.get("/services").json()["services"]) == {"catalog", "playback"}
        assert client.get("/api/v1/search?q=x").status_code == 404


def test_unset_means_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODEFLIX_GATEWAY_SERVICES", raising=False)
    assert get_settings().gateway_services is None
    monkeypatch.setenv("CODEFLIX_GATEWAY_SERVICES", ",".join(SERVICE_NAMES))
    assert get_settings().gateway_services == list(SERVICE_NAMES)


def test_an_unknown_service_is_refused_with_the_names_to_choose_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CODEFLIX_GATEWAY_SERVICES", "catalog,catalgo")
    with pytest.raises(ValidationError, match="names no service catalgo; choose among identity"):
        get_settings()
