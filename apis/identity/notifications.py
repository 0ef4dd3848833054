"""Mail about what happened elsewhere: a viewer's subscription, an admin's upload.

The identity service sends these because it alone knows who an account id is and where to
write to: the subscription service and the encoder only know ids, and they keep no copy of
anyone's address. Each event is mailed once: its id goes into the inbox in the same
transaction as the message goes into the mail outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.identity.config import IdentitySettings
from apis.identity.mailing import send_mail
from apis.identity.models import User, UserRole
from codeflix.bus import Bus, PermanentFailure
from codeflix.clock import Clock
from codeflix.events import (
    Envelope,
    SubscriptionPaymentFailed,
    SubscriptionState,
    VideoEncodingCompleted,
    VideoEncodingFailed,
)
from codeflix.inbox import first_delivery
from codeflix.unit_of_work import unit_of_work

QUEUE = "identity.notifications"
UPLOAD_ROLES = ("catalog-admin", "admin")
log = logging.getLogger("codeflix.identity")


def _when(moment: datetime) -> str:
    return f"{moment:%d %B %Y, %H:%M} UTC"


def _money(cents: int, currency: str) -> str:
    return f"{cents / 100:.2f} {currency.upper()}"


def _subscription_notice(envelope: Envelope, data: Any) -> tuple[str, list[str]]:
    """Subject and paragraphs of a message about a viewer's subscription."""
    if isinstance(data, SubscriptionPaymentFailed):
        charge = f"We could not charge {_money(data.amount, data.currency)} for your subscription."
        if data.retry_at is not None:
            return "Your Codeflix payment failed", [
                charge,
                f"We will try again on {_when(data.retry_at)}. You keep watching meanwhile; "
                f"please check your card before then.",
                f"Without a successful payment, watching stops on {_when(data.active_until)}.",
            ]
        return "Your Codeflix payment failed", [
            charge,
            f"That was the last try: watching stops on {_when(data.active_until)}.",
        ]
    assert isinstance(data, SubscriptionState)
    until = _when(data.active_until)
    if envelope.type == "subscription.activated":
        started = "Your free trial has started" if data.status == "trialing" else "You are in"
        return "Your Codeflix subscription is active", [
            f"{started}: your subscription is active until {until}. Enjoy watching."
        ]
    if envelope.type == "subscription.canceled":
        return "Your Codeflix subscription is canceled", [
            f"Your subscription is canceled. You can watch until {until}.",
            "You can subscribe again at any time.",
        ]
    return "Your Codeflix subscription has expired", [
        "Your subscription has expired because it could not be paid, so watching has stopped.",
        "Subscribe again at any time to carry on where you left off.",
    ]


async def _notify_subscriber(
    session: AsyncSession, settings: IdentitySettings, envelope: Envelope, now: datetime
) -> None:
    data = envelope.parse_data()
    user = await session.get(User, data.user_id)  # type: ignore[attr-defined]
    if user is None or user.email is None or not user.enabled:
        log.info("no address for a subscription notice", extra={"event_type": envelope.type})
        return
    subject, paragraphs = _subscription_notice(envelope, data)
    await send_mail(
        session,
        settings=settings,
        template="notice",
        to=user.email,
        subject=subject,
        now=now,
        name=user.name,
        paragraphs=paragraphs,
        action_url=f"{settings.public_url}/api/v1/subscriptions/me",
        action_label="Your subscription",
    )


async def _notify_uploaders(
    session: AsyncSession, settings: IdentitySettings, envelope: Envelope, now: datetime
) -> None:
    data = envelope.parse_data()
    assert isinstance(data, VideoEncodingCompleted | VideoEncodingFailed)
    # The catalog does not say who uploaded a master: every catalog admin hears about it.
    admins = (
        await session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role.in_(UPLOAD_ROLES), User.enabled, User.email.is_not(None))
            .distinct()
            .order_by(User.email)
        )
    ).all()
    medium = "master" if data.kind == "video" else "trailer"
    if isinstance(data, VideoEncodingCompleted):
        subject = f"Upload ready: the {medium} of video {data.video_id}"
        paragraphs = [
            f"The {medium} of video {data.video_id} is encoded and ready to stream "
            f"({len(data.renditions)} renditions, {data.duration_seconds:.1f} s).",
        ]
    else:
        subject = f"Upload failed: the {medium} of video {data.video_id}"
        paragraphs = [
            f"The {medium} of video {data.video_id} could not be encoded ({data.reason}).",
            data.message,
            "Upload a new file, or retry the encoding from the admin console.",
        ]
    for admin in admins:
        assert admin.email is not None
        await send_mail(
            session,
            settings=settings,
            template="notice",
            to=admin.email,
            subject=subject,
            now=now,
            name=admin.name,
            paragraphs=paragraphs,
            action_url=f"{settings.public_url}/api/v1/admin/videos/{data.video_id}",
            action_label="The video",
        )


Notify = Callable[[AsyncSession, IdentitySettings, Envelope, datetime], Awaitable[None]]
HANDLERS: dict[str, Notify] = {
    "subscription.activated": _notify_subscriber,
    "subscription.payment_failed": _notify_subscriber,
    "subscription.canceled": _notify_subscriber,
    "subscription.expired": _notify_subscriber,
    "video.encoding.completed": _notify_uploaders,
    "video.encoding.failed": _notify_uploaders,
}


class NotificationsConsumer:
    """Turns events into messages in the mail outbox, once per event."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: IdentitySettings,
        *,
        clock: Clock,
        wake_mail: Callable[[], None],
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.wake_mail = wake_mail

    async def subscribe(self, bus: Bus) -> None:
        await bus.subscribe(QUEUE, tuple(HANDLERS), self.handle)

    async def handle(self, envelope: Envelope) -> None:
        notify = HANDLERS.get(envelope.type)
        if notify is None or envelope.version != 1:
            raise PermanentFailure("unsupported_event", f"{envelope.type} v{envelope.version}")
        async with unit_of_work(self.sessions) as session:
            if not await first_delivery(session, consumer=QUEUE, event_id=envelope.id):
                return
            try:
                await notify(session, self.settings, envelope, self.clock.now())
            except ValueError as e:
                # A value that cannot go into a mail header (a line break in an id): retrying
                # cannot help, and nothing of it may reach a message.
                raise PermanentFailure("unusable_event", str(e)) from e
        self.wake_mail()
