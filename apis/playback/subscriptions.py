"""Playback's copy of who may watch, fed by the subscription service's ``subscription.*`` events.

One row per viewer: the status, plan height limit and ``active_until`` of their latest
subscription event. :class:`SubscriptionEntitlements` is the :class:`EntitlementPolicy` built
on it: no row, a finished subscription or a lapsed ``active_until`` is a 402 with a reason;
otherwise the viewer plays renditions up to the plan's height.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.playback.entitlements import Entitlement, NotEntitled
from apis.playback.models import PlayableVideo, SubscriberEntitlement
from codeflix.bus import Bus, PermanentFailure
from codeflix.events import Envelope, SubscriptionState
from codeflix.inbox import first_delivery
from codeflix.unit_of_work import unit_of_work

QUEUE = "playback.entitlements"
ROUTING_KEYS = (
    "subscription.activated",
    "subscription.renewed",
    "subscription.past_due",
    "subscription.canceled",
    "subscription.expired",
)
WATCHING = frozenset({"trialing", "active", "past_due"})
log = logging.getLogger("codeflix.playback.entitlements")


class SubscriptionEntitlements:
    """Lets a viewer watch while their latest subscription event says so."""

    async def entitlement(
        self, *, session: AsyncSession, user_id: str, video: PlayableVideo, now: float
    ) -> Entitlement:
        row = await session.get(SubscriberEntitlement, user_id)
        if row is None:
            raise NotEntitled("watching needs an active subscription", reason="no_subscription")
        if row.status not in WATCHING:
            raise NotEntitled(
                f"your subscription is {row.status}; subscribe again to watch",
                reason=f"subscription_{row.status}",
            )
        if row.active_until <= now:
            raise NotEntitled("your subscription has run out", reason="subscription_lapsed")
        return Entitlement(max_height=row.max_height)


async def apply_subscription_event(
    session: AsyncSession, *, data: SubscriptionState, occurred_at: datetime
) -> bool:
    """Record the event unless a newer one for the viewer is already known; True if applied."""
    at = occurred_at.timestamp()
    row = await session.get(SubscriberEntitlement, data.user_id, with_for_update=True)
    if row is not None and row.event_at > at:
        return False  # a late, older event never undoes a newer one
    if row is None:
        row = SubscriberEntitlement(user_id=data.user_id)
        session.add(row)
    row.subscription_id = data.subscription_id
    row.plan_id = data.plan_id
    row.status = data.status
    row.max_height = data.max_height
    row.active_until = data.active_until.timestamp()
    row.event_at = at
    return True


class SubscriptionEventsConsumer:
    """Applies ``subscription.*`` events to the entitlements table, once each."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def subscribe(self, bus: Bus) -> None:
        await bus.subscribe(QUEUE, ROUTING_KEYS, self.handle)

    async def handle(self, envelope: Envelope) -> None:
        data = envelope.parse_data()
        if envelope.type not in ROUTING_KEYS or not isinstance(data, SubscriptionState):
            raise PermanentFailure("unsupported_event", f"{envelope.type} v{envelope.version}")
        async with unit_of_work(self.sessions) as session:
            if not await first_delivery(session, consumer=QUEUE, event_id=envelope.id):
                return
            await apply_subscription_event(session, data=data, occurred_at=envelope.occurred_at)
        log.info("entitlement updated", extra={"event_type": envelope.type, "status": data.status})
