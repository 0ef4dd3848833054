"""``CODEFLIX_OIDC_JWKS_URL``: a deployed service fetches the issuer's keys at an internal
address (the identity Service in the cluster) while tokens keep naming the public issuer."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from codeflix.auth import InvalidToken, TokenVerifier, verifier_for
from codeflix.settings import ServiceSettings

PUBLIC_ISSUER = "https://codeflix.example.com/realms/codeflix"
INTERNAL_JWKS = "http://identity.codeflix.svc:8000/realms/codeflix/protocol/openid-connect/certs"


@pytest.fixture(scope="module")
def key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": uuid.uuid4().hex, "use": "sig"})


def token(key: RSAKey, *, issuer: str) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": "codeflix",
        "sub": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 300,
        "typ": "Bearer",
    }
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def internal_identity(key: RSAKey, fetched: list[str]) -> httpx.AsyncClient:
    """Serves the JWKS at the internal address only; the public one is not reachable."""

    def handle(request: httpx.Request) -> httpx.Response:
        fetched.append(str(request.url))
        if str(request.url) != INTERNAL_JWKS:
            return httpx.Response(502, text="no route to the public address from here")
        return httpx.Response(200, json=KeySet([key]).as_dict(private=False))

    return httpx.AsyncClient(transport=httpx.MockTransport(handle))


async def test_keys_come_from_the_internal_url_and_tokens_still_name_the_public_issuer(
    key: RSAKey,
) -> None:
    fetched: list[str] = []
    verifier = TokenVerifier(
        issuer=PUBLIC_ISSUER,
        jwks_url=INTERNAL_JWKS,
        http=lambda: internal_identity(key, fetched),
    )

    principal = await verifier.verify(token(key, issuer=PUBLIC_ISSUER))

    assert principal.subject
    assert fetched == [INTERNAL_JWKS]
    # The internal address is where keys are found, not an issuer the service trusts.
    with pytest.raises(InvalidToken, match="iss"):
        await verifier.verify(
            token(key, issuer="http://identity.codeflix.svc:8000/realms/codeflix")
        )


def test_services_read_the_jwks_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFLIX_OIDC_ISSUER", PUBLIC_ISSUER)
    monkeypatch.setenv("CODEFLIX_OIDC_JWKS_URL", INTERNAL_JWKS)

    verifier = verifier_for(ServiceSettings(public_url="https://codeflix.example.com"))

    assert verifier.jwks_url == INTERNAL_JWKS
    assert verifier.issuer == PUBLIC_ISSUER


def test_without_the_setting_keys_come_from_the_issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFLIX_OIDC_ISSUER", PUBLIC_ISSUER)
    monkeypatch.delenv("CODEFLIX_OIDC_JWKS_URL", raising=False)

    verifier = verifier_for(ServiceSettings())

    assert verifier.jwks_url == f"{PUBLIC_ISSUER}/protocol/openid-connect/certs"
