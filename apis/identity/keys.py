"""RS256 signing keys: kept in the database, rotated, published in the JWKS until unused.

Private keys are stored encrypted with the platform's secret key, so a database dump alone
does not let anyone mint tokens. A key that has been replaced keeps its public half in the
JWKS until the last token it signed has expired; then it is deleted.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet
from joserfc.jwk import Key, KeySet, RSAKey
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity.models import SigningKey

ALGORITHM = "RS256"
# How long after its retirement a key may still have valid tokens out there, beyond their
# lifetime: the verifiers' clock leeway.
RETIREMENT_GRACE = timedelta(seconds=60)
# How long verifiers (and HTTP caches) may keep the JWKS: a key leaves the services' trust at
# most this long after it leaves the JWKS.
JWKS_MAX_AGE_SECONDS = 60


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def _new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})


async def rotate_signing_key(*, session: AsyncSession, secret: str, now: datetime) -> str:
    """Create a new active key and retire the current one; returns the new ``kid``."""
    for key in (
        await session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None)))
    ).all():
        key.retired_at = now
    kid = uuid.uuid4().hex
    pem = _new_key(kid).as_pem(private=True)
    session.add(
        SigningKey(
            kid=kid,
            private_pem=_fernet(secret).encrypt(pem).decode(),
            created_at=now,
            retired_at=None,
        )
    )
    await session.flush()
    return kid


async def ensure_signing_key(
    *,
    session: AsyncSession,
    secret: str,
    now: datetime,
    max_age: timedelta,
    token_lifetime: timedelta,
) -> None:
    """Have a fresh active key; rotate a too-old one and drop keys no token can still use."""
    active = await session.scalar(select(SigningKey).where(SigningKey.retired_at.is_(None)))
    if active is None or as_utc(active.created_at) + max_age <= now:
        await rotate_signing_key(session=session, secret=secret, now=now)
    await session.execute(
        delete(SigningKey).where(SigningKey.retired_at < now - token_lifetime - RETIREMENT_GRACE)
    )


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything the identity service stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class KeyRing:
    """The signing key in use and every public key a verifier may still need."""

    active: RSAKey
    published: list[RSAKey]

    def jwks(self) -> dict[str, object]:
        keys: list[Key] = list(self.published)
        return dict(KeySet(keys).as_dict(private=False))


@dataclass
class KeyCache:
    """Decrypted keys by ``kid``: decrypting is the slow part, the list of kids is cheap."""

    secret: str
    token_lifetime: timedelta
    _keys: dict[str, RSAKey] = field(default_factory=dict)

    async def ring(self, *, session: AsyncSession, now: datetime) -> KeyRing:
        rows = (await session.scalars(select(SigningKey).order_by(SigningKey.created_at))).all()
        active: RSAKey | None = None
        published = []
        for row in rows:
            key = self._keys.get(row.kid)
            if key is None:
                pem = _fernet(self.secret).decrypt(row.private_pem.encode())
                key = RSAKey.import_key(pem, {"kid": row.kid, "use": "sig", "alg": ALGORITHM})
                self._keys[row.kid] = key
            if row.retired_at is None:
                active = key
                published.append(key)
            elif as_utc(row.retired_at) + self.token_lifetime + RETIREMENT_GRACE > now:
                published.append(key)
        if active is None:
            raise LookupError("the identity service has no active signing key")
        return KeyRing(active=active, published=published)
