"""The payment provider port: what the subscription service needs from whoever moves money.

Card numbers reach this port only to be exchanged for a token; the service keeps the token,
the brand and the last four digits, never the number. ``CardDetails`` hides the number and
the CVC from ``repr`` so they cannot leak into a log line or a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PENDING = "pending"  # the provider confirms later through a webhook
    FAILED = "failed"


@dataclass(frozen=True)
class CardDetails:
    """A card as the customer typed it; lives only for the length of one request."""

    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)

    @property
    def last4(self) -> str:
        return self.number[-4:]


@dataclass(frozen=True)
class StoredCard:
    """What the service keeps of a card: the provider's token and what a person recognises."""

    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class ChargeResult:
    charge_id: str
    status: ChargeStatus
    failure_code: str | None = None
    failure_message: str | None = None


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    amount: int


class PaymentError(Exception):
    """The provider refused an operation; ``code`` is its short machine-readable reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class CardRejected(PaymentError):
    """The card cannot be used at all (bad number, expired, wrong CVC)."""


class PaymentGateway(Protocol):
    """A payment provider. Every call may be retried with the same ``idempotency_key``."""

    async def tokenize(self, card: CardDetails) -> StoredCard:
        """Exchange card details for a reusable token; raises :class:`CardRejected`."""
        ...

    async def charge(
        self, *, token: str, amount: int, currency: str, idempotency_key: str, description: str
    ) -> ChargeResult:
        """Charge ``amount`` cents; the same idempotency key never charges twice."""
        ...

    async def refund(self, *, charge_id: str, amount: int, idempotency_key: str) -> RefundResult:
        """Give back ``amount`` cents of a succeeded charge; raises :class:`PaymentError`."""
        ...
