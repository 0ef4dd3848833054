"""The sandbox provider behaves like a real one with the well-known test cards."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from apis.subscription.gateway import CardDetails, CardRejected, ChargeStatus, PaymentError
from apis.subscription.lifecycle import add_months
from apis.subscription.sandbox import SandboxPaymentGateway, luhn_valid
from apis.subscription.webhooks import SIGNATURE_HEADER, verify
from tests.support.clock import FakeClock

MAY_10 = datetime(2026, 5, 10, tzinfo=UTC)


def card(number: str, month: int = 12, year: int = 2030, cvc: str = "123") -> CardDetails:
    return CardDetails(number, month, year, cvc)


@pytest.fixture
def sandbox() -> SandboxPaymentGateway:
    return SandboxPaymentGateway(webhook_secret="s3cret", clock=FakeClock(MAY_10))


async def charge(sandbox: SandboxPaymentGateway, number: str, key: str = "k") -> ChargeStatus:
    token = (await sandbox.tokenize(card(number))).token
    result = await sandbox.charge(
        token=token, amount=100, currency="BRL", idempotency_key=key, description="test"
    )
    return result.status


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("4242424242424242", ChargeStatus.SUCCEEDED),
        ("5555555555554444", ChargeStatus.SUCCEEDED),
        ("4000000000000002", ChargeStatus.FAILED),
        ("4000000000009995", ChargeStatus.FAILED),
        ("4000000000003220", ChargeStatus.PENDING),
        ("4000000000000341", ChargeStatus.FAILED),
    ],
)
async def test_test_cards(
    sandbox: SandboxPaymentGateway, number: str, expected: ChargeStatus
) -> None:
    assert await charge(sandbox, number) is expected


async def test_a_token_keeps_brand_and_last_four_but_not_the_number(
    sandbox: SandboxPaymentGateway,
) -> None:
    stored = await sandbox.tokenize(card("5555555555554444"))
    assert (stored.brand, stored.last4) == ("mastercard", "4444")
    assert "5555555555554444" not in repr(stored) + stored.token
    assert "5555555555554444" not in repr(card("5555555555554444"))


@pytest.mark.parametrize(
    ("details", "code"),
    [
        (card("4242424242424241"), "incorrect_number"),
        (card("42424242"), "incorrect_number"),
        (card("4242abcd42424242"), "incorrect_number"),
        (card("4242424242424242", month=4, year=2026), "expired_card"),
        (card("4242424242424242", cvc="12"), "incorrect_cvc"),
        (card("4111111111111111"), "live_card_in_sandbox"),
    ],
)
async def test_unusable_cards_are_rejected(
    sandbox: SandboxPaymentGateway, details: CardDetails, code: str
) -> None:
    with pytest.raises(CardRejected) as rejected:
        await sandbox.tokenize(details)
    assert rejected.value.code == code


async def test_the_same_idempotency_key_charges_once(sandbox: SandboxPaymentGateway) -> None:
    token = (await sandbox.tokenize(card("4242424242424242"))).token
    results = [
        await sandbox.charge(
            token=token, amount=100, currency="BRL", idempotency_key="same", description=""
        )
        for _ in range(3)
    ]
    assert len({r.charge_id for r in results}) == 1 and len(sandbox.charges) == 1


async def test_an_unknown_token_is_refused(sandbox: SandboxPaymentGateway) -> None:
    with pytest.raises(PaymentError):
        await sandbox.charge(
            token="tok_forged", amount=1, currency="BRL", idempotency_key="x", description=""
        )


async def test_confirm_later_sends_a_signed_webhook(sandbox: SandboxPaymentGateway) -> None:
    sent: list[tuple[bytes, dict[str, str]]] = []

    async def receive(body: bytes, headers: dict[str, str]) -> bool:
        sent.append((body, headers))
        return True

    sandbox.send_webhook = receive
    assert await charge(sandbox, "4000000000003220") is ChargeStatus.PENDING
    assert await sandbox.confirm_pending() == 1
    body, headers = sent[0]
    verify("s3cret", body, headers[SIGNATURE_HEADER], now=MAY_10, tolerance=300)
    event = json.loads(body)
    assert event["type"] == "charge.succeeded"
    assert event["data"]["charge_id"] == sandbox.charges[0].charge_id
    assert await sandbox.confirm_pending() == 0


async def test_refunds_are_capped_by_the_charge(sandbox: SandboxPaymentGateway) -> None:
    token = (await sandbox.tokenize(card("4242424242424242"))).token
    done = await sandbox.charge(
        token=token, amount=100, currency="BRL", idempotency_key="c", description=""
    )
    await sandbox.refund(charge_id=done.charge_id, amount=60, idempotency_key="r1")
    with pytest.raises(PaymentError):
        await sandbox.refund(charge_id=done.charge_id, amount=60, idempotency_key="r2")


def test_luhn() -> None:
    assert luhn_valid("4242424242424242") and not luhn_valid("4242424242424243")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2024, 1, 31, tzinfo=UTC), 1, datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2026, 12, 15, tzinfo=UTC), 1, datetime(2027, 1, 15, tzinfo=UTC)),
        (datetime(2024, 2, 29, tzinfo=UTC), 12, datetime(2025, 2, 28, tzinfo=UTC)),
    ],
)
def test_add_months_clamps_to_the_month_end(
    start: datetime, months: int, expected: datetime
) -> None:
    assert add_months(start, months) == expected


async def test_a_refused_webhook_is_delivered_again(sandbox: SandboxPaymentGateway) -> None:
    answers = [False, True]
    sent: list[bytes] = []

    async def receive(body: bytes, headers: dict[str, str]) -> bool:
        sent.append(body)
        return answers.pop(0)

    sandbox.send_webhook, sandbox.redelivery_delays = receive, (0.0, 0.0)
    await charge(sandbox, "4000000000003220")
    await sandbox.confirm_pending()
    assert len(sent) == 2 and sent[0] == sent[1] and answers == []
