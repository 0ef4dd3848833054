"""What happens when the last byte of an upload is in: check the file, move the slot on."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog.media_checks import NotMedia, check_media
from apis.catalog.models import Upload, Video, utcnow
from apis.catalog.publishing import publish
from apis.catalog.videos import video_public
from codeflix.problems import UnprocessableContent

if TYPE_CHECKING:
    from apis.catalog.uploads import Uploads


async def complete_upload(session: AsyncSession, uploads: Uploads, upload: Upload) -> None:
    """The last byte is in: check the file, then move the media slot on and tell the others."""
    # Locked and read fresh: an admin PATCH in between must not make this flush stale.
    video = await session.get(Video, upload.video_id, populate_existing=True, with_for_update=True)
    assert video is not None  # the upload row would be gone with its video
    slot = video.slot(upload.kind)
    options = uploads.settings.storage_options
    try:
        await asyncio.to_thread(check_media, uploads.store, upload.key, upload.kind, options)
    except NotMedia as refused:
        await asyncio.to_thread(uploads.store.delete, upload.key)
        upload.status = "refused"
        slot.status, slot.error = "failed", f"{refused.reason}: {refused.message}"
        video.updated_at = utcnow()
        await session.flush()
        await publish(session, "video.updated", video_public(video), subject=str(video.id))
        await session.commit()
        raise UnprocessableContent(
            f"the uploaded {upload.kind} was refused: {refused.message}",
            errors=[{"loc": ["body"], "msg": refused.reason}],
        ) from None
    upload.status = "completed"
    slot.raw_location, slot.error, slot.upload_id = upload.key, None, upload.id
    slot.last_event_at = utcnow()  # encoding events older than this are about an older master
    if upload.kind in ("video", "trailer"):
        slot.status, slot.encoded_location, slot.details = "processing", None, {}
        data = {
            "video_id": str(video.id),
            "kind": upload.kind,
            "source_key": upload.key,
            "size_bytes": upload.length,
        }
        await publish(session, "video.uploaded", data, subject=str(video.id))
    else:
        slot.status, slot.encoded_location = "ready", upload.key
    video.updated_at = utcnow()
    await session.flush()
    await publish(session, "video.updated", video_public(video), subject=str(video.id))
    await session.commit()
