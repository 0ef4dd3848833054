"""Every forged or stale token is refused with 401 by another service; a missing role is 403.

The other service is the real catalog, verifying tokens with the identity service's JWKS.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey

from apis.identity.tokens import sign
from tests.support.catalog import catalog_settings, running_catalog
from tests.support.identity import IdentityHarness
from tests.unit.identity.conftest import b64, claims_of, header_of

ADMIN_ONLY = "/api/v1/admin/categories"  # role catalog-admin
ANY_USER = "/api/v1/categories"  # any signed-in user


@pytest.fixture
async def catalog(identity: IdentityHarness, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = catalog_settings(tmp_path / "catalog")
    async with running_catalog(settings, verifier=identity.verifier) as harness:
        yield harness.client


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"


def alg_none(identity: IdentityHarness) -> str:
    valid = identity.token(roles=["catalog-admin"])
    header = {"alg": "none", "typ": "JWT", "kid": header_of(valid)["kid"]}
    return unsigned(header, claims_of(valid)) + "."


def hs256_with_public_key(identity: IdentityHarness) -> str:
    assert identity.ring is not None
    valid = identity.token(roles=["catalog-admin"])
    header = {"alg": "HS256", "typ": "JWT", "kid": header_of(valid)["kid"]}
    signing_input = unsigned(header, claims_of(valid))
    public_pem = identity.ring.active.as_pem(private=False)
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def wrong_key_same_kid(identity: IdentityHarness) -> str:
    valid = identity.token(roles=["catalog-admin"])
    impostor = RSAKey.generate_key(2048, parameters={"kid": header_of(valid)["kid"]})
    return sign(claims_of(valid), impostor)


def wrong_key_unknown_kid(identity: IdentityHarness) -> str:
    valid = identity.token(roles=["catalog-admin"])
    return sign(claims_of(valid), RSAKey.generate_key(2048, parameters={"kid": "attacker"}))


def with_claims(**changes: Any) -> Callable[[IdentityHarness], str]:
    def forge(identity: IdentityHarness) -> str:
        assert identity.ring is not None
        claims = {**claims_of(identity.token(roles=["catalog-admin"])), **changes}
        return sign(claims, identity.ring.active)

    return forge


def expired(identity: IdentityHarness) -> str:
    assert identity.ring is not None
    claims = claims_of(identity.token(roles=["catalog-admin"]))
    claims["iat"], claims["exp"] = claims["iat"] - 900, claims["iat"] - 600
    return sign(claims, identity.ring.active)


def not_yet_valid(identity: IdentityHarness) -> str:
    assert identity.ring is not None
    claims = claims_of(identity.token(roles=["catalog-admin"]))
    claims["nbf"] = claims["iat"] + 600
    return sign(claims, identity.ring.active)


def tampered_payload(identity: IdentityHarness) -> str:
    header, _, signature = identity.token(roles=["user"]).split(".")
    claims = claims_of(identity.token(roles=["user"]))
    claims["realm_access"] = {"roles": ["admin"]}
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


def without_claim(name: str) -> Callable[[IdentityHarness], str]:
    def forge(identity: IdentityHarness) -> str:
        assert identity.ring is not None
        claims = claims_of(identity.token(roles=["catalog-admin"]))
        del claims[name]
        return sign(claims, identity.ring.active)

    return forge


FORGERIES: dict[str, Callable[[IdentityHarness], str]] = {
    "alg none": alg_none,
    "HS256 signed with the public key": hs256_with_public_key,
    "wrong key, same kid": wrong_key_same_kid,
    "wrong key, unknown kid": wrong_key_unknown_kid,
    "expired": expired,
    "not yet valid": not_yet_valid,
    "wrong issuer": with_claims(iss="https://evil.example/realms/codeflix"),
    "wrong audience": with_claims(aud="someone-else"),
    "ID token instead of access token": with_claims(typ="ID"),
    "tampered payload": tampered_payload,
    "no expiry": without_claim("exp"),
    "no audience": without_claim("aud"),
    "garbage": lambda identity: "not-a-token",
    "two parts": lambda identity: "eyJhbGciOiJSUzI1NiJ9.e30",
    "header not JSON": lambda identity: "bm90IGpzb24.e30.c2ln",
}


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
async def test_a_forged_token_is_refused_with_401(
    identity: IdentityHarness,
    catalog: httpx.AsyncClient,
    forgery: Callable[[IdentityHarness], str],
) -> None:
    response = await catalog.get(
        ADMIN_ONLY, headers={"Authorization": f"Bearer {forgery(identity)}"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.headers["content-type"] == "application/problem+json"


async def test_no_token_is_401_with_a_bearer_challenge(catalog: httpx.AsyncClient) -> None:
    missing = await catalog.get(ANY_USER)
    basic = await catalog.get(ANY_USER, headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert missing.status_code == basic.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="codeflix"'


async def test_a_genuine_token_passes_and_a_missing_role_is_403(
    identity: IdentityHarness, catalog: httpx.AsyncClient
) -> None:
    viewer = identity.headers(roles=["user"])
    assert (await catalog.get(ANY_USER, headers=viewer)).status_code == 200
    refused = await catalog.get(ADMIN_ONLY, headers=viewer)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this needs the role catalog-admin"
    admin = identity.headers(roles=["catalog-admin"])
    assert (await catalog.get(ADMIN_ONLY, headers=admin)).status_code == 200


async def test_the_admin_role_implies_every_role(
    identity: IdentityHarness, catalog: httpx.AsyncClient
) -> None:
    response = await catalog.get(ADMIN_ONLY, headers=identity.headers(roles=["admin"]))
    assert response.status_code == 200


async def test_forged_kids_do_not_make_the_verifier_refetch_the_keys_each_time(
    identity: IdentityHarness,
) -> None:
    fetches = []

    def counting_client() -> Any:
        fetches.append(1)
        return identity.client()

    verifier = identity.new_verifier(http=counting_client)
    await verifier.verify(identity.token())
    for _ in range(5):
        with pytest.raises(Exception, match="unknown signing key"):
            await verifier.verify(wrong_key_unknown_kid(identity))
    assert len(fetches) == 1
