"""At start-up the identity service forgets what can no longer be used."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from apis.identity.models import AttemptCounter, RefreshToken
from tests.support.clock import FakeClock
from tests.support.identity import identity_settings, start_identity
from tests.unit.identity.helpers import register, signed_in_tokens, token_request


async def count(harness: object, model: type) -> int:
    async with harness.app.state.sessions() as session:  # type: ignore[attr-defined]
        return int(await session.scalar(select(func.count()).select_from(model)))


async def test_expired_refresh_tokens_and_closed_attempt_windows_are_pruned(tmp_path: Path) -> None:
    settings, clock = identity_settings(tmp_path), FakeClock()
    async for first in start_identity(settings, clock):
        await register(first, "ada@example.com")
        await signed_in_tokens(first, "ada@example.com")
        await token_request(
            first,
            grant_type="password",
            client_id="codeflix-cli",
            username="x@example.com",
            password="nope-nope",
        )
        assert await count(first, RefreshToken) == 1
        # sign-ups and sign-in failures from the address, and the failure for x@example.com
        assert await count(first, AttemptCounter) == 3
    clock.advance(settings.refresh_token_seconds + 1)
    async for second in start_identity(settings, clock):
        assert await count(second, RefreshToken) == 0
        assert await count(second, AttemptCounter) == 0
