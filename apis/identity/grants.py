"""The token endpoint's grants and the authorization codes behind the browser flow.

Errors follow RFC 6749 (``error`` and ``error_description`` in the body, which OAuth client
libraries read) inside Codeflix's problem details.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity import metrics
from apis.identity.keys import as_utc
from apis.identity.models import Client, LoginSession, RefreshToken, User
from apis.identity.realm import ClientConfig, secrets_match
from apis.identity.service import IdentityRuntime, authenticate, identity_of, start_session
from apis.identity.sessions import end_session, revoke_family
from apis.identity.tokens import (
    access_token_claims,
    id_token_claims,
    new_opaque_token,
    opaque_token_hash,
    sign,
)
from codeflix.problems import Problem


class OAuthError(Problem):
    """An OAuth 2.0 error response (RFC 6749 §5.2)."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        headers = {"WWW-Authenticate": 'Basic realm="codeflix"'} if status == 401 else None
        super().__init__(description, headers=headers, error=error, error_description=description)
        self.status = status
        self.type_suffix = f"oauth-{error.replace('_', '-')}"


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


async def find_client(*, session: AsyncSession, client_id: str) -> ClientConfig | None:
    row = await session.get(Client, client_id) if client_id else None
    if row is None or not row.representation.get("enabled", True):
        return None
    return ClientConfig.from_representation(row.representation)


async def authenticate_client(
    *, session: AsyncSession, client_id: str, client_secret: str | None
) -> ClientConfig:
    """The calling client: public ones name themselves, confidential ones prove their secret."""
    row = await session.get(Client, client_id) if client_id else None
    client = await find_client(session=session, client_id=client_id)
    if row is None or client is None:
        raise OAuthError("invalid_client", "unknown client", status=401)
    if not client.public and not secrets_match(client_secret or "", row.secret_hash):
        raise OAuthError("invalid_client", "client authentication failed", status=401)
    return client


async def issue_tokens(
    *,
    session: AsyncSession,
    runtime: IdentityRuntime,
    client: ClientConfig,
    user: User,
    session_id: str | None,
    scope: str,
    nonce: str | None = None,
    family_id: str | None = None,
) -> dict[str, Any]:
    """Access token, plus an ID token for ``openid`` and a refresh token for user sessions."""
    settings, now = runtime.settings, runtime.clock.now()
    ring = await runtime.keys.ring(session=session, now=now)
    identity = await identity_of(session=session, user=user)
    claims = access_token_claims(
        identity=identity,
        issuer=settings.issuer,
        audience=client.audience,
        client_id=client.client_id,
        session_id=session_id,
        scope=scope,
        now=now,
        lifetime_seconds=settings.access_token_seconds,
    )
    body: dict[str, Any] = {
        "access_token": sign(claims, ring.active),
        "token_type": "Bearer",
        "expires_in": settings.access_token_seconds,
        "scope": scope,
    }
    if session_id is None:
        return body
    login = await session.get(LoginSession, session_id)
    if "openid" in scope.split() and login is not None:
        id_claims = id_token_claims(
            identity=identity,
            issuer=settings.issuer,
            client_id=client.client_id,
            session_id=session_id,
            nonce=nonce,
            now=now,
            lifetime_seconds=settings.access_token_seconds,
            auth_time=as_utc(login.created_at),
            access_token=body["access_token"],
        )
        body["id_token"] = sign(id_claims, ring.active)
    refresh, refresh_hash = new_opaque_token()
    session.add(
        RefreshToken(
            token_hash=refresh_hash,
            family_id=family_id or str(uuid.uuid4()),
            session_id=session_id,
            client_id=client.client_id,
            user_id=user.id,
            scope=scope,
            expires_at=now + timedelta(seconds=settings.refresh_token_seconds),
            used_at=None,
            revoked_at=None,
        )
    )
    body["refresh_token"] = refresh
    body["refresh_expires_in"] = settings.refresh_token_seconds
    body["session_state"] = session_id
    return body


async def refresh(
    *, session: AsyncSession, runtime: IdentityRuntime, client: ClientConfig, refresh_token: str
) -> dict[str, Any]:
    """Rotate a refresh token; a used one presented again revokes its whole family."""
    now = runtime.clock.now()
    row = await session.get(RefreshToken, opaque_token_hash(refresh_token))
    if row is None or row.client_id != client.client_id:
        raise invalid_grant("the refresh token is invalid")
    if row.used_at is not None:
        await revoke_family(session=session, family_id=row.family_id, now=now)
        await end_session(session=session, session_id=row.session_id, now=now)
        await session.commit()  # the revocation must outlive the error response
        metrics.token_reuse().labels("refresh_token").inc()
        raise invalid_grant("the refresh token was already used; the session has been ended")
    if row.revoked_at is not None or as_utc(row.expires_at) <= now:
        raise invalid_grant("the refresh token has expired or was revoked")
    login = await session.get(LoginSession, row.session_id)
    user = await session.get(User, row.user_id)
    if login is None or login.ended_at is not None or user is None or not user.enabled:
        raise invalid_grant("the session has ended")
    # Mark it used atomically so two concurrent refreshes cannot both succeed.
    marked = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == row.token_hash, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    if getattr(marked, "rowcount", 0) != 1:
        raise invalid_grant("the refresh token was already used")
    return await issue_tokens(
        session=session,
        runtime=runtime,
        client=client,
        user=user,
        session_id=row.session_id,
        scope=row.scope,
        family_id=row.family_id,
    )


async def client_credentials(
    *, session: AsyncSession, runtime: IdentityRuntime, client: ClientConfig, scope: str
) -> dict[str, Any]:
    if client.public or not client.service_accounts:
        raise OAuthError("unauthorized_client", "this client may not use client_credentials")
    user = await session.scalar(
        select(User).where(User.service_account_client_id == client.client_id)
    )
    if user is None or not user.enabled:
        raise OAuthError("unauthorized_client", "this client has no service account")
    return await issue_tokens(
        session=session, runtime=runtime, client=client, user=user, session_id=None, scope=scope
    )


async def password_grant(
    *,
    session: AsyncSession,
    runtime: IdentityRuntime,
    client: ClientConfig,
    username: str,
    password: str,
    scope: str,
    address: str,
) -> dict[str, Any]:
    if not client.direct_access_grants:
        raise OAuthError("unauthorized_client", "this client may not use the password grant")
    user = await authenticate(
        session=session, runtime=runtime, email=username, password=password, address=address
    )
    session_id = await start_session(session=session, runtime=runtime, user=user)
    return await issue_tokens(
        session=session,
        runtime=runtime,
        client=client,
        user=user,
        session_id=session_id,
        scope=scope,
    )
