"""Event handlers that keep playback's copy of playable videos current.

One queue, ``playback.videos``: the encoder's ``video.encoding.*`` events say where a video's
HLS tree is (``playable`` already while it encodes, ``completed`` at the end), the catalog's
video events say whether it is published. Each event is applied
once (inbox) in the transaction that records it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.playback import service
from codeflix.bus import Bus, PermanentFailure
from codeflix.events import (
    Envelope,
    EventData,
    VideoCreated,
    VideoDeleted,
    VideoEncodingCompleted,
    VideoEncodingFailed,
    VideoEncodingPlayable,
    VideoEncodingStarted,
    VideoUpdated,
)
from codeflix.inbox import first_delivery
from codeflix.problems import NotFound
from codeflix.unit_of_work import unit_of_work

QUEUE = "playback.videos"
log = logging.getLogger("codeflix.playback")

Apply = Callable[[AsyncSession, Any, float], Awaitable[object]]


async def _encoding_started(session: AsyncSession, data: VideoEncodingStarted, at: float) -> None:
    await service.record_media_status(
        session=session, video_id=data.video_id, status="processing", occurred_at=at
    )


async def _encoding_failed(session: AsyncSession, data: VideoEncodingFailed, at: float) -> None:
    await service.record_media_status(
        session=session, video_id=data.video_id, status="failed", occurred_at=at
    )


async def _encoding_completed(
    session: AsyncSession, data: VideoEncodingCompleted | VideoEncodingPlayable, at: float
) -> None:
    prefix = data.hls_prefix.strip("/") + "/"

    def from_root(key: str | None) -> str | None:
        # Keys are from the store's root; accept ones relative to the HLS tree as well.
        if key is None or key.startswith(prefix):
            return key
        return prefix + key

    # A playable stream has no poster or seek previews yet: the completed event brings them.
    poster = thumbnails = None
    if isinstance(data, VideoEncodingCompleted):
        poster, thumbnails = from_root(data.poster_key), from_root(data.thumbnails_key)
    await service.record_media_ready(
        session=session,
        video_id=data.video_id,
        hls_prefix=prefix,
        master_key=from_root(data.master_playlist_key) or prefix + "master.m3u8",
        poster_key=poster,
        thumbnails_key=thumbnails,
        duration_seconds=data.duration_seconds,
        renditions=[r.model_dump(mode="json") for r in data.renditions],
        occurred_at=at,
        still_encoding=isinstance(data, VideoEncodingPlayable),
    )


async def _catalog_video(
    session: AsyncSession, data: VideoCreated | VideoUpdated, at: float
) -> None:
    await service.record_catalog_video(
        session=session,
        video_id=data.id,
        published=data.published,
        rating=data.rating,
        occurred_at=at,
    )
    media = data.media.get("video")
    if media is None:
        return
    if (media.status == "ready" or media.playable_while_encoding) and media.encoded_location:
        await service.record_media_ready(
            session=session,
            video_id=data.id,
            master_key=media.encoded_location,
            poster_key=media.poster,
            thumbnails_key=media.thumbnails,
            duration_seconds=media.duration_seconds,
            occurred_at=at,
            still_encoding=media.status != "ready",
        )
    else:
        await service.record_media_status(
            session=session, video_id=data.id, status=media.status, occurred_at=at
        )


async def _catalog_video_deleted(session: AsyncSession, data: VideoDeleted, at: float) -> None:
    await service.record_catalog_video(
        session=session, video_id=data.id, published=False, deleted=True, occurred_at=at
    )


HANDLERS: dict[str, Apply] = {
    "video.encoding.started": _encoding_started,
    "video.encoding.failed": _encoding_failed,
    "video.encoding.playable": _encoding_completed,
    "video.encoding.completed": _encoding_completed,
    "video.created": _catalog_video,
    "video.updated": _catalog_video,
    "video.deleted": _catalog_video_deleted,
}


class VideoEventsConsumer:
    """Applies catalog and encoder video events to the playable-videos table."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def subscribe(self, bus: Bus) -> None:
        await bus.subscribe(QUEUE, tuple(HANDLERS), self.handle)

    async def handle(self, envelope: Envelope) -> None:
        apply = HANDLERS.get(envelope.type)
        data: EventData = envelope.parse_data()
        if apply is None or envelope.version != 1:
            raise PermanentFailure("unsupported_event", f"{envelope.type} v{envelope.version}")
        if getattr(data, "kind", "video") != "video":
            return  # trailers are not granted through playback
        at = envelope.occurred_at.timestamp()
        async with unit_of_work(self.sessions) as session:
            if not await first_delivery(session, consumer=QUEUE, event_id=envelope.id):
                return
            try:
                await apply(session, data, at)
            except (ValueError, NotFound) as e:
                raise PermanentFailure("unusable_event", str(e)) from e
        log.info(
            "video event applied", extra={"event_type": envelope.type, "video": envelope.subject}
        )
