"""The token verifier forgets a signing key soon after the issuer stops publishing it.

A fake issuer (``httpx.MockTransport``) serves a JWKS the tests change at will; the verifier's
clock is injected, so "five minutes later" costs nothing.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from codeflix.auth import InvalidToken, OidcSettings, TokenVerifier
from codeflix.token_verifier import DEFAULT_MAX_STALE_SECONDS, DEFAULT_REFRESH_SECONDS

ISSUER = "https://issuer.test/realms/codeflix"


@dataclass
class Clock:
    now: float = field(default_factory=time.time)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeIssuer:
    """Publishes ``keys`` at the JWKS URL with ``headers``; counts the fetches."""

    clock: Clock
    keys: list[RSAKey] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    fetches: int = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/realms/codeflix/protocol/openid-connect/certs"
        self.fetches += 1
        jwks = KeySet(list(self.keys)).as_dict(private=False)
        return httpx.Response(200, json=jwks, headers=self.headers)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    def token(self, key: RSAKey) -> str:
        now = int(self.clock())
        claims = {
            "iss": ISSUER,
            "aud": "codeflix",
            "sub": str(uuid.uuid4()),
            "iat": now,
            "exp": now + 3600,
            "typ": "Bearer",
        }
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def new_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": uuid.uuid4().hex, "use": "sig"})


@pytest.fixture(scope="module")
def keys() -> tuple[RSAKey, RSAKey]:
    return new_key(), new_key()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def issuer(clock: Clock, keys: tuple[RSAKey, RSAKey]) -> FakeIssuer:
    return FakeIssuer(clock=clock, keys=list(keys))


def verifier_of(
    issuer: FakeIssuer,
    clock: Clock,
    refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
    max_stale_seconds: float = DEFAULT_MAX_STALE_SECONDS,
) -> TokenVerifier:
    return TokenVerifier(
        issuer=ISSUER,
        http=issuer.client,
        clock=clock,
        refresh_seconds=refresh_seconds,
        max_stale_seconds=max_stale_seconds,
    )


async def test_a_key_the_issuer_drops_stops_working_within_the_refresh_interval(
    issuer: FakeIssuer, clock: Clock, keys: tuple[RSAKey, RSAKey]
) -> None:
    compromised, kept = keys
    verifier = verifier_of(issuer, clock, refresh_seconds=300)
    assert (await verifier.verify(issuer.token(compromised))).subject
    assert (await verifier.verify(issuer.token(kept))).subject

    issuer.keys = [kept]  # rotated out: the issuer no longer publishes it
    clock.advance(299)
    await verifier.verify(issuer.token(compromised))  # still cached: the documented bound
    assert issuer.fetches == 1

    clock.advance(2)
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(issuer.token(compromised))
    assert (await verifier.verify(issuer.token(kept))).subject
    assert issuer.fetches == 2


async def test_the_refresh_interval_defaults_to_five_minutes(
    issuer: FakeIssuer, clock: Clock, keys: tuple[RSAKey, RSAKey]
) -> None:
    compromised, kept = keys
    verifier = verifier_of(issuer, clock)
    await verifier.verify(issuer.token(compromised))
    issuer.keys = [kept]
    clock.advance(5 * 60 + 1)
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(issuer.token(compromised))


async def test_a_shorter_cache_control_max_age_wins(
    issuer: FakeIssuer, clock: Clock, keys: tuple[RSAKey, RSAKey]
) -> None:
    compromised, kept = keys
    issuer.headers = {"Cache-Control": "public, max-age=60"}
    verifier = verifier_of(issuer, clock, refresh_seconds=300)
    await verifier.verify(issuer.token(compromised))
    issuer.keys = [kept]
    clock.advance(59)
    await verifier.verify(issuer.token(compromised))
    clock.advance(2)
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(issuer.token(compromised))


async def test_a_longer_max_age_does_not_stretch_the_refresh_interval(
    issuer: FakeIssuer, clock: Clock, keys: tuple[RSAKey, RSAKey]
) -> None:
    compromised, kept = keys
    issuer.headers = {"Cache-Control": "max-age=86400"}
    verifier = verifier_of(issuer, clock, refresh_seconds=300)
    await verifier.verify(issuer.token(compromised))
    issuer.keys = [kept]
    clock.advance(301)
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(issuer.token(compromised))


async def test_the_age_a_cache_already_held_the_jwks_counts(
    issuer: FakeIssuer, clock: Clock, keys: tuple[RSAKey, RSAKey]
) -> None:
    compromised, kept = keys
    issuer.headers = {"Cache-Control": "max-age=120", "Age": "100"}
    verifier = verifier_of(issuer, clock, refresh_seconds=300)
    await verifier.verify(issuer.token(compromised))
    issuer.keys = [kept]
    clock.advance(21)
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(issuer.token(compromised))


@pytest.mark.parametrize("cache_control", ["no-store", "no-cache", "max-age=0"])
async def test_an_uncacheable_jwks_is_still_fetched_at_most_every_ten_seconds(
    issuer: FakeIssuer, clock: Clock, keys: tuple[RSAKey, RSAKey], cache_control: str
) -> None:
    issuer.headers = {"Cache-Control": cache_control}
    verifier = verifier_of(issuer, clock)
    token = issuer.token(keys[0])
    for _ in range(5):
        await verifier.verify(token)
        clock.advance(1)
    assert issuer.fetches == 1
    clock.advance(6)
    await verifier.verify(token)
    assert issuer.fetches == 2


async def test_an_unknown_kid_still_refetches_at_most_every_ten_seconds(
    issuer: FakeIssuer, clock: Clock, keys: tuple[RSAKey, RSAKey]
) -> None:
    first, second = keys
    issuer.keys = [first]
    verifier = verifier_of(issuer, clock)
    await verifier.verify(issuer.token(first))
    issuer.keys = [first, second]  # a rotation: the new key appears
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(issuer.token(second))  # fetched at the same instant: no refetch
    assert issuer.fetches == 1
    clock.advance(10)
    assert (await verifier.verify(issuer.token(second))).subject
    assert issuer.fetches == 2


async def test_an_issuer_outage_keeps_the_last_keys_for_a_bounded_time_then_refuses(
    issuer: FakeIssuer, clock: Clock, keys: tuple[RSAKey, RSAKey]
) -> None:
    from codeflix.auth import IdentityUnavailable

    verifier = verifier_of(issuer, clock, refresh_seconds=300, max_stale_seconds=900)
    await verifier.verify(issuer.token(keys[0]))
    issuer.handle = lambda request: httpx.Response(503)  # type: ignore[method-assign]
    clock.advance(301)
    # The issuer is down: streams keep working on the keys fetched 5 minutes ago...
    assert (await verifier.verify(issuer.token(keys[0]))).subject
    clock.advance(5)
    assert (await verifier.verify(issuer.token(keys[0]))).subject  # no refetch storm meanwhile
    clock.advance(600)
    # ...until the copy is older than the bound: then nothing is trusted.
    with pytest.raises(IdentityUnavailable):
        await verifier.verify(issuer.token(keys[0]))


async def test_without_keys_fetched_before_an_issuer_outage_is_a_503(
    issuer: FakeIssuer, clock: Clock, keys: tuple[RSAKey, RSAKey]
) -> None:
    from codeflix.auth import IdentityUnavailable

    issuer.handle = lambda request: httpx.Response(503)  # type: ignore[method-assign]
    with pytest.raises(IdentityUnavailable):
        await verifier_of(issuer, clock).verify(issuer.token(keys[0]))


async def test_shortly_before_the_keys_expire_they_are_fetched_without_a_request_waiting(
    issuer: FakeIssuer, clock: Clock, keys: tuple[RSAKey, RSAKey]
) -> None:
    compromised, kept = keys
    verifier = verifier_of(issuer, clock, refresh_seconds=300)
    await verifier.verify(issuer.token(compromised))
    issuer.keys = [kept]
    answering = asyncio.Event()  # the issuer is slow to answer from now on
    handle = issuer.handle

    async def slow(request: httpx.Request) -> httpx.Response:
        await answering.wait()
        return handle(request)

    issuer.handle = slow  # type: ignore[assignment,method-assign]
    clock.advance(291)  # within the last ten seconds of the five minutes
    asking = asyncio.create_task(verifier.verify(issuer.token(compromised)))
    assert (await asyncio.wait_for(asking, 1)).subject  # answered while the fetch waits
    for _ in range(5):  # more requests meanwhile: the same one fetch
        assert (await asyncio.wait_for(verifier.verify(issuer.token(kept)), 1)).subject
    answering.set()
    await asyncio.sleep(0.05)
    assert issuer.fetches == 2
    with pytest.raises(InvalidToken, match="unknown signing key"):  # dropped before expiring
        await verifier.verify(issuer.token(compromised))
    clock.advance(250)  # the new copy's five minutes run from its fetch
    assert (await verifier.verify(issuer.token(kept))).subject
    assert issuer.fetches == 2


async def test_a_failed_refresh_ahead_is_not_retried_per_request_and_expiry_still_holds(
    issuer: FakeIssuer, clock: Clock, keys: tuple[RSAKey, RSAKey], caplog: pytest.LogCaptureFixture
) -> None:
    from codeflix.auth import IdentityUnavailable

    verifier = verifier_of(issuer, clock, refresh_seconds=300, max_stale_seconds=0)
    await verifier.verify(issuer.token(keys[0]))
    issuer.handle = lambda request: httpx.Response(503)  # type: ignore[method-assign]
    clock.advance(292)
    for _ in range(20):
        assert (await verifier.verify(issuer.token(keys[0]))).subject
        await asyncio.sleep(0)
    await asyncio.sleep(0.05)
    assert issuer.fetches == 1  # the handler replaced above counts nothing: see the log
    assert caplog.text.count("ahead of their expiry failed") == 1
    clock.advance(9)  # expired: the request waits for a fetch, which fails
    with pytest.raises(IdentityUnavailable):
        await verifier.verify(issuer.token(keys[0]))


def test_services_take_the_refresh_interval_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from codeflix.auth import verifier_for
    from codeflix.settings import ServiceSettings

    monkeypatch.setenv("CODEFLIX_OIDC_JWKS_REFRESH_SECONDS", "60")
    assert OidcSettings().jwks_refresh_seconds == 60
    assert verifier_for(ServiceSettings()).refresh_seconds == 60
