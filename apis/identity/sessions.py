"""Sign-in sessions end (logout, a replayed code, a reused refresh token) with their tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity import throttling
from apis.identity.models import AuthorizationCode, LoginSession, RefreshToken


async def revoke_family(*, session: AsyncSession, family_id: str, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def end_session(*, session: AsyncSession, session_id: str, now: datetime) -> None:
    """Log out: the session's refresh tokens stop working and userinfo refuses its tokens."""
    login = await session.get(LoginSession, session_id)
    if login is not None and login.ended_at is None:
        login.ended_at = now
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.session_id == session_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def prune_expired(*, session: AsyncSession, now: datetime, failure_window: timedelta) -> None:
    """Delete what can no longer be used: old codes, expired refresh tokens, closed windows."""
    await session.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at < now))
    await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now))
    await throttling.prune(session=session, now=now, window=failure_window)
