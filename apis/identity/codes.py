"""Authorization codes: handed out after the login form, exchanged once at the token endpoint."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity import metrics
from apis.identity.grants import invalid_grant, issue_tokens
from apis.identity.keys import as_utc
from apis.identity.models import AuthorizationCode, User
from apis.identity.realm import ClientConfig
from apis.identity.service import IdentityRuntime, start_session
from apis.identity.sessions import end_session
from apis.identity.tokens import new_opaque_token, opaque_token_hash


async def create_authorization_code(
    *,
    session: AsyncSession,
    runtime: IdentityRuntime,
    client: ClientConfig,
    user: User,
    redirect_uri: str,
    scope: str,
    nonce: str | None,
    code_challenge: str | None,
) -> str:
    """Start a session for ``user`` and hand out a one-time code for the client to exchange."""
    session_id = await start_session(session=session, runtime=runtime, user=user)
    code, code_hash = new_opaque_token()
    session.add(
        AuthorizationCode(
            code_hash=code_hash,
            client_id=client.client_id,
            user_id=user.id,
            session_id=session_id,
            redirect_uri=redirect_uri,
            scope=scope,
            nonce=nonce,
            code_challenge=code_challenge,
            expires_at=runtime.clock.now()
            + timedelta(seconds=runtime.settings.authorization_code_seconds),
            used_at=None,
        )
    )
    await session.flush()
    return code


async def exchange_code(
    *,
    session: AsyncSession,
    runtime: IdentityRuntime,
    client: ClientConfig,
    code: str,
    redirect_uri: str,
    code_verifier: str | None,
) -> dict[str, Any]:
    now = runtime.clock.now()
    row = await session.get(AuthorizationCode, opaque_token_hash(code))
    if row is None or row.client_id != client.client_id:
        raise invalid_grant("the authorization code is invalid")
    # Burn the code atomically, so that two concurrent exchanges cannot both succeed.
    burned = await session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.code_hash == row.code_hash, AuthorizationCode.used_at.is_(None))
        .values(used_at=now)
    )
    if getattr(burned, "rowcount", 0) != 1:
        # A replayed code may have been stolen: end the session it started.
        await end_session(session=session, session_id=row.session_id, now=now)
        await session.commit()  # the revocation must outlive the error response
        metrics.token_reuse().labels("authorization_code").inc()
        raise invalid_grant("the authorization code was already used")
    problem = _mismatch(row, now=now, redirect_uri=redirect_uri, code_verifier=code_verifier)
    if problem:
        await session.commit()  # a code is good for one attempt, right or wrong
        raise invalid_grant(problem)
    user = await session.get(User, row.user_id)
    if user is None or not user.enabled:
        raise invalid_grant("the account is disabled")
    return await issue_tokens(
        session=session,
        runtime=runtime,
        client=client,
        user=user,
        session_id=row.session_id,
        scope=row.scope,
        nonce=row.nonce,
    )


def _mismatch(
    row: AuthorizationCode, *, now: datetime, redirect_uri: str, code_verifier: str | None
) -> str | None:
    """Why the exchange does not match the authorization request, or None."""
    if as_utc(row.expires_at) <= now:
        return "the authorization code has expired"
    if row.redirect_uri != redirect_uri:
        return "redirect_uri does not match the authorization request"
    if row.code_challenge is not None:
        expected = create_s256_code_challenge(code_verifier) if code_verifier else ""
        if not hmac.compare_digest(expected, row.code_challenge):
            return "the PKCE code_verifier does not match the code_challenge"
    return None
