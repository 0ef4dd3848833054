"""Abuse limits hold against requests sent in parallel, on SQLite and on PostgreSQL.

Each test fires real HTTP requests at the identity app concurrently (``asyncio.gather``): the
limit is reached by exactly as many requests as it allows, never more.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.clock import FakeClock
from tests.support.identity import IdentityHarness, identity_settings, start_identity
from tests.unit.identity.helpers import PASSWORD, register, token_request

WRONG = "wrong-wrong-wrong"


async def sign_in(identity: IdentityHarness, email: str, password: str) -> httpx.Response:
    response: httpx.Response = await token_request(
        identity,
        grant_type="password",
        client_id="codeflix-cli",
        username=email,
        password=password,
    )
    return response


async def sign_up(identity: IdentityHarness, email: str) -> httpx.Response:
    async with identity.client() as client:
        body = {"email": email, "password": PASSWORD, "name": "Ada"}
        return await client.post("/api/v1/accounts", json=body)


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


async def test_wrong_passwords_in_parallel_get_exactly_the_account_limit(
    identity_db: IdentityHarness,
) -> None:
    await register(identity_db, "ada@example.com")
    limit = identity_db.settings.login_failures_per_account
    responses: list[httpx.Response] = []
    for _ in range(3):  # 30 guesses, 10 at a time
        batch = [sign_in(identity_db, "ada@example.com", WRONG) for _ in range(10)]
        responses += await asyncio.gather(*batch)
    assert statuses(responses) == {401: limit, 429: 30 - limit}
    assert (await sign_in(identity_db, "ada@example.com", PASSWORD)).status_code == 429


async def test_all_guesses_at_once_get_exactly_the_account_limit(
    identity_db: IdentityHarness,
) -> None:
    await register(identity_db, "ada@example.com")
    limit = identity_db.settings.login_failures_per_account
    responses = await asyncio.gather(
        *(sign_in(identity_db, "ada@example.com", WRONG) for _ in range(20))
    )
    assert statuses(responses) == {401: limit, 429: 20 - limit}


async def test_guesses_across_accounts_in_parallel_get_exactly_the_address_limit(
    identity_db: IdentityHarness,
) -> None:
    limit = identity_db.settings.login_failures_per_address
    responses = await asyncio.gather(
        *(sign_in(identity_db, f"user{n}@example.com", WRONG) for n in range(limit + 5))
    )
    assert statuses(responses) == {401: limit, 429: 5}


async def test_sign_ups_in_parallel_get_exactly_the_address_limit(
    identity_db: IdentityHarness,
) -> None:
    limit = identity_db.settings.registrations_per_address
    responses = await asyncio.gather(
        *(sign_up(identity_db, f"u{n}@example.com") for n in range(limit + 10))
    )
    assert statuses(responses) == {201: limit, 429: 10}


@pytest.fixture
async def strict_identity(database_url: str, tmp_path: Path) -> AsyncIterator[IdentityHarness]:
    """An identity service allowing 3 failures per address and per account."""
    settings = identity_settings(
        tmp_path,
        database_url=database_url,
        login_failures_per_address=3,
        login_failures_per_account=3,
    )
    async for harness in start_identity(settings, FakeClock()):
        yield harness


async def test_successful_sign_ins_do_not_use_up_the_address_allowance(
    strict_identity: IdentityHarness,
) -> None:
    await register(strict_identity, "ada@example.com")
    # One after the other: an attempt still in flight counts, whatever its outcome will be.
    responses = [await sign_in(strict_identity, "ada@example.com", PASSWORD) for _ in range(6)]
    assert statuses(responses) == {200: 6}
    wrong = [sign_in(strict_identity, f"user{n}@example.com", WRONG) for n in range(5)]
    assert statuses(await asyncio.gather(*wrong)) == {401: 3, 429: 2}


async def test_the_window_reopens_once_it_has_passed(strict_identity: IdentityHarness) -> None:
    await register(strict_identity, "ada@example.com")
    guesses = [sign_in(strict_identity, "ada@example.com", WRONG) for _ in range(5)]
    assert statuses(await asyncio.gather(*guesses)) == {401: 3, 429: 2}
    throttled = await sign_in(strict_identity, "ada@example.com", PASSWORD)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= 900
    strict_identity.clock.advance(strict_identity.settings.login_failure_window_seconds + 1)
    assert (await sign_in(strict_identity, "ada@example.com", PASSWORD)).status_code == 200
