"""Signed payment webhooks: ``Codeflix-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``.

The provider signs ``"<t>.<raw body>"`` with the shared secret. A webhook is accepted only
when the signature matches (constant-time comparison) and ``t`` is within the tolerance of
our clock, so a captured request cannot be replayed later; replays inside the tolerance are
caught by the event id the service records (see ``service_webhooks``).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

SIGNATURE_HEADER = "Codeflix-Signature"


class WebhookRejected(ValueError):
    """A webhook we must not act on; ``reason`` is a short snake_case code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify(secret: str, body: bytes, header: str | None, *, now: datetime, tolerance: int) -> None:
    """Raise :class:`WebhookRejected` unless ``header`` is a fresh, genuine signature of body."""
    if not header:
        raise WebhookRejected("missing_signature", f"the {SIGNATURE_HEADER} header is missing")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise WebhookRejected("malformed_signature", "the signature header has no t= or v1=")
    if abs(now.timestamp() - timestamp) > tolerance:
        raise WebhookRejected("stale_signature", "the webhook is older than the tolerance")
    expected = _mac(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise WebhookRejected("bad_signature", "the signature does not match the body")
