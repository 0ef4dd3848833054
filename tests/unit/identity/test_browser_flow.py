"""The flows a real OIDC client library runs: authorization code + PKCE, refresh, logout,
and client credentials (authlib's httpx client against the real identity app)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.support.identity import ISSUER_BASE, SERVICES_SECRET, IdentityHarness
from tests.unit.identity.conftest import claims_of
from tests.unit.identity.helpers import CALLBACK, PASSWORD, register

OIDC = f"{ISSUER_BASE}/realms/codeflix/protocol/openid-connect"


class FormParser(HTMLParser):
    """Reads the first form of a page: its action and every input's name and value."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = values.get("action")
        if tag == "input" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""


def read_form(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    assert parser.action, "the page has no form"
    return parser


def oauth_client(identity: IdentityHarness, **kwargs: object) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        transport=httpx2.ASGITransport(app=identity.app), base_url=ISSUER_BASE, **kwargs
    )


async def sign_in_through_the_browser(
    identity: IdentityHarness,
    client: AsyncOAuth2Client,
    email: str,
    code_verifier: str,
    nonce: str = "n-0S6_WzA2Mj",
) -> str:
    """Open the authorization URL, post the login form, return the callback URL."""
    url, state = client.create_authorization_url(
        f"{OIDC}/auth", code_verifier=code_verifier, nonce=nonce
    )
    async with identity.client() as browser:
        login_page = await browser.get(url)
        assert login_page.status_code == 200
        assert '<label for="password">' in login_page.text
        form = read_form(login_page.text)
        form.fields.update(username=email, password=PASSWORD)
        submitted = await browser.post(str(form.action), data=form.fields)
    assert submitted.status_code == 303
    callback = submitted.headers["location"]
    assert callback.startswith(CALLBACK)
    assert parse_qs(urlsplit(callback).query)["state"] == [state]
    return callback


async def check_id_token(
    client: AsyncOAuth2Client, identity: IdentityHarness, token: dict[str, str], nonce: str
) -> None:
    """Validate the ID token as an OIDC relying party does, with authlib's rules."""
    jwks = (await client.get(f"{OIDC}/certs")).json()
    decoded = jwt.decode(token["id_token"], KeySet.import_key_set(jwks), algorithms=["RS256"])
    id_token = CodeIDToken(
        decoded.claims,
        decoded.header,
        options={"iss": {"value": identity.issuer}, "aud": {"value": "codeflix-web"}},
        params={"nonce": nonce, "client_id": "codeflix-web", "access_token": token["access_token"]},
    )
    id_token.validate(now=int(identity.clock.timestamp()))
    assert id_token["at_hash"] and id_token["nonce"] == nonce


async def test_the_browser_flow_with_pkce_refresh_and_logout(identity: IdentityHarness) -> None:
    await register(identity, "ada@example.com")
    code_verifier = generate_token(48)
    async with oauth_client(
        identity,
        client_id="codeflix-web",
        redirect_uri=CALLBACK,
        scope="openid profile email",
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    ) as client:
        nonce = generate_token(20)
        callback = await sign_in_through_the_browser(
            identity, client, "ada@example.com", code_verifier, nonce
        )
        token = await client.fetch_token(
            f"{OIDC}/token", authorization_response=callback, code_verifier=code_verifier
        )
        await check_id_token(client, identity, token, nonce)
        claims = claims_of(token["access_token"])
        assert claims["iss"] == identity.issuer
        assert claims["aud"] == "codeflix" and claims["azp"] == "codeflix-web"
        assert claims["realm_access"] == {"roles": ["user"]}
        assert (
            claims["email"] == "ada@example.com"
            and claims["preferred_username"] == "ada@example.com"
        )
        assert claims_of(token["id_token"])["aud"] == "codeflix-web"

        principal = await identity.verifier.verify(token["access_token"])
        assert principal.email == "ada@example.com" and principal.roles == {"user"}

        userinfo = await client.get(f"{OIDC}/userinfo")
        assert userinfo.status_code == 200
        assert userinfo.json()["email"] == "ada@example.com"
        assert userinfo.json()["name"] == "Ada"

        first_refresh_token = token["refresh_token"]
        refreshed = await client.refresh_token(f"{OIDC}/token")
        assert refreshed["refresh_token"] != first_refresh_token
        assert claims_of(refreshed["access_token"])["sub"] == claims["sub"]

        logout = await client.post(
            f"{OIDC}/logout",
            data={"client_id": "codeflix-web", "refresh_token": refreshed["refresh_token"]},
        )
        assert logout.status_code == 204
        after_logout = await client.get(f"{OIDC}/userinfo")
        assert after_logout.status_code == 401
        with pytest.raises(OAuthError, match="invalid_grant"):
            await client.refresh_token(f"{OIDC}/token", refresh_token=refreshed["refresh_token"])


async def test_the_client_credentials_flow(identity: IdentityHarness) -> None:
    async with oauth_client(
        identity, client_id="codeflix-services", client_secret=SERVICES_SECRET
    ) as client:
        token = await client.fetch_token(f"{OIDC}/token", grant_type="client_credentials")
    assert "refresh_token" not in token and "id_token" not in token
    principal = await identity.verifier.verify(token["access_token"])
    assert principal.client_id == "codeflix-services"
    assert principal.username == "service-account-codeflix-services"


async def test_client_credentials_with_a_wrong_secret_is_refused(identity: IdentityHarness) -> None:
    async with oauth_client(
        identity, client_id="codeflix-services", client_secret="guess"
    ) as client:
        with pytest.raises(OAuthError, match="invalid_client"):
            await client.fetch_token(f"{OIDC}/token", grant_type="client_credentials")


async def test_browser_logout_with_an_id_token_hint_ends_the_session(
    identity: IdentityHarness,
) -> None:
    await register(identity, "grace@example.com")
    code_verifier = generate_token(48)
    async with oauth_client(
        identity,
        client_id="codeflix-web",
        redirect_uri=CALLBACK,
        scope="openid",
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    ) as client:
        callback = await sign_in_through_the_browser(
            identity, client, "grace@example.com", code_verifier
        )
        token = await client.fetch_token(
            f"{OIDC}/token", authorization_response=callback, code_verifier=code_verifier
        )
        back = "http://identity.test/signed-out"
        logout = await client.get(
            f"{OIDC}/logout",
            params={
                "id_token_hint": token["id_token"],
                "post_logout_redirect_uri": back,
                "state": "s1",
            },
        )
        assert logout.status_code == 302
        assert logout.headers["location"] == f"{back}?state=s1"
        elsewhere = await client.get(
            f"{OIDC}/logout",
            params={
                "id_token_hint": token["id_token"],
                "post_logout_redirect_uri": "https://evil.example/",
            },
        )
        assert elsewhere.status_code == 400
        with pytest.raises(OAuthError, match="invalid_grant"):
            await client.refresh_token(f"{OIDC}/token")
