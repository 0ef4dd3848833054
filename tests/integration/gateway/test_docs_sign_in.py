"""/docs signs in as Swagger UI does: the document's OAuth2 URLs, PKCE, codeflix-web."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import uuid
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from apis.gateway.app import create_app
from apis.gateway.config import get_settings

BASE = "http://127.0.0.1:8000"  # the default public URL, registered for codeflix-web
PASSWORD = "Popcorn and 4 films!"


def hidden_fields(html: str) -> dict[str, str]:
    pattern = r'<input type="hidden" name="([^"]+)" value="([^"]*)">'
    return {name: unescape(value) for name, value in re.findall(pattern, html)}


async def test_swagger_ui_signs_in_with_pkce_and_calls_a_protected_route(tmp_path: Path) -> None:
    app = create_app(get_settings(data_dir=tmp_path / "var"), services=["identity", "catalog"])
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE) as browser,
    ):
        document = (await browser.get("/openapi.json")).json()
        flow = document["components"]["securitySchemes"]["codeflix"]["flows"]
        auth_url = flow["authorizationCode"]["authorizationUrl"]
        token_url = flow["authorizationCode"]["tokenUrl"]
        docs = (await browser.get("/docs")).text
        assert '"clientId": "codeflix-web"' in docs
        email = f"viewer-{uuid.uuid4().hex[:8]}@example.com"
        account = {"email": email, "password": PASSWORD, "name": "Viewer"}
        assert (await browser.post("/api/v1/accounts", json=account)).status_code == 201

        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        redirect_uri = f"{BASE}/docs/oauth2-redirect"
        page = await browser.get(
            auth_url,
            params={
                "response_type": "code", "client_id": "codeflix-web",
                "redirect_uri": redirect_uri, "scope": "openid profile email",
                "state": "swagger", "code_challenge": challenge.decode().rstrip("="),
                "code_challenge_method": "S256",
            },
        )  # fmt: skip
        assert page.status_code == 200, page.text
        form = {**hidden_fields(page.text), "username": email, "password": PASSWORD}
        signed_in = await browser.post("/realms/codeflix/login-actions/authenticate", data=form)
        location = signed_in.headers["location"]
        assert location.startswith(redirect_uri)
        assert (await browser.get(location)).status_code == 200  # Swagger's redirect page
        code = parse_qs(urlsplit(location).query)["code"][0]
        tokens = await browser.post(
            token_url,
            data={
                "grant_type": "authorization_code", "client_id": "codeflix-web", "code": code,
                "redirect_uri": redirect_uri, "code_verifier": verifier,
            },
        )  # fmt: skip
        assert tokens.status_code == 200, tokens.text
        bearer = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        assert (await browser.get("/api/v1/videos", headers=bearer)).status_code == 200
