"""Signed, single-use links sent by mail: confirming an address, resetting a password.

A link's token is ``<nonce>.<signature>``: the signature (HMAC-SHA256 with the platform's
secret over the purpose and the nonce) turns away forged or altered tokens before the
database is asked; the database keeps only a hash of the nonce, with the account, the
address it was sent to, an expiry and when it was used, so each link works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity.models import AccountLink

VERIFY_EMAIL = "verify-email"
RESET_PASSWORD = "reset-password"


def _signature(secret: str, purpose: str, nonce: str) -> str:
    mac = hmac.new(secret.encode(), f"{purpose}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


async def issue_link_token(
    *,
    session: AsyncSession,
    secret: str,
    purpose: str,
    user_id: str,
    email: str,
    now: datetime,
    lifetime: timedelta,
) -> str:
    """A new link token; earlier unused links of the same purpose stop working."""
    await session.execute(
        update(AccountLink)
        .where(
            AccountLink.user_id == user_id,
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
        )
        .values(used_at=now)
    )
    nonce = secrets.token_urlsafe(32)
    session.add(
        AccountLink(
            nonce_hash=_nonce_hash(nonce),
            purpose=purpose,
            user_id=user_id,
            email=email,
            created_at=now,
            expires_at=now + lifetime,
            used_at=None,
        )
    )
    await session.flush()
    return f"{nonce}.{_signature(secret, purpose, nonce)}"


async def consume_link_token(
    *, session: AsyncSession, secret: str, purpose: str, token: str, now: datetime
) -> AccountLink | None:
    """The link if the token is genuine, unexpired and unused, marked used; None otherwise."""
    nonce, _, signature = token.strip().partition(".")
    if not nonce or len(token) > 200:
        return None
    if not hmac.compare_digest(signature.encode(), _signature(secret, purpose, nonce).encode()):
        return None
    # Marking it used in the same statement that checks it: two clicks cannot both win.
    claimed = await session.execute(
        update(AccountLink)
        .where(
            AccountLink.nonce_hash == _nonce_hash(nonce),
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(AccountLink.nonce_hash)
    )
    if claimed.scalar_one_or_none() is None:
        return None
    return await session.scalar(
        select(AccountLink).where(AccountLink.nonce_hash == _nonce_hash(nonce))
    )
