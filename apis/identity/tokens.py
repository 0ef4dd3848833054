"""Minting tokens with Keycloak's claim layout.

Access tokens carry ``iss, sub, aud, azp, exp, iat, jti, typ, sid, scope,
realm_access.roles, email, email_verified, name, preferred_username`` and, when the account
set a parental limit, ``max_rating`` (the highest catalog rating it may see); ID tokens add
``nonce`` and are addressed to the client. Refresh tokens are opaque random strings whose
hash is stored, so they can be rotated and revoked.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from authlib.oidc.core.util import create_half_hash
from joserfc import jwt
from joserfc.jwk import RSAKey

from apis.identity.keys import ALGORITHM


@dataclass(frozen=True)
class Identity:
    """Who a token speaks for."""

    subject: str
    username: str
    email: str | None
    name: str
    roles: tuple[str, ...]
    email_verified: bool = False
    # The highest catalog rating the account may see (``max_rating`` claim); None = no limit.
    max_rating: str | None = None


def sign(claims: dict[str, Any], key: RSAKey) -> str:
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": key.kid}
    return jwt.encode(header, claims, key, algorithms=[ALGORITHM])


def access_token_claims(
    *,
    identity: Identity,
    issuer: str,
    audience: str | None,
    client_id: str,
    session_id: str | None,
    scope: str,
    now: datetime,
    lifetime_seconds: int,
) -> dict[str, Any]:
    issued_at = int(now.timestamp())
    claims: dict[str, Any] = {
        "exp": issued_at + lifetime_seconds,
        "iat": issued_at,
        "jti": str(uuid.uuid4()),
        "iss": issuer,
        "sub": identity.subject,
        "typ": "Bearer",
        "azp": client_id,
        "scope": scope,
        "realm_access": {"roles": sorted(identity.roles)},
        "preferred_username": identity.username,
        "name": identity.name,
    }
    if audience:
        claims["aud"] = audience
    if session_id:
        claims["sid"] = session_id
    if identity.email:
        claims["email"] = identity.email
        claims["email_verified"] = identity.email_verified
    if identity.max_rating:
        claims["max_rating"] = identity.max_rating
    return claims


def id_token_claims(
    *,
    identity: Identity,
    issuer: str,
    client_id: str,
    session_id: str,
    nonce: str | None,
    now: datetime,
    lifetime_seconds: int,
    auth_time: datetime,
    access_token: str,
) -> dict[str, Any]:
    issued_at = int(now.timestamp())
    claims: dict[str, Any] = {
        "exp": issued_at + lifetime_seconds,
        "iat": issued_at,
        "auth_time": int(auth_time.timestamp()),
        # Binds the ID token to the access token issued with it (OIDC Core 3.1.3.6).
        "at_hash": create_half_hash(access_token, ALGORITHM).decode(),
        "jti": str(uuid.uuid4()),
        "iss": issuer,
        "aud": client_id,
        "sub": identity.subject,
        "typ": "ID",
        "azp": client_id,
        "sid": session_id,
        "preferred_username": identity.username,
        "name": identity.name,
    }
    if nonce:
        claims["nonce"] = nonce
    if identity.email:
        claims["email"] = identity.email
        claims["email_verified"] = identity.email_verified
    return claims


def new_opaque_token() -> tuple[str, str]:
    """A random token for the client and the hash we keep of it."""
    token = secrets.token_urlsafe(32)
    return token, opaque_token_hash(token)


def opaque_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
