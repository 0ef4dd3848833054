"""Checking an access token: RS256 signature against the issuer's JWKS, then its claims.

:class:`TokenVerifier` fetches the issuer's JWKS and caches it for ``refresh_seconds`` (five
minutes), or less when the response's ``Cache-Control: max-age`` says so; it fetches it again
sooner when a token names a key it does not know (a rotation, at most once per
``min_refresh_seconds``). It checks ``iss``, ``aud``, ``exp`` and ``nbf`` with a small leeway.
Services use it through :mod:`codeflix.auth`.

The refresh on a schedule is what makes a rotated-out key stop working: a key the issuer no
longer publishes (say, because it leaked) is forgotten at the next refresh, whether or not any
token with a new key comes along. The refresh starts in the background shortly before the keys
expire, so under steady traffic no request waits for the issuer; keys are never used past
their expiry (a request arriving later waits for the fetch).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from codeflix.outgoing_http import http_client
from codeflix.problems import Problem

ALGORITHM = "RS256"
ADMIN_ROLE = "admin"
DEFAULT_AUDIENCE = "codeflix"
JWKS_PATH = "/protocol/openid-connect/certs"
DEFAULT_REFRESH_SECONDS = 300.0
# How long keys fetched earlier stay usable while the issuer cannot be reached.
DEFAULT_MAX_STALE_SECONDS = 3600.0
log = logging.getLogger(__name__)


class InvalidToken(Exception):
    """The token is not one this service accepts; the message says why (for the logs)."""


class IdentityUnavailable(Problem):
    """The issuer's keys could not be fetched, so no token can be checked right now."""

    status, type_suffix = 503, "identity-unavailable"


@dataclass(frozen=True)
class Principal:
    """The person (or service) a verified token speaks for."""

    subject: str
    email: str | None = None
    name: str | None = None
    username: str | None = None
    roles: frozenset[str] = frozenset()
    client_id: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def has_role(self, role: str) -> bool:
        """True when the principal holds ``role``; ``admin`` holds every role."""
        return ADMIN_ROLE in self.roles or role in self.roles

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        realm_access = claims.get("realm_access")
        roles = realm_access.get("roles", []) if isinstance(realm_access, dict) else []
        return cls(
            subject=str(claims["sub"]),
            email=claims.get("email"),
            name=claims.get("name"),
            username=claims.get("preferred_username"),
            roles=frozenset(str(r) for r in roles if isinstance(r, str)),
            client_id=claims.get("azp"),
            claims=dict(claims),
        )


HttpFactory = Callable[[], httpx.AsyncClient]


