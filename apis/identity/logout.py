"""Ending sessions and revoking tokens."""

from __future__ import annotations

from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity.grants import invalid_grant
from apis.identity.keys import ALGORITHM
from apis.identity.models import RefreshToken
from apis.identity.realm import ClientConfig
from apis.identity.service import IdentityRuntime
from apis.identity.sessions import end_session
from apis.identity.tokens import opaque_token_hash


async def logout_with_refresh_token(
    *, session: AsyncSession, runtime: IdentityRuntime, client: ClientConfig, refresh_token: str
) -> None:
    """End the session a client's refresh token belongs to."""
    row = await session.get(RefreshToken, opaque_token_hash(refresh_token))
    if row is None or row.client_id != client.client_id:
        raise invalid_grant("the refresh token is invalid")
    await end_session(session=session, session_id=row.session_id, now=runtime.clock.now())


async def revoke_token(
    *, session: AsyncSession, runtime: IdentityRuntime, client: ClientConfig, token: str
) -> None:
    """Revoke a refresh token and its rotation family; unknown tokens are ignored (RFC 7009).

    Access tokens are short-lived and checked offline by every service, so they stay valid
    until they expire; the session they belong to is unaffected by revoking one.
    """
    row = await session.get(RefreshToken, opaque_token_hash(token))
    if row is None or row.client_id != client.client_id:
        return
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == row.family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=runtime.clock.now())
    )


async def id_token_claims_of(
    *, session: AsyncSession, runtime: IdentityRuntime, id_token: str
) -> dict[str, Any] | None:
    """The claims of an ID token this issuer signed (expired ones too: logout hints may be old)."""
    ring = await runtime.keys.ring(session=session, now=runtime.clock.now())
    try:
        decoded = jwt.decode(id_token, KeySet(list(ring.published)), algorithms=[ALGORITHM])
    except (JoseError, ValueError):
        return None
    claims = dict(decoded.claims)
    if claims.get("iss") != runtime.settings.issuer or claims.get("typ") != "ID":
        return None
    return claims
