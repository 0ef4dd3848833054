"""A sandbox payment provider that behaves like a real one, for development and tests.

It accepts the well-known test cards and nothing else, tokenizes them, charges them with
idempotency keys, confirms some charges later through a signed webhook, and refunds:

=================  ===========================================================
4242424242424242   charges succeed
5555555555554444   charges succeed (Mastercard)
4000000000000002   charges are declined (``card_declined``)
4000000000009995   charges are declined (``insufficient_funds``)
4000000000003220   charges stay pending and are confirmed later by webhook
4000000000000341   the card is accepted, but every charge is declined
=================  ===========================================================

Like a provider's test tokens, a sandbox token names its card's behaviour, so tokens stay
valid across restarts and replicas without the sandbox storing anything.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from apis.subscription.gateway import (
    CardDetails,
    CardRejected,
    ChargeResult,
    ChargeStatus,
    PaymentError,
    RefundResult,
    StoredCard,
)
from apis.subscription.webhooks import SIGNATURE_HEADER, sign
from codeflix.clock import Clock

TEST_CARDS = {
    "4242424242424242": "ok",
    "5555555555554444": "ok",
    "4000000000000002": "declined",
    "4000000000009995": "funds",
    "4000000000003220": "later",
    "4000000000000341": "fails",
}
FAILURES = {
    "declined": ("card_declined", "the card was declined"),
    "funds": ("insufficient_funds", "the card has insufficient funds"),
    "fails": ("card_declined", "the card was declined"),
}
# Delivers one signed webhook; returns whether the receiver accepted it (2xx).
WebhookSender = Callable[[bytes, dict[str, str]], Awaitable[bool]]


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "unknown"


@dataclass
class SandboxCharge:
    charge_id: str
    token: str
    amount: int
    currency: str
    status: ChargeStatus
    refunded: int = 0


@dataclass
class SandboxPaymentGateway:
    """The sandbox provider. ``send_webhook`` delivers its signed callbacks."""

    webhook_secret: str
    clock: Clock
    send_webhook: WebhookSender | None = None
    confirm_delay_seconds: float | None = None  # None: only confirm_pending() confirms
    # Like a real provider, a refused delivery is retried later, with the signature renewed.
    redelivery_delays: tuple[float, ...] = (0.5, 2.0, 5.0, 15.0, 60.0)
    charges: list[SandboxCharge] = field(default_factory=list)
    _by_key: dict[str, ChargeResult] = field(default_factory=dict)
    _refunds_by_key: dict[str, RefundResult] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def tokenize(self, card: CardDetails) -> StoredCard:
        number = card.number
        if not (number.isdigit() and 12 <= len(number) <= 19 and luhn_valid(number)):
            raise CardRejected("incorrect_number", "the card number is not valid")
        now = self.clock.now()
        if (card.exp_year, card.exp_month) < (now.year, now.month):
            raise CardRejected("expired_card", "the card has expired")
        if not (card.cvc.isdigit() and len(card.cvc) in (3, 4)):
            raise CardRejected("incorrect_cvc", "the card's security code is not valid")
        scenario = TEST_CARDS.get(number)
        if scenario is None:
            raise CardRejected("live_card_in_sandbox", "the sandbox accepts only test cards")
        return StoredCard(
            token=f"tok_{scenario}_{secrets.token_hex(8)}",
            brand=card_brand(number),
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
        )

    async def charge(
        self, *, token: str, amount: int, currency: str, idempotency_key: str, description: str
    ) -> ChargeResult:
        async with self._lock:
            if idempotency_key in self._by_key:
                return self._by_key[idempotency_key]
            scenario = token.split("_")[1] if token.count("_") == 2 else ""
            if scenario not in {"ok", "later", *FAILURES}:
                raise PaymentError("invalid_token", "the payment token is unknown")
            status = {"ok": ChargeStatus.SUCCEEDED, "later": ChargeStatus.PENDING}.get(
                scenario, ChargeStatus.FAILED
            )
            charge = SandboxCharge(f"ch_{secrets.token_hex(12)}", token, amount, currency, status)
            self.charges.append(charge)
            code, message = FAILURES.get(scenario, (None, None))
            result = ChargeResult(charge.charge_id, status, code, message)
            self._by_key[idempotency_key] = result
        if status is ChargeStatus.PENDING and self.confirm_delay_seconds is not None:
            task = asyncio.create_task(self._confirm_after_delay(charge))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return result

    async def refund(self, *, charge_id: str, amount: int, idempotency_key: str) -> RefundResult:
        async with self._lock:
            if idempotency_key in self._refunds_by_key:
                return self._refunds_by_key[idempotency_key]
            charge = next((c for c in self.charges if c.charge_id == charge_id), None)
            if charge is not None and charge.status is not ChargeStatus.SUCCEEDED:
                raise PaymentError("charge_not_refundable", "only a succeeded charge refunds")
            if charge is not None:
                if amount > charge.amount - charge.refunded:
                    raise PaymentError("amount_too_large", "the refund exceeds the charge")
                charge.refunded += amount
            result = RefundResult(f"re_{secrets.token_hex(12)}", amount)
            self._refunds_by_key[idempotency_key] = result
            return result

    async def confirm_pending(self) -> int:
        """Confirm every pending charge now (one signed webhook each); returns how many."""
        pending = [c for c in self.charges if c.status is ChargeStatus.PENDING]
        for charge in pending:
            await self._confirm(charge)
        return len(pending)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _confirm_after_delay(self, charge: SandboxCharge) -> None:
        await asyncio.sleep(self.confirm_delay_seconds or 0)
        await self._confirm(charge)

    async def _confirm(self, charge: SandboxCharge) -> None:
        charge.status = ChargeStatus.SUCCEEDED
        event = {
            "id": f"evt_{secrets.token_hex(12)}",
            "type": "charge.succeeded",
            "created": int(self.clock.now().timestamp()),
            "data": {"charge_id": charge.charge_id, "amount": charge.amount},
        }
        body = json.dumps(event).encode()
        if self.send_webhook is None:
            return
        for delay in (*self.redelivery_delays, None):
            timestamp = int(self.clock.now().timestamp())
            headers = {
                "content-type": "application/json",
                SIGNATURE_HEADER: sign(self.webhook_secret, body, timestamp=timestamp),
            }
            if await self.send_webhook(body, headers) or delay is None:
                return
            await asyncio.sleep(delay)
