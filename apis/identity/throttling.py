"""Failed sign-ins counted per account and per client address within a sliding window.

The account key is the normalized email whether or not such an account exists, so the
answer to a throttled attempt never tells whether an address is registered.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity.models import LoginFailure


def account_key(email: str) -> str:
    return f"account:{email}"


def address_key(address: str) -> str:
    return f"address:{address}"


async def failures_since(*, session: AsyncSession, key: str, since: datetime) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.key == key, LoginFailure.occurred_at > since)
    )
    return int(count or 0)


async def record_failure(*, session: AsyncSession, keys: list[str], now: datetime) -> None:
    for key in keys:
        session.add(LoginFailure(key=key, occurred_at=now))
    await session.flush()


async def clear_failures(*, session: AsyncSession, key: str) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.key == key))


async def is_throttled(
    *,
    session: AsyncSession,
    limits: dict[str, int],
    now: datetime,
    window: timedelta,
) -> bool:
    """True when any key has reached its limit of failures inside the window."""
    for key, limit in limits.items():
        if await failures_since(session=session, key=key, since=now - window) >= limit:
            return True
    return False
