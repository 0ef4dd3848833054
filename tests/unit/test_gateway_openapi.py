"""The gateway's /openapi.json and /docs show every service's API, signed in with PKCE."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from pydantic import BaseModel

from apis.gateway.app import create_app
from apis.gateway.config import get_settings
from apis.gateway.services import EmbeddedService
from codeflix.web import service_app

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def documented_routes(app: FastAPI) -> list[tuple[str, set[str]]]:
    """(path, methods) of every route the app documents, its included routers' too."""
    return [
        (context.path_format, {m.lower() for m in context.methods} & METHODS)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.include_in_schema
    ]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    data_dir: Path = tmp_path_factory.mktemp("gateway")
    return create_app(get_settings(data_dir=data_dir, public_url="http://codeflix.test"))


def test_every_route_of_every_service_is_in_the_gateway_document(gateway: FastAPI) -> None:
    client = TestClient(gateway)
    document = client.get("/openapi.json").json()
    validate(document)
    services: dict[str, FastAPI] = gateway.state.services
    assert set(services) >= {"identity", "catalog", "subscription", "playback"}
    for name, app in services.items():
        routes = documented_routes(app)
        assert routes, f"{name} has no routes"
        for path, methods in routes:
            operations = document["paths"].get(path)
            assert operations is not None, f"{name}: {path} is missing"
            for method in methods:
                assert operations[method]["tags"] == [name], (path, method)
    assert {t["name"] for t in document["tags"]} >= set(services)
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_the_document_signs_in_with_the_issuer_by_pkce(gateway: FastAPI) -> None:
    document = TestClient(gateway).get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    flow = schemes["codeflix"]["flows"]["authorizationCode"]
    issuer = "http://codeflix.test/realms/codeflix"
    assert flow["authorizationUrl"] == f"{issuer}/protocol/openid-connect/auth"
    assert flow["tokenUrl"] == f"{issuer}/protocol/openid-connect/token"
    assert "openid" in flow["scopes"]
    videos = document["paths"]["/api/v1/admin/videos"]["get"]
    assert {"codeflix": []} in videos["security"]
    assert "security" not in document["paths"]["/api/v1/plans"]["get"]  # public


def test_docs_is_the_swagger_page_with_pkce(gateway: FastAPI) -> None:
    page = TestClient(gateway).get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    assert '"usePkceWithAuthorizationCodeGrant": true' in page.text
    assert '"clientId": "codeflix-web"' in page.text
    assert TestClient(gateway).get("/docs/oauth2-redirect").status_code == 200
    # Swagger UI comes from the gateway itself: /docs works without internet access.
    assert "cdn." not in page.text
    for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"):
        assert f'"{asset}"' in page.text
        served = TestClient(gateway).get(asset)
        assert served.status_code == 200 and len(served.content) > 10_000


def service_with_thing(name: str, prefix: str, field: str) -> FastAPI:
    """A service whose one route takes and returns its own model named ``Thing``."""
    model = type("Thing", (BaseModel,), {"__annotations__": {field: int}})

    def create(body: BaseModel) -> BaseModel:
        return body

    create.__annotations__ = {"body": model, "return": model}
    app = service_app(name, title=f"{name} service", route_prefixes=(prefix,))
    router = APIRouter()
    router.add_api_route(prefix, create, methods=["POST"])
    app.include_router(router)
    return app


def test_components_of_the_same_name_do_not_overwrite_each_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = [
        EmbeddedService("alpha", service_with_thing("alpha", "/api/v1/alpha", "size")),
        EmbeddedService("beta", service_with_thing("beta", "/api/v1/beta", "weight")),
    ]
    monkeypatch.setattr("apis.gateway.app.build_services", lambda platform, names: services)
    document = TestClient(create_app(get_settings(data_dir=tmp_path))).get("/openapi.json").json()
    validate(document)
    schemas = document["components"]["schemas"]

    def body_of(path: str) -> dict:
        content = document["paths"][path]["post"]["requestBody"]["content"]
        ref = content["application/json"]["schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[-1]]

    assert set(body_of("/api/v1/alpha")["properties"]) == {"size"}
    assert set(body_of("/api/v1/beta")["properties"]) == {"weight"}
