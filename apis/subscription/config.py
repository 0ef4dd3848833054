"""Settings of the subscription service: its database, the payment provider and billing rules."""

from __future__ import annotations

from pydantic import Field

from codeflix.settings import DEFAULT_SECRET, ServiceSettings


class SubscriptionSettings(ServiceSettings):
    service_name: str = "subscription"
    payment_webhook_secret: str = Field(
        default=DEFAULT_SECRET,
        description="shared secret the payment provider signs its webhooks with (HMAC-SHA256)",
    )
    webhook_tolerance_seconds: int = Field(
        default=300, ge=10, le=3600, description="how old a signed webhook may be"
    )
    grace_period_days: int = Field(
        default=7, ge=0, le=60, description="how long a past-due subscription keeps trying"
    )
    retry_backoff_hours: list[float] = Field(
        default_factory=lambda: [1.0, 24.0, 72.0],
        min_length=1,
        description="delays between failed renewal charges; the last one repeats",
    )
    pending_timeout_hours: float = Field(
        default=24.0, gt=0, description="a payment still unconfirmed after this expires"
    )
    scheduler_interval_seconds: float = Field(
        default=30.0, gt=0, description="how often the renewal scheduler looks for due work"
    )
    scheduler_enabled: bool = True
    scheduler_lease_seconds: int = Field(
        default=120, ge=5, description="how long a replica holds a subscription it is billing"
    )
    sandbox_confirm_delay_seconds: float = Field(
        default=5.0, ge=0, description="how long the sandbox provider waits to confirm later"
    )
    seed_plans: bool = Field(
        default=False, description="create the basic and premium plans when none exist"
    )

    def secret_fields(self) -> list[str]:
        return [*super().secret_fields(), "payment_webhook_secret"]


def get_settings(**overrides: object) -> SubscriptionSettings:
    return SubscriptionSettings(**overrides)  # type: ignore[arg-type]
