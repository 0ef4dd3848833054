"""Pytest fixtures that run the REAL identity service in-process and hand out real tokens.

Other services' tests use them to protect their endpoints exactly as deployed::

    async def test_admin_lists_videos(identity):
        app = create_app(settings, verifier=identity.verifier)   # or install_auth(app, ...)
        async with identity.client(app) as client:
            admin = identity.headers(roles=["catalog-admin"])
            response = await client.get("/api/v1/admin/videos", headers=admin)

``identity.token(...)`` signs with the identity service's active key (the one its JWKS
publishes); ``identity.verifier`` fetches that JWKS over an ``ASGITransport`` (no network).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from joserfc.jwk import RSAKey

from apis.identity.app import create_app
from apis.identity.config import IdentitySettings
from apis.identity.keys import KeyRing
from apis.identity.tokens import Identity, access_token_claims, sign
from codeflix.auth import TokenVerifier
from codeflix.clock import epoch_seconds
from tests.support.clock import FakeClock

TEST_SECRET = "identity-test-secret-0123456789"
SERVICES_SECRET = "services-test-secret-0123456789"
ISSUER_BASE = "http://identity.test"


def identity_settings(data_dir: Path, **overrides: Any) -> IdentitySettings:
    """Settings for a test identity service: cheap argon2, test secrets, its own database."""
    values: dict[str, Any] = {
        "environment": "test",
        "data_dir": data_dir,
        "public_url": ISSUER_BASE,
        "secret_key": TEST_SECRET,
        "typesense_api_key": TEST_SECRET,
        "services_client_secret": SERVICES_SECRET,
        "password_time_cost": 1,
        "password_memory_kib": 1024,
        "database_url": f"sqlite+aiosqlite:///{data_dir / 'identity.db'}",
        **overrides,
    }
    return IdentitySettings(**values)


@dataclass
class IdentityHarness:
    """A running identity app plus helpers to get tokens and call it."""

    app: FastAPI
    settings: IdentitySettings
    clock: FakeClock  # the identity app and its verifier both read it
    verifier: TokenVerifier
    ring: KeyRing | None = None

    @property
    def issuer(self) -> str:
        return self.settings.issuer

    def client(self, app: FastAPI | None = None) -> httpx.AsyncClient:
        """An HTTP client for ``app`` (default: the identity app), no network involved."""
        transport = httpx.ASGITransport(app=app or self.app)
        return httpx.AsyncClient(transport=transport, base_url=ISSUER_BASE)

    def new_verifier(self, **kwargs: Any) -> TokenVerifier:
        """Another verifier wired to this identity service (e.g. with its own clock)."""
        kwargs.setdefault("clock", lambda: epoch_seconds(self.clock))
        kwargs.setdefault("http", self.client)
        return TokenVerifier(issuer=self.issuer, **kwargs)

    async def reload_keys(self) -> None:
        """Pick up the current signing key (after a rotation)."""
        runtime = self.app.state.runtime
        async with self.app.state.sessions() as session:
            self.ring = await runtime.keys.ring(session=session, now=self.clock.now())

    def token(
        self,
        *,
        roles: Iterable[str] = ("user",),
        subject: str | None = None,
        email: str | None = None,
        name: str = "Test Viewer",
        username: str | None = None,
        client_id: str = "codeflix-web",
        lifetime_seconds: int | None = None,
        key: RSAKey | None = None,
        email_verified: bool = True,
        max_rating: str | None = None,
    ) -> str:
        """A real access token (signed by the identity service's active key, or by ``key``).

        The account's address counts as confirmed unless ``email_verified=False``;
        ``max_rating`` sets its parental limit."""
        assert self.ring is not None, "the identity app has not started"
        subject = subject or str(uuid.uuid4())
        email = email or f"{subject[:8]}@example.com"
        identity = Identity(
            subject=subject,
            username=username or email,
            email=email,
            name=name,
            roles=tuple(roles),
            email_verified=email_verified,
            max_rating=max_rating,
        )
        claims = access_token_claims(
            identity=identity,
            issuer=self.issuer,
            audience="codeflix",
            client_id=client_id,
            session_id=None,
            scope="openid profile email",
            now=self.clock.now(),
            lifetime_seconds=lifetime_seconds or self.settings.access_token_seconds,
        )
        return sign(claims, key or self.ring.active)

    def headers(self, **token_options: Any) -> dict[str, str]:
        """``Authorization: Bearer …`` for a token made with :meth:`token`."""
        return {"Authorization": f"Bearer {self.token(**token_options)}"}


async def start_identity(
    settings: IdentitySettings, clock: FakeClock
) -> AsyncIterator[IdentityHarness]:
    """Build and start the identity app; yields a harness, stops the app afterwards."""
    app = create_app(settings, clock=clock)
    verifier = TokenVerifier(
        issuer=settings.issuer,
        http=lambda: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ISSUER_BASE
        ),
        clock=clock.timestamp,
    )
    harness = IdentityHarness(app=app, settings=settings, clock=clock, verifier=verifier)
    async with app.router.lifespan_context(app):
        await harness.reload_keys()
        yield harness


@pytest.fixture
def identity_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def identity(tmp_path: Path, identity_clock: FakeClock) -> AsyncIterator[IdentityHarness]:
    """The real identity service (SQLite in a temporary directory), started."""
    settings = identity_settings(tmp_path / "identity")
    async for harness in start_identity(settings, identity_clock):
        yield harness


@pytest.fixture
def identity_headers(identity: IdentityHarness) -> Callable[..., dict[str, str]]:
    """Shortcut: ``identity_headers(roles=["catalog-admin"])``."""
    return identity.headers
