"""The catalog's event handlers: the encoder's reports about the masters it encodes."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from apis.catalog.encoding import ENCODING_EVENTS, apply_encoding_event
from codeflix.bus import Bus, Handler
from codeflix.events import Envelope
from codeflix.inbox import first_delivery
from codeflix.storage import ObjectStore
from codeflix.unit_of_work import unit_of_work

ENCODING_QUEUE = "catalog.encoding"
log = logging.getLogger("codeflix.catalog")


def encoding_handler(sessions: async_sessionmaker[Any], store: ObjectStore) -> Handler:
    """Move media slots as the encoder reports, once per event."""

    async def handle(envelope: Envelope) -> None:
        async with unit_of_work(sessions) as session:
            if not await first_delivery(session, consumer=ENCODING_QUEUE, event_id=envelope.id):
                return
            applied = await apply_encoding_event(session=session, store=store, envelope=envelope)
        if not applied:
            log.info("ignored %s for %s (stale or unknown)", envelope.type, envelope.subject)

    return handle


async def subscribe_all(bus: Bus, sessions: async_sessionmaker[Any], store: ObjectStore) -> None:
    # One event at a time per process keeps each video's reports in order; across replicas
    # the row lock taken by apply_encoding_event does.
    await bus.subscribe(
        ENCODING_QUEUE, ENCODING_EVENTS, encoding_handler(sessions, store), prefetch=1
    )
