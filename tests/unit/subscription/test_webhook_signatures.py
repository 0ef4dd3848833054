"""Webhook signatures: genuine ones pass; forged, stale, malformed and missing ones do not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apis.subscription.webhooks import WebhookRejected, sign, verify

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())
BODY = b'{"id":"evt_1","type":"charge.succeeded"}'


def test_a_genuine_signature_passes() -> None:
    verify("s3cret", BODY, sign("s3cret", BODY, timestamp=T), now=NOW, tolerance=300)


def test_rotating_secrets_may_send_several_v1_values() -> None:
    header = sign("old", BODY, timestamp=T) + "," + sign("s3cret", BODY, timestamp=T).split(",")[1]
    verify("s3cret", BODY, header, now=NOW, tolerance=300)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing_signature"),
        ("", "missing_signature"),
        ("garbage", "malformed_signature"),
        (f"t={T}", "malformed_signature"),
        ("v1=abc", "malformed_signature"),
        ("t=-5,v1=abc", "malformed_signature"),
        ("t=99999999999999999999,v1=abc", "malformed_signature"),
        (sign("wrong", BODY, timestamp=T), "bad_signature"),
        (sign("s3cret", BODY + b" ", timestamp=T), "bad_signature"),
        (sign("s3cret", BODY, timestamp=T - 301), "stale_signature"),
        (sign("s3cret", BODY, timestamp=T + 301), "stale_signature"),
        (f"t={T},v1=" + "0" * 64, "bad_signature"),
    ],
)
def test_refused_signatures(header: str | None, reason: str) -> None:
    with pytest.raises(WebhookRejected) as refused:
        verify("s3cret", BODY, header, now=NOW, tolerance=300)
    assert refused.value.reason == reason


def test_the_timestamp_is_part_of_what_is_signed() -> None:
    moved = sign("s3cret", BODY, timestamp=T).replace(f"t={T}", f"t={T + 1}")
    with pytest.raises(WebhookRejected):
        verify("s3cret", BODY, moved, now=NOW, tolerance=300)
