"""Signing keys: rotation without breaking tokens in flight, and persistence across restarts."""

from __future__ import annotations

from pathlib import Path

import pytest

from apis.identity.keys import rotate_signing_key
from codeflix.auth import InvalidToken
from tests.support.clock import FakeClock
from tests.support.identity import IdentityHarness, identity_settings, start_identity
from tests.unit.identity.conftest import header_of, protected_app
from tests.unit.identity.helpers import OIDC


async def published_kids(identity: IdentityHarness) -> list[str]:
    async with identity.client() as client:
        jwks = (await client.get("/realms/codeflix/protocol/openid-connect/certs")).json()
    assert all(set(key) >= {"kid", "kty", "n", "e", "use", "alg"} for key in jwks["keys"])
    assert not any("d" in key or "p" in key for key in jwks["keys"]), "a private part leaked"
    return [key["kid"] for key in jwks["keys"]]


async def rotate(identity: IdentityHarness) -> None:
    async with identity.app.state.sessions.begin() as session:
        await rotate_signing_key(
            session=session, secret=identity.settings.secret_key, now=identity.clock.now()
        )
    await identity.reload_keys()


async def test_rotation_keeps_old_tokens_valid_until_they_expire(identity: IdentityHarness) -> None:
    verifier = identity.new_verifier()
    old_token = identity.token(roles=["user"])
    old_kid = header_of(old_token)["kid"]
    await verifier.verify(old_token)

    await rotate(identity)
    new_token = identity.token(roles=["user"])
    new_kid = header_of(new_token)["kid"]
    assert new_kid != old_kid
    assert await published_kids(identity) == [old_kid, new_kid]

    identity.clock.advance(11)  # past the verifier's minimum time between two JWKS fetches
    assert (await verifier.verify(new_token)).roles == {"user"}, "the new key was not picked up"
    assert (await verifier.verify(old_token)).roles == {"user"}
    assert (await identity.new_verifier().verify(old_token)).roles == {"user"}

    # Expired, while its key is still published (the retirement grace covers clock leeway).
    identity.clock.advance(identity.settings.access_token_seconds + 31)
    with pytest.raises(InvalidToken, match="Expired"):
        await verifier.verify(old_token)
    identity.clock.advance(30)
    assert await published_kids(identity) == [new_kid]


async def test_a_key_gone_from_the_jwks_stops_working_even_for_fresh_tokens(
    identity: IdentityHarness,
) -> None:
    # Someone who stole the old private key keeps minting tokens with fresh times after the
    # rotation; once the identity service stops publishing that key, services must refuse them.
    service = protected_app(identity)
    leaked = identity.ring.active if identity.ring else None
    assert leaked is not None
    async with identity.client(service) as client:
        assert (await client.get("/api/v1/me", headers=identity.headers())).status_code == 200
    async with identity.client() as client:
        userinfo = await client.get(f"{OIDC}/userinfo", headers=identity.headers())
        assert userinfo.status_code == 200

    await rotate(identity)
    # The service refetches the keys (its five minutes are up) just before the old one leaves.
    identity.clock.advance(identity.settings.access_token_seconds + 59)
    async with identity.client(service) as client:
        assert (await client.get("/api/v1/me", headers=identity.headers())).status_code == 200
    identity.clock.advance(2)
    assert header_of(identity.token(key=leaked))["kid"] not in await published_kids(identity)

    # Within the JWKS's max-age (60 s) of the key leaving it, every service refuses it, though
    # every token it sees names a key it knows and so nothing else makes it refetch.
    identity.clock.advance(60)
    forged = {"Authorization": f"Bearer {identity.token(key=leaked)}"}
    async with identity.client(service) as client:
        assert (await client.get("/api/v1/me", headers=forged)).status_code == 401
        assert (await client.get("/api/v1/me", headers=identity.headers())).status_code == 200
    async with identity.client() as client:
        assert (await client.get(f"{OIDC}/userinfo", headers=forged)).status_code == 401


async def test_the_jwks_tells_caches_to_keep_it_only_briefly(identity: IdentityHarness) -> None:
    async with identity.client() as client:
        response = await client.get(f"{OIDC}/certs")
    assert response.headers["cache-control"] == "public, max-age=60"


async def test_keys_survive_a_restart(tmp_path: Path) -> None:
    settings, clock = identity_settings(tmp_path), FakeClock()
    async for first in start_identity(settings, clock):
        token = first.token(roles=["catalog-admin"])
        kids = await published_kids(first)
    async for second in start_identity(settings, clock):
        assert await published_kids(second) == kids
        assert (await second.verifier.verify(token)).roles == {"catalog-admin"}


async def test_a_key_past_its_age_is_rotated_at_start_up(tmp_path: Path) -> None:
    settings, clock = identity_settings(tmp_path, signing_key_max_age_days=30), FakeClock()
    async for first in start_identity(settings, clock):
        [old_kid] = await published_kids(first)
    clock.advance(31 * 24 * 3600)
    async for second in start_identity(settings, clock):
        kids = await published_kids(second)
        assert kids[0] == old_kid and len(kids) == 2
        assert header_of(second.token())["kid"] == kids[1]


async def test_stored_private_keys_are_encrypted(identity: IdentityHarness) -> None:
    from sqlalchemy import select

    from apis.identity.models import SigningKey

    async with identity.app.state.sessions() as session:
        stored = (await session.scalars(select(SigningKey.private_pem))).all()
    assert stored and not any("PRIVATE KEY" in pem for pem in stored)