class TokenVerifier:
    """Checks RS256 access tokens against the issuer's JWKS (cached, refreshed on rotation).

    ``http`` builds the client used to fetch the JWKS (an ``ASGITransport`` one embedded and in
    tests); ``clock`` gives the time in seconds, injected so tests can move it. The JWKS is
    trusted for ``refresh_seconds`` at most, less when its ``Cache-Control`` says so, and never
    less than ``min_refresh_seconds``. When a refresh fails because the issuer cannot be
    reached, the keys fetched last keep working for ``max_stale_seconds`` after that fetch
    (an identity outage must not stop every stream), refetched at most every
    ``min_refresh_seconds``; after that, requests get 503.
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str = DEFAULT_AUDIENCE,
        jwks_url: str | None = None,
        http: HttpFactory = http_client,
        leeway_seconds: int = 30,
        min_refresh_seconds: float = 10.0,
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
        max_stale_seconds: float = DEFAULT_MAX_STALE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.jwks_url = jwks_url or f"{self.issuer}{JWKS_PATH}"
        self._http = http
        self._leeway = leeway_seconds
        self._min_refresh = min_refresh_seconds
        self.refresh_seconds = refresh_seconds
        self.max_stale_seconds = max_stale_seconds
        self._clock = clock
        self._keys: dict[str, RSAKey] = {}
        self._fetched_at: float | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        # From when a refresh begins in the background, before the keys expire; the task.
        self._ahead_from = 0.0
        self._ahead_at = float("-inf")
        self._ahead: asyncio.Task[None] | None = None

    async def verify(self, token: str) -> Principal:
        """The principal of a valid access token; :class:`InvalidToken` otherwise."""
        header = _unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("the token names no key")
        key = await self._key(kid)
        try:
            decoded = jwt.decode(token, key, algorithms=[ALGORITHM])
            registry = jwt.JWTClaimsRegistry(
                now=int(self._clock()),
                leeway=self._leeway,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                sub={"essential": True},
                exp={"essential": True},
            )
            registry.validate(decoded.claims)
        except JoseError as e:
            raise InvalidToken(f"{type(e).__name__}: {e}") from e
        if decoded.claims.get("typ", "Bearer") != "Bearer":
            raise InvalidToken("not an access token")
        return Principal.from_claims(decoded.claims)

    async def _key(self, kid: str) -> RSAKey:
        if self._due() or kid not in self._keys:
            async with self._lock:
                # Another request may have fetched while this one waited for the lock.
                if self._due() or (kid not in self._keys and self._may_refetch()):
                    await self._fetch_or_keep()
        elif self._ending():
            self._refresh_ahead()
        if kid not in self._keys:
            raise InvalidToken(f"unknown signing key {kid!r}")
        return self._keys[kid]

    def _due(self) -> bool:
        """The cached keys are too old to trust: the issuer may have withdrawn one since."""
        return self._fetched_at is None or self._clock() >= self._expires_at

    def _ending(self) -> bool:
        """The keys expire soon, and no refresh ahead of that was begun within
        ``min_refresh_seconds`` (one that failed is not retried for every request)."""
        now = self._clock()
        return now >= self._ahead_from and now - self._ahead_at >= self._min_refresh

    def _refresh_ahead(self) -> None:
        if self._ahead is not None and not self._ahead.done():
            return
        self._ahead_at = self._clock()
        self._ahead = asyncio.create_task(self._refresh_in_background())

    async def _refresh_in_background(self) -> None:
        async with self._lock:
            if self._clock() < self._ahead_from:
                return  # a request fetched them while this waited for the lock
            try:
                await self._fetch_or_keep()
            except IdentityUnavailable as e:
                # The keys stay until they expire; a request after that fetches and answers 503.
                log.warning("refreshing the issuer's keys ahead of their expiry failed: %s", e)

    def _may_refetch(self) -> bool:
        # A token naming an unknown key may be the first one after a rotation; refetch, but
        # not for every forged kid.
        recently = (
            self._fetched_at is not None and self._clock() - self._fetched_at < self._min_refresh
        )
        return not (recently and self._keys)

    async def _fetch_or_keep(self) -> None:
        try:
            await self._fetch()
        except IdentityUnavailable:
            if self._fetched_at is None or not self._keys:
                raise
            stale_for = self._clock() - self._fetched_at
            if stale_for >= self.max_stale_seconds:
                raise
            log.warning(
                "cannot refresh the issuer's keys; using the copy fetched %.0f s ago", stale_for
            )
            self._expires_at = self._clock() + self._min_refresh
            self._ahead_from = self._expires_at  # while the issuer is away, no refresh ahead

    async def _fetch(self) -> None:
        try:
            async with self._http() as client:
                response = await client.get(self.jwks_url)
                response.raise_for_status()
                keyset = KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, TypeError, KeyError, JoseError) as e:
            raise IdentityUnavailable(f"cannot fetch the identity provider's keys: {e}") from e
        self._keys = {
            key.kid: key
            for key in keyset.keys
            if isinstance(key, RSAKey) and key.kid and key.get("use", "sig") == "sig"
        }
        self._fetched_at = self._clock()
        lifetime = max(min(self.refresh_seconds, _freshness(response.headers)), self._min_refresh)
        self._expires_at = self._fetched_at + lifetime
        # The last fifth of the lifetime, ten seconds at most: a fetch is begun in the
        # background then, so that no request waits for it.
        self._ahead_from = self._expires_at - min(self._min_refresh, lifetime / 5)


def _freshness(headers: httpx.Headers) -> float:
    """How long the response says it stays fresh (RFC 9111: ``max-age`` minus ``Age``);
    infinite when it does not say."""
    directives: dict[str, str] = {}
    for part in ",".join(headers.get_list("cache-control")).split(","):
        name, _, value = part.strip().partition("=")
        directives[name.lower()] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    max_age = directives.get("max-age", "")
    if not max_age.isdigit():
        return float("inf")
    age = headers.get("age", "0")
    return max(0.0, int(max_age) - (int(age) if age.isdigit() else 0))


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        encoded = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, IndexError) as e:
        raise InvalidToken("the token is not a JWT") from e
    if not isinstance(header, dict) or token.count(".") != 2:
        raise InvalidToken("the token is not a signed JWT")
    return header
