"""How the encoder's reports move a media slot: processing → ready (or failed).

Events may arrive twice (the inbox drops the repeat) or out of order (after a retry), so an
event older than the last one applied to the slot, or older than the upload of the master
being encoded, changes nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog.models import MediaSlot, Video, utcnow
from apis.catalog.publishing import publish
from apis.catalog.videos import video_public
from codeflix.events import (
    Envelope,
    VideoEncodingCompleted,
    VideoEncodingFailed,
    VideoEncodingProgressed,
)

ENCODING_EVENTS = (
    "video.encoding.started",
    "video.encoding.progressed",
    "video.encoding.completed",
    "video.encoding.failed",
)


async def apply_encoding_event(*, session: AsyncSession, envelope: Envelope) -> bool:
    """Apply one ``video.encoding.*`` event to its media slot; False when it changed nothing."""
    data: Any = envelope.parse_data()
    try:
        video_id = uuid.UUID(data.video_id)
    except ValueError:
        return False  # no video of ours has such an id
    video = await session.get(Video, video_id, with_for_update=True)
    if video is None:
        return False  # deleted since: nothing left to update
    slot = video.slot(data.kind)
    if slot.status == "uploading" or slot.raw_location is None:
        return False  # a new master is on its way; reports about an older one are moot
    if slot.last_event_at is not None and envelope.occurred_at < slot.last_event_at:
        return False
    slot.last_event_at = envelope.occurred_at
    before = slot.status
    if isinstance(data, VideoEncodingCompleted):
        slot.status, slot.error = "ready", None
        slot.encoded_location = data.master_playlist_key
        slot.details = {
            "duration_seconds": data.duration_seconds,
            "renditions": [r.model_dump() for r in data.renditions],
            "poster": data.poster_key,
            "thumbnails": data.thumbnails_key,
            "hls_prefix": data.hls_prefix,
        }
    elif isinstance(data, VideoEncodingFailed):
        slot.status, slot.error = "failed", f"{data.reason}: {data.message}"
        slot.encoded_location, slot.details = None, {}
    else:  # started or progressed: the encoder is (again) at work on this master
        slot.status, slot.error = "processing", None
        if isinstance(data, VideoEncodingProgressed):
            slot.details = {"progress_percent": data.percent}
    if slot.status != before or slot.status in ("ready", "failed"):
        video.updated_at = utcnow()
        await session.flush()
        await publish(session, "video.updated", video_public(video), subject=str(video.id))
    return True


async def reannounce_unfinished(*, session: AsyncSession) -> int:
    """Announce again every master still waiting for the encoder; returns how many.

    The in-process bus of the embedded platform forgets undelivered events when it stops, so
    on start the masters caught mid-encoding are announced again (the encoder resumes a job
    from the chunks already in storage).
    """
    slots = (
        await session.scalars(
            select(MediaSlot).where(
                MediaSlot.status == "processing", MediaSlot.raw_location.is_not(None)
            )
        )
    ).all()
    for slot in slots:
        data = {"video_id": str(slot.video_id), "kind": slot.kind, "source_key": slot.raw_location}
        await publish(session, "video.uploaded", data, subject=str(slot.video_id))
    await session.commit()
    return len(slots)
