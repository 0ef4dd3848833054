"""The catalog's events, applied to the search index (queue ``search.catalog``).

Idempotent and order-safe through the version kept on every state record (see
``projection``), so search needs no inbox table. Typesense being away is not the event's
fault: the handler raises, the bus retries (1, 5, 30, 120 s, then every 120 s) and the event
applies once Typesense is back. An event that cannot be applied at all goes to the DLQ.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from apis.search import projection
from apis.search.index import TypesenseIndex
from codeflix.bus import Bus, PermanentFailure
from codeflix.bus.port import DEFAULT_RETRY_DELAYS
from codeflix.events import (
    CastMemberState,
    CatalogResourceDeleted,
    CategoryState,
    Envelope,
    GenreState,
    VideoState,
)

QUEUE = "search.catalog"
# Retried for about two weeks at the last delay before a Typesense outage dead-letters.
MAX_ATTEMPTS = 10_000
log = logging.getLogger("codeflix.search")

Apply = Callable[[TypesenseIndex, Any, int], Awaitable[bool]]


async def _video(index: TypesenseIndex, data: VideoState, version: int) -> bool:
    return await projection.apply_video(index, video=data, version=version)


async def _video_deleted(index: TypesenseIndex, data: CatalogResourceDeleted, version: int) -> bool:
    return await projection.delete_video(index, video_id=data.id, version=version)


def _reference(kind: str) -> Apply:
    async def apply(index: TypesenseIndex, data: Any, version: int) -> bool:
        if isinstance(data, CatalogResourceDeleted):
            return await projection.apply_reference(
                index, kind=kind, ref_id=data.id, name=None, version=version
            )
        active = data.is_active if isinstance(data, CategoryState | GenreState) else True
        assert isinstance(data, CategoryState | GenreState | CastMemberState)
        return await projection.apply_reference(
            index, kind=kind, ref_id=data.id, name=data.name, version=version, active=active
        )

    return apply


HANDLERS: dict[str, Apply] = {
    "video.created": _video,
    "video.updated": _video,
    "video.deleted": _video_deleted,
    **{
        f"{kind}.{change}": _reference(kind)
        for kind in projection.REF_KINDS
        for change in ("created", "updated", "deleted")
    },
}


class CatalogEventsConsumer:
    """Applies catalog events to the index the search service reads."""

    def __init__(
        self,
        index: Callable[[], TypesenseIndex],
        *,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
    ) -> None:
        # A callable: embedded, Typesense's address is known only once the platform runs.
        self.index = index
        self.retry_delays = tuple(retry_delays)

    async def subscribe(self, bus: Bus) -> None:
        # One event at a time, in one process at a time however many replicas run: a rename
        # and a video change never interleave, and no two versions of a record race.
        await bus.subscribe(
            QUEUE,
            tuple(HANDLERS),
            self.handle,
            prefetch=1,
            single_active=True,
            max_attempts=MAX_ATTEMPTS,
            retry_delays=self.retry_delays,
        )

    async def handle(self, envelope: Envelope) -> None:
        apply = HANDLERS.get(envelope.type)
        if apply is None or envelope.version != 1:
            raise PermanentFailure("unsupported_event", f"{envelope.type} v{envelope.version}")
        data = envelope.parse_data()
        version = int(envelope.occurred_at.timestamp() * 1_000_000)
        applied = await apply(self.index(), data, version)
        log.info(
            "catalog event %s",
            "applied" if applied else "skipped (not newer)",
            extra={"event_type": envelope.type, "subject": envelope.subject},
        )
