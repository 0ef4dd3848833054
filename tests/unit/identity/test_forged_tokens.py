"""Every forged or stale token is refused with 401 by another service; a missing role is 403."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from joserfc.jwk import RSAKey

from apis.identity.tokens import sign
from tests.support.identity import IdentityHarness
from tests.unit.identity.conftest import b64, claims_of, header_of


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
    identity: IdentityHarness, protected: FastAPI, forgery: Callable[[IdentityHarness], str]
) -> None:
    async with identity.client(protected) as client:
        response = await client.get(
            "/api/v1/admin/things", headers={"Authorization": f"Bearer {forgery(identity)}"}
        )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.headers["content-type"] == "application/problem+json"


async def test_no_token_is_401_with_a_bearer_challenge(
    identity: IdentityHarness, protected: FastAPI
) -> None:
    async with identity.client(protected) as client:
        missing = await client.get("/api/v1/me")
        basic = await client.get("/api/v1/me", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert missing.status_code == basic.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="codeflix"'


async def test_a_genuine_token_passes_and_a_missing_role_is_403(
    identity: IdentityHarness, protected: FastAPI
) -> None:
    async with identity.client(protected) as client:
        viewer = await client.get("/api/v1/admin/things", headers=identity.headers(roles=["user"]))
        admin = await client.get(
            "/api/v1/admin/things", headers=identity.headers(roles=["catalog-admin"], subject="a1")
        )
        me = await client.get("/api/v1/me", headers=identity.headers(roles=["user"], subject="u1"))
    assert viewer.status_code == 403
    assert viewer.json()["detail"] == "this needs the role catalog-admin"
    assert admin.status_code == 200 and admin.json() == {"sub": "a1"}
    assert me.json() == {"sub": "u1", "roles": ["user"]}


async def test_the_admin_role_implies_every_role(
    identity: IdentityHarness, protected: FastAPI
) -> None:
    async with identity.client(protected) as client:
        response = await client.get(
            "/api/v1/admin/things", headers=identity.headers(roles=["admin"])
        )
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
