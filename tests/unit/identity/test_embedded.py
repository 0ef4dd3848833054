"""Embedded (``codeflix up``): services verify tokens of the identity app in the same process."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token

from apis.gateway.app import create_app as create_gateway
from apis.gateway.config import get_settings as gateway_settings
from codeflix.auth import verifier_for
from codeflix.platform import Platform
from codeflix.service_tokens import service_tokens_for
from codeflix.settings import ServiceSettings
from tests.unit.identity.helpers import PASSWORD, auth_params, hidden_fields


async def test_services_verify_tokens_of_the_embedded_identity_app(tmp_path: Path) -> None:
    settings = gateway_settings(data_dir=tmp_path)
    platform = Platform.from_settings(settings)
    gateway = create_gateway(settings, platform=platform, services=["identity"])
    async with gateway.router.lifespan_context(gateway):
        catalog_settings = ServiceSettings(data_dir=tmp_path)
        token = await service_tokens_for(catalog_settings, platform).token()
        principal = await verifier_for(catalog_settings, platform).verify(token)
    assert principal.client_id == "codeflix-services"
    assert principal.claims["iss"] == "http://127.0.0.1:8000/realms/codeflix"


def test_deployed_verifiers_use_the_configured_issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFLIX_OIDC_ISSUER", "https://sso.example/realms/codeflix/")
    verifier = verifier_for(ServiceSettings())
    assert verifier.issuer == "https://sso.example/realms/codeflix"
    assert verifier.jwks_url == "https://sso.example/realms/codeflix/protocol/openid-connect/certs"
    assert verifier.audience == "codeflix"


def test_the_issuer_defaults_to_the_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODEFLIX_OIDC_ISSUER", raising=False)
    verifier = verifier_for(ServiceSettings(public_url="https://tv.example/"))
    assert verifier.issuer == "https://tv.example/realms/codeflix"


@pytest.mark.parametrize("address", ["http://127.0.0.1:8000", "http://media-box:9000"])
async def test_the_sign_in_pages_work_through_the_gateway_on_any_address(
    tmp_path: Path, address: str
) -> None:
    """`codeflix up --port 9000` or another host name: the web app's callback is accepted."""
    settings = gateway_settings(data_dir=tmp_path)
    gateway = create_gateway(settings, services=["identity"])
    transport = httpx.ASGITransport(app=gateway)
    callback = f"{address}/auth/callback"
    async with (
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(transport=transport, base_url=address) as browser,
    ):
        signed_up = await browser.post(
            "/api/v1/accounts", json={"email": "ada@example.com", "password": PASSWORD}
        )
        assert signed_up.status_code == 201
        verifier = generate_token(48)
        page = await browser.get(
            "/realms/codeflix/protocol/openid-connect/auth",
            params=auth_params(code_verifier=verifier, redirect_uri=callback),
        )
        assert page.status_code == 200, page.text
        form = {**hidden_fields(page.text), "username": "ada@example.com", "password": PASSWORD}
        redirect = await browser.post("/realms/codeflix/login-actions/authenticate", data=form)
        assert redirect.status_code == 303
        assert redirect.headers["location"].startswith(callback + "?")
        code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
        token = await browser.post(
            "/realms/codeflix/protocol/openid-connect/token",
            data={
                "grant_type": "authorization_code",
                "client_id": "codeflix-web",
                "code": code,
                "redirect_uri": callback,
                "code_verifier": verifier,
            },
        )
    assert token.status_code == 200, token.text


@pytest.mark.parametrize(
    "callback",
    ["http://evil.test/auth/callback", "http://media-box:9001/cb", "http://media-box:9000.evil/"],
)
async def test_the_gateway_refuses_callbacks_on_other_addresses(
    tmp_path: Path, callback: str
) -> None:
    settings = gateway_settings(data_dir=tmp_path)
    gateway = create_gateway(settings, services=["identity"])
    transport = httpx.ASGITransport(app=gateway)
    async with (
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(transport=transport, base_url="http://media-box:9000") as browser,
    ):
        page = await browser.get(
            "/realms/codeflix/protocol/openid-connect/auth",
            params=auth_params(redirect_uri=callback),
        )
    assert page.status_code == 400
    assert "redirect address is not registered" in page.text
