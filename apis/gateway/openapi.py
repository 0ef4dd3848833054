"""One OpenAPI document for the whole platform: every mounted service's, merged.

Each service's operations are tagged with the service's name. Components keep their names
unless two services mean different things by one name; the later one is then renamed
``<service>_<name>`` and its references follow. The issuer's OAuth2 scheme (authorization
code with PKCE, the ``codeflix-web`` client) is added to every operation that needs a token,
so ``/docs`` can sign in and try every endpoint.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from apis.gateway.services import EmbeddedService

OAUTH_SCHEME = "codeflix"
WEB_CLIENT_ID = "codeflix-web"
SCOPES = {"openid": "sign in", "profile": "your name", "email": "your email address"}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


DOCS, ASSETS, REDIRECT = "/docs", "/docs/assets", "/docs/oauth2-redirect"


def install_merged_docs(app: FastAPI, mounted: Sequence[EmbeddedService], *, issuer: str) -> None:
    """Serve every mounted service's API in the gateway's /openapi.json and /docs.

    Swagger UI's scripts come from the installed swagger-ui-bundle package, not a CDN, so
    /docs works on a machine without internet access.
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = merged_openapi(app, mounted, issuer=issuer)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.swagger_ui_init_oauth = swagger_init_oauth()

    @app.get(DOCS, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=REDIRECT,
            init_oauth=app.swagger_ui_init_oauth,
        )

    @app.get(REDIRECT, include_in_schema=False)
    async def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.mount(ASSETS, StaticFiles(directory=swagger_ui_path), name="swagger-ui")


def oauth2_scheme(issuer: str) -> dict[str, Any]:
    """The issuer's authorization code flow, as an OpenAPI security scheme."""
    endpoints = f"{issuer}/protocol/openid-connect"
    return {
        "type": "oauth2",
        "description": "Sign in with Codeflix (authorization code + PKCE).",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": f"{endpoints}/auth",
                "tokenUrl": f"{endpoints}/token",
                "refreshUrl": f"{endpoints}/token",
                "scopes": SCOPES,
            }
        },
    }


def swagger_init_oauth() -> dict[str, Any]:
    """What Swagger UI signs in with: the public web client, PKCE, OpenID scopes."""
    return {
        "clientId": WEB_CLIENT_ID,
        "usePkceWithAuthorizationCodeGrant": True,
        "scopes": " ".join(SCOPES),
    }


def merged_openapi(
    gateway: FastAPI, services: Sequence[EmbeddedService], *, issuer: str
) -> dict[str, Any]:
    """The gateway's own document with every service's paths and components in it."""
    document = get_openapi(
        title=gateway.title,
        version=gateway.version,
        description=gateway.description,
        routes=gateway.routes,
    )
    paths: dict[str, Any] = document.setdefault("paths", {})
    components: dict[str, dict[str, Any]] = document.setdefault("components", {})
    tags: list[dict[str, str]] = document.setdefault("tags", [])
    operation_ids = {op.get("operationId") for op in _operations(paths)}
    for service in services:
        part = copy.deepcopy(service.app.openapi())
        part = _rewrite_refs(part, _renames(components, part.get("components", {}), service.name))
        for kind, entries in part.get("components", {}).items():
            components.setdefault(kind, {}).update(entries)
        for path, item in part.get("paths", {}).items():
            for operation in _operations({path: item}):
                operation["tags"] = [service.name]
                if operation.get("operationId") in operation_ids:
                    operation["operationId"] = f"{service.name}_{operation['operationId']}"
                operation_ids.add(operation.get("operationId"))
            paths.setdefault(path, {}).update(item)
        tags.append({"name": service.name, "description": service.app.description})
    components.setdefault("securitySchemes", {})[OAUTH_SCHEME] = oauth2_scheme(issuer)
    for operation in _operations(paths):
        if operation.get("security"):
            operation["security"].append({OAUTH_SCHEME: []})
    return document


def _operations(paths: dict[str, Any]) -> list[dict[str, Any]]:
    return [item[m] for item in paths.values() for m in _METHODS if m in item]


def _renames(
    merged: dict[str, dict[str, Any]], incoming: dict[str, dict[str, Any]], service: str
) -> dict[str, str]:
    """References (``#/components/<kind>/<name>``) of ``incoming`` that must take a new name
    because ``merged`` already holds a different component under it."""
    renames: dict[str, str] = {}
    while True:
        rewritten = _rewrite_refs(incoming, renames)
        clashes = {
            f"#/components/{kind}/{name}": f"#/components/{kind}/{service}_{name}"
            for kind, entries in rewritten.items()
            for name, value in entries.items()
            if f"#/components/{kind}/{name}" not in renames
            and name in merged.get(kind, {})
            and merged[kind][name] != value
        }
        if not clashes:
            return renames
        # A renamed component changes those that refer to it: look again until none clash.
        renames.update(clashes)


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    """``node`` with its ``$ref``s and component names renamed."""
    if not renames:
        return node
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            result[key] = renames.get(value, value)
        else:
            result[key] = _rewrite_refs(value, renames)
    if "components" in result and isinstance(result["components"], dict):
        result["components"] = _rename_components(result["components"], renames)
    return result


def _rename_components(
    components: dict[str, dict[str, Any]], renames: dict[str, str]
) -> dict[str, dict[str, Any]]:
    renamed: dict[str, dict[str, Any]] = {}
    for kind, entries in components.items():
        renamed[kind] = {}
        for name, value in entries.items():
            new = renames.get(f"#/components/{kind}/{name}", f"#/components/{kind}/{name}")
            renamed[kind][new.rsplit("/", 1)[-1]] = value
    return renamed
