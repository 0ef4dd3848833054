"""What the subscription API reads and answers (JSON, snake_case, money in integer cents)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from codeflix.text import StorableText

BillingPeriod = Literal["monthly", "yearly"]
Currency = str  # ISO 4217 code, validated by the pattern below
CURRENCY_PATTERN = r"^[A-Z]{3}$"
T = TypeVar("T")


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StorableText = Field(min_length=1, max_length=100)
    description: StorableText = Field(default="", max_length=2000)
    price_cents: int = Field(ge=0, le=100_000_000)
    currency: Currency = Field(default="BRL", pattern=CURRENCY_PATTERN)
    billing_period: BillingPeriod = "monthly"
    trial_days: int = Field(default=0, ge=0, le=365)
    max_video_height: int | None = Field(
        default=None, ge=144, le=4320, description="tallest rendition; null means no limit"
    )
    is_active: bool = True


class PlanUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StorableText | None = Field(default=None, min_length=1, max_length=100)
    description: StorableText | None = Field(default=None, max_length=2000)
    price_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    currency: Currency | None = Field(default=None, pattern=CURRENCY_PATTERN)
    billing_period: BillingPeriod | None = None
    trial_days: int | None = Field(default=None, ge=0, le=365)
    max_video_height: int | None = Field(default=None, ge=144, le=4320)
    is_active: bool | None = None


class PlanPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str
    price_cents: int
    currency: str
    billing_period: BillingPeriod
    trial_days: int
    max_video_height: int | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class CardIn(BaseModel):
    """A card as typed by the customer; the number and CVC never leave this request."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["card"]
    number: SecretStr = Field(min_length=12, max_length=23)
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    cvc: SecretStr = Field(min_length=3, max_length=4)


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_id: uuid.UUID
    payment_method: CardIn


class CardPublic(BaseModel):
    brand: str
    last4: str


class SubscriptionPublic(BaseModel):
    id: uuid.UUID
    user_id: str
    email: str | None = Field(description="the subscriber's address when they subscribed")
    plan_id: uuid.UUID
    status: str
    current_period_start: datetime
    current_period_end: datetime
    cancel_at_period_end: bool
    canceled_at: datetime | None
    ended_at: datetime | None
    grace_ends_at: datetime | None
    card: CardPublic
    created_at: datetime
    updated_at: datetime


class PaymentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subscription_id: uuid.UUID
    user_id: str
    kind: str
    amount: int
    currency: str
    status: str
    refunded_amount: int
    failure_code: str | None
    card_brand: str
    card_last4: str
    created_at: datetime


class RefundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_id: uuid.UUID | None = Field(
        default=None, description="which payment; default the subscription's latest paid one"
    )
    amount: int | None = Field(default=None, gt=0, description="cents; default what is left")
    reason: StorableText = Field(default="", max_length=500)


class AdminCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at_period_end: bool = Field(
        default=False, description="keep it until the paid period ends instead of at once"
    )


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class PlanPage(Page[PlanPublic]):
    pass


class SubscriptionPage(Page[SubscriptionPublic]):
    pass


class PaymentPage(Page[PaymentPublic]):
    pass


class PlanActive(BaseModel):
    plan_id: uuid.UUID
    name: str
    active: int = Field(description="subscriptions that play now: trialing, active or past_due")


class SubscriptionStats(BaseModel):
    active_by_plan: list[PlanActive] = Field(description="every plan, retired ones included")
    subscribers: dict[str, int] = Field(
        description="subscriptions by status: pending, trialing, active, past_due, canceled, "
        "expired"
    )
