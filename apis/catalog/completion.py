"""What happens when the last byte of an upload is in: check the file, move the slot on."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog import subtitles
from apis.catalog.media_checks import NotMedia, check_media
from apis.catalog.models import Upload, Video, utcnow
from apis.catalog.publishing import publish
from apis.catalog.upload_storage import Uploads
from apis.catalog.videos import video_public
from codeflix.problems import Problem, UnprocessableContent

log = logging.getLogger("codeflix.catalog")


class MediaCheckFailed(Problem):
    """The check itself broke (not the file's verdict): the upload ends, a new one may follow."""

    status, type_suffix = 500, "media-check-failed"


async def complete_upload(session: AsyncSession, uploads: Uploads, upload: Upload) -> None:
    """The last byte is in: check the file, then move the media slot on and tell the others."""
    if upload.kind == "subtitle":
        return await subtitles.complete_upload(session, uploads, upload)
    # Locked and read fresh: an admin PATCH in between must not make this flush stale.
    video = await session.get(Video, upload.video_id, populate_existing=True, with_for_update=True)
    assert video is not None  # the upload row would be gone with its video
    slot = video.slot(upload.kind)
    settings = uploads.settings
    try:
        await asyncio.to_thread(
            check_media,
            uploads.store,
            upload.key,
            upload.kind,
            settings.storage_options,
            max_image_pixels=settings.max_image_pixels,
        )
    except NotMedia as refused:
        await _end_unchecked(
            session, uploads, upload, video, "refused", f"{refused.reason}: {refused.message}"
        )
        raise UnprocessableContent(
            f"the uploaded {upload.kind} was refused: {refused.message}",
            errors=[{"loc": ["body"], "msg": refused.reason}],
        ) from None
    except Exception:
        # Whatever a crafted file or a storage hiccup makes the check raise, the upload must
        # not stay "receiving" with its slot "uploading": it ends, and a new upload may start.
        log.exception("checking upload %s (%s) failed", upload.id, upload.kind)
        await _end_unchecked(
            session, uploads, upload, video, "failed", "check_failed: the file could not be checked"
        )
        raise MediaCheckFailed(
            f"the uploaded {upload.kind} could not be checked; upload it again",
            errors=[{"loc": ["body"], "msg": "check_failed"}],
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


async def _end_unchecked(
    session: AsyncSession, uploads: Uploads, upload: Upload, video: Video, status: str, error: str
) -> None:
    """End an upload whose file was not accepted: drop its bytes, fail its slot, say so."""
    try:
        await asyncio.to_thread(uploads.store.delete, upload.key)
    except Exception:  # an orphaned object is better than an upload stuck half-way
        log.exception("dropping the bytes of upload %s failed", upload.id)
    upload.status = status
    slot = video.slot(upload.kind)
    slot.status, slot.error = "failed", error
    slot.details = {**(slot.details or {}), "failed_at": utcnow().isoformat()}
    video.updated_at = utcnow()
    await session.flush()
    await publish(session, "video.updated", video_public(video), subject=str(video.id))
    # Committed now: the request answers with an error, which rolls back its unit of work,
    # and the ended upload and failed slot must be kept all the same.
    await session.commit()
