"""Driving the identity app the way a browser and an app would, step by step."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.support.identity import IdentityHarness

OIDC = "/realms/codeflix/protocol/openid-connect"
CALLBACK = "http://identity.test/auth/callback"
PASSWORD = "Popcorn and 4 films!"


def hidden_fields(html: str) -> dict[str, str]:
    pattern = r'<input type="hidden" name="([^"]+)" value="([^"]*)">'
    return {name: unescape(value) for name, value in re.findall(pattern, html)}


def auth_params(**overrides: str) -> dict[str, str]:
    verifier = overrides.pop("code_verifier", "v" * 43)
    params = {
        "client_id": "codeflix-web",
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid profile email",
        "state": "st4te",
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v != ""}


async def register(
    identity: IdentityHarness, email: str, password: str = PASSWORD, name: str = "Ada"
) -> None:
    async with identity.client() as client:
        body = {"email": email, "password": password, "name": name}
        response = await client.post("/api/v1/accounts", json=body)
    assert response.status_code == 201, response.text


async def authorization_code(
    identity: IdentityHarness, email: str, *, code_verifier: str | None = None, **overrides: str
) -> str:
    """Sign in through the login page and return the code from the redirect."""
    code_verifier = code_verifier or generate_token(48)
    async with identity.client() as browser:
        page = await browser.get(
            f"{OIDC}/auth", params=auth_params(code_verifier=code_verifier, **overrides)
        )
        assert page.status_code == 200, page.text
        form = {**hidden_fields(page.text), "username": email, "password": PASSWORD}
        response = await browser.post("/realms/codeflix/login-actions/authenticate", data=form)
    assert response.status_code == 303, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


async def token_request(identity: IdentityHarness, **form: str) -> Any:
    async with identity.client() as client:
        return await client.post(f"{OIDC}/token", data=form)


async def signed_in_tokens(identity: IdentityHarness, email: str) -> dict[str, Any]:
    verifier = generate_token(48)
    code = await authorization_code(identity, email, code_verifier=verifier)
    response = await token_request(
        identity,
        grant_type="authorization_code",
        client_id="codeflix-web",
        code=code,
        redirect_uri=CALLBACK,
        code_verifier=verifier,
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens
