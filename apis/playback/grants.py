"""Playback grants: what a signed media URL allows, and how it is signed and checked.

A grant is a short policy — the key prefix of one video's HLS tree, an expiry, optionally the
viewer, the tallest rendition they may watch and the rung folders that are therefore out of
bounds — signed with HMAC-SHA256. It travels as one
path component of the media URL (``/media/g/<token>/videos/<id>/hls/master.m3u8``), so the
relative URIs inside the playlists resolve under the same grant in every HLS client, with no
cookie and no query string to carry along.

Token layout (all parts URL-safe, separated by dots)::

    <key id>.<base64url(policy JSON)>.<base64url(HMAC-SHA256(key, "<key id>.<policy part>"))>

Keys have ids so they can rotate: new grants are signed with the active key, and a retired
key still verifies the grants it signed until they expire, and nothing later. The same check
runs in Python (the embedded media edge) and in nginx, the deployed media edge
(``manifests/base/playback/media-edge/``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime

KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MAX_DENIED = 32


class GrantError(Exception):
    """A media request whose grant does not allow it."""


class InvalidGrant(GrantError):
    """The token is malformed, signed with an unknown key, or its signature does not match."""


class ExpiredGrant(GrantError):
    """The token was genuine but its time is over."""


class OutsideGrant(GrantError):
    """The token is genuine but does not cover the requested object."""


@dataclass(frozen=True)
class SigningKey:
    """A secret with an id; ``retired_at`` set means it no longer signs new grants."""

    key_id: str
    secret: bytes
    retired_at: int | None = None  # unix seconds

    def __post_init__(self) -> None:
        if not KEY_ID.match(self.key_id):
            raise ValueError(f"signing key id {self.key_id!r} must match {KEY_ID.pattern}")
        if len(self.secret) < 16:
            raise ValueError(f"signing key {self.key_id!r} is shorter than 16 bytes")


@dataclass(frozen=True)
class Grant:
    """What one token allows: objects under ``prefix`` until ``expires_at`` (unix seconds)."""

    prefix: str
    expires_at: int
    user_id: str | None = None
    max_height: int | None = None
    # Paths relative to the prefix that stay closed: "v1080/" (a rung's folder) or a file.
    denied: tuple[str, ...] = ()

    def covers(self, key: str) -> bool:
        if not key.startswith(self.prefix) or len(key) <= len(self.prefix):
            return False
        relative = key[len(self.prefix) :]
        return not any(
            relative.startswith(d) if d.endswith("/") else relative == d for d in self.denied
        )

    def to_policy(self) -> dict[str, object]:
        policy: dict[str, object] = {"p": self.prefix, "e": self.expires_at}
        if self.user_id is not None:
            policy["u"] = self.user_id
        if self.max_height is not None:
            policy["h"] = self.max_height
        if self.denied:
            policy["x"] = list(self.denied)
        return policy

    @classmethod
    def from_policy(cls, policy: object) -> Grant:
        if not isinstance(policy, dict):
            raise InvalidGrant("the grant policy is not an object")
        prefix, expires_at = policy.get("p"), policy.get("e")
        user_id, max_height, denied = policy.get("u"), policy.get("h"), policy.get("x", [])
        if not isinstance(prefix, str) or not prefix.endswith("/") or prefix == "/":
            raise InvalidGrant("the grant policy has no usable prefix")
        if not isinstance(expires_at, int) or isinstance(expires_at, bool):
            raise InvalidGrant("the grant policy has no expiry")
        if user_id is not None and not isinstance(user_id, str):
            raise InvalidGrant("the grant policy has a malformed user")
        if max_height is not None and (
            not isinstance(max_height, int) or isinstance(max_height, bool) or max_height <= 0
        ):
            raise InvalidGrant("the grant policy has a malformed height limit")
        if (
            not isinstance(denied, list)
            or len(denied) > MAX_DENIED
            or not all(isinstance(d, str) and d and ".." not in d for d in denied)
        ):
            raise InvalidGrant("the grant policy has malformed closed paths")
        return cls(prefix, expires_at, user_id, max_height, tuple(denied))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise InvalidGrant("the grant is not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as e:
        raise InvalidGrant("the grant is not base64url") from e


class GrantSigner:
    """Signs grants with the active key and verifies them against every known key."""

    def __init__(self, keys: list[SigningKey], *, active_key_id: str, max_ttl_seconds: int) -> None:
        self.keys = {k.key_id: k for k in keys}
        if len(self.keys) != len(keys):
            raise ValueError("two signing keys share an id")
        active = self.keys.get(active_key_id)
        if active is None or active.retired_at is not None:
            raise ValueError(f"the active signing key {active_key_id!r} is unknown or retired")
        self.active = active
        self.max_ttl_seconds = max_ttl_seconds

    def sign(self, grant: Grant) -> str:
        policy = _b64encode(json.dumps(grant.to_policy(), separators=(",", ":")).encode())
        message = f"{self.active.key_id}.{policy}"
        return f"{message}.{self._mac(self.active, message)}"

    def verify(self, token: str, *, now: float) -> Grant:
        """The grant a token carries; raises InvalidGrant or ExpiredGrant."""
        parts = token.split(".")
        if len(parts) != 3 or len(token) > 2048:
            raise InvalidGrant("the grant is malformed")
        key_id, policy_part, signature = parts
        key = self.keys.get(key_id)
        if key is None:
            raise InvalidGrant("the grant is signed with an unknown key")
        expected = self._mac(key, f"{key_id}.{policy_part}")
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise InvalidGrant("the grant's signature does not match")
        try:
            grant = Grant.from_policy(json.loads(_b64decode(policy_part)))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InvalidGrant("the grant policy is not JSON") from e
        if key.retired_at is not None and grant.expires_at > key.retired_at + self.max_ttl_seconds:
            # A retired key only ever signed grants that end soon after its retirement.
            raise InvalidGrant("the grant outlives its retired signing key")
        if now >= grant.expires_at:
            raise ExpiredGrant("the grant has expired; ask for a new one")
        return grant

    @staticmethod
    def _mac(key: SigningKey, message: str) -> str:
        return _b64encode(hmac.new(key.secret, message.encode(), hashlib.sha256).digest())


def derive_secret(master_secret: str, key_id: str) -> bytes:
    """A per-key secret derived from the platform secret, for setups without explicit keys."""
    return hmac.new(master_secret.encode(), f"playback-grant:{key_id}".encode(), "sha256").digest()


def timestamp(moment: datetime) -> int:
    return int(moment.timestamp())
