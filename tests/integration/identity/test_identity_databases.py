"""The identity service on both of its databases: SQLite (embedded) and PostgreSQL (deployed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from authlib.common.security import generate_token

from tests.support.clock import FakeClock
from tests.support.identity import IdentityHarness, identity_settings, start_identity
from tests.unit.identity.helpers import (
    CALLBACK,
    authorization_code,
    register,
    signed_in_tokens,
    token_request,
)


async def test_sign_up_sign_in_refresh_and_reuse_detection(identity_db: IdentityHarness) -> None:
    await register(identity_db, "ada@example.com")
    tokens = await signed_in_tokens(identity_db, "ada@example.com")
    principal = await identity_db.verifier.verify(tokens["access_token"])
    assert principal.email == "ada@example.com" and principal.roles == {"user"}

    form = {"grant_type": "refresh_token", "client_id": "codeflix-web"}
    second = await token_request(identity_db, **form, refresh_token=tokens["refresh_token"])
    assert second.status_code == 200
    reuse = await token_request(identity_db, **form, refresh_token=tokens["refresh_token"])
    assert reuse.json()["error"] == "invalid_grant"
    after = await token_request(identity_db, **form, refresh_token=second.json()["refresh_token"])
    assert after.json()["error"] == "invalid_grant"


async def test_two_concurrent_refreshes_of_one_token_cannot_both_succeed(
    identity_db: IdentityHarness,
) -> None:
    await register(identity_db, "ada@example.com")
    tokens = await signed_in_tokens(identity_db, "ada@example.com")
    form = {
        "grant_type": "refresh_token",
        "client_id": "codeflix-web",
        "refresh_token": tokens["refresh_token"],
    }
    responses = await asyncio.gather(*(token_request(identity_db, **form) for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [200, 400, 400, 400]


async def test_a_code_replay_is_refused(identity_db: IdentityHarness) -> None:
    await register(identity_db, "ada@example.com")
    verifier = generate_token(48)
    code = await authorization_code(identity_db, "ada@example.com", code_verifier=verifier)
    form = {
        "grant_type": "authorization_code",
        "client_id": "codeflix-web",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    assert (await token_request(identity_db, **form)).status_code == 200
    assert (await token_request(identity_db, **form)).json()["error"] == "invalid_grant"


async def test_failed_logins_are_counted_and_throttled(identity_db: IdentityHarness) -> None:
    await register(identity_db, "ada@example.com")
    form = {"grant_type": "password", "client_id": "codeflix-cli", "username": "ada@example.com"}
    limit = identity_db.settings.login_failures_per_account
    statuses = [
        (await token_request(identity_db, **form, password="wrong-wrong-wrong")).status_code
        for _ in range(limit + 1)
    ]
    assert statuses == [401] * limit + [429]


async def test_keys_and_accounts_survive_a_restart(database_url: str, tmp_path: Path) -> None:
    settings, clock = identity_settings(tmp_path, database_url=database_url), FakeClock()
    async for first in start_identity(settings, clock):
        await register(first, "ada@example.com")
        token = first.token(roles=["catalog-admin"])
    async for second in start_identity(settings, clock):
        assert (await second.verifier.verify(token)).roles == {"catalog-admin"}
        tokens = await signed_in_tokens(second, "ada@example.com")
        assert (await second.verifier.verify(tokens["access_token"])).email == "ada@example.com"


async def test_two_concurrent_exchanges_of_one_code_cannot_both_succeed(
    identity_db: IdentityHarness,
) -> None:
    await register(identity_db, "ada@example.com")
    verifier = generate_token(48)
    code = await authorization_code(identity_db, "ada@example.com", code_verifier=verifier)
    form = {
        "grant_type": "authorization_code",
        "client_id": "codeflix-web",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    responses = await asyncio.gather(*(token_request(identity_db, **form) for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [200, 400, 400, 400]
