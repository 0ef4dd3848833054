"""How the encoder's reports move a media slot: processing → playable → ready (or failed).

``playable``: the encoder published a stream viewers can start while the rest still encodes;
reports of progress after it keep the slot playable.

Events may arrive twice (the inbox drops the repeat) or out of order (after a retry), so an
event older than the last one applied to the slot, or older than the upload of the master
being encoded, changes nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog.models import MediaSlot, Upload, Video, utcnow
from apis.catalog.publishing import publish
from apis.catalog.renditions import encoded_inventory
from apis.catalog.videos import video_public
from codeflix.events import (
    Envelope,
    VideoEncodingCompleted,
    VideoEncodingFailed,
    VideoEncodingPlayable,
    VideoEncodingProgressed,
)
from codeflix.problems import Conflict, NotFound
from codeflix.storage import ObjectStore

ENCODING_EVENTS = (
    "video.encoding.started",
    "video.encoding.progressed",
    "video.encoding.playable",
    "video.encoding.completed",
    "video.encoding.failed",
)


async def apply_encoding_event(
    *, session: AsyncSession, store: ObjectStore, envelope: Envelope
) -> bool:
    """Apply one ``video.encoding.*`` event to its media slot; False when it changed nothing."""
    data: Any = envelope.parse_data()
    if isinstance(data, VideoEncodingCompleted):  # read storage before the row is locked
        renditions, sprites = await asyncio.to_thread(encoded_inventory, store, data)
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
            "renditions": renditions,
            "poster": data.poster_key,
            "thumbnails": data.thumbnails_key,
            "sprites": sprites,
            "hls_prefix": data.hls_prefix,
        }
    elif isinstance(data, VideoEncodingPlayable):
        slot.status, slot.error = "playable", None
        slot.encoded_location = data.master_playlist_key
        slot.details = {
            **(slot.details or {}),
            "duration_seconds": data.duration_seconds,
            "renditions": [r.model_dump() for r in data.renditions],
            "hls_prefix": data.hls_prefix,
        }
    elif isinstance(data, VideoEncodingFailed):
        slot.status, slot.error = "failed", f"{data.reason}: {data.message}"
        slot.encoded_location = None
        slot.details = {"failed_at": envelope.occurred_at.isoformat()}
    elif slot.status == "playable":  # a resumed job goes on growing the published stream
        if isinstance(data, VideoEncodingProgressed):
            slot.details = {**(slot.details or {}), "progress_percent": data.percent}
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
                MediaSlot.status.in_(("processing", "playable")),
                MediaSlot.raw_location.is_not(None),
            )
        )
    ).all()
    for slot in slots:
        data = {"video_id": str(slot.video_id), "kind": slot.kind, "source_key": slot.raw_location}
        await publish(session, "video.uploaded", data, subject=str(slot.video_id))
    return len(slots)


class CannotRetry(Conflict):
    type_suffix = "encoding-not-retryable"


async def retry_encoding(
    *, session: AsyncSession, store: ObjectStore, video_id: uuid.UUID, kind: str
) -> MediaSlot:
    """Announce the stored master of a failed encode again, so the encoder takes it up anew.

    The encoder's job ids derive from the master's key, so the new attempt resumes from the
    chunks the failed one left in storage. Only a failed encode of an accepted master is
    retried: a refused upload has nothing to encode, and a pending, processing or ready slot
    has nothing to retry.
    """
    video = await session.get(Video, video_id, with_for_update=True)
    if video is None:
        raise NotFound(f"video {video_id} does not exist")
    slot = video.slot(kind)
    if slot.status != "failed":
        raise CannotRetry(
            f"the {kind} of this video is {slot.status}; only a failed encode can be retried",
            media_status=slot.status,
        )
    latest = await session.scalar(
        select(Upload)
        .where(Upload.video_id == video_id, Upload.kind == kind)
        .order_by(Upload.created_at.desc())
        .limit(1)
    )
    if slot.raw_location is None or latest is None or latest.key != slot.raw_location:
        raise CannotRetry(f"no stored master of the {kind} to encode: upload one")
    if latest.status != "completed":
        raise CannotRetry(
            f"the last upload of the {kind} was {latest.status} ({slot.error}): upload a new one"
        )
    if not await asyncio.to_thread(store.exists, slot.raw_location):
        raise CannotRetry(f"the stored master of the {kind} is gone from storage: upload it again")
    slot.status, slot.error, slot.encoded_location, slot.details = "processing", None, None, {}
    # Reports about the failed attempt that arrive late must not undo this one.
    slot.last_event_at = utcnow()
    data = {
        "video_id": str(video.id),
        "kind": kind,
        "source_key": slot.raw_location,
        "size_bytes": latest.length,
    }
    await publish(session, "video.uploaded", data, subject=str(video.id))
    video.updated_at = utcnow()
    await session.flush()
    await publish(session, "video.updated", video_public(video), subject=str(video.id))
    return slot
