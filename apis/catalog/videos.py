"""Administration of videos: their references to the rest of the catalog and their media."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog import schemas
from apis.catalog.models import (
    MEDIA_KINDS,
    CastMember,
    Category,
    Genre,
    MediaSlot,
    SubtitleTrack,
    Upload,
    Video,
    utcnow,
)
from apis.catalog.publishing import publish
from apis.catalog.resources import (
    check_if_match,
    fetch_referenced,
    flush_changes,
    get_or_404,
    refuse_if,
)
from apis.catalog.upload_storage import Uploads
from codeflix.unit_of_work import after_commit


def media_admin(slot: MediaSlot | None) -> schemas.MediaAdmin:
    if slot is None:
        return schemas.MediaAdmin(status="pending")
    details = slot.details or {}
    return schemas.MediaAdmin(
        status=slot.status,  # type: ignore[arg-type]
        raw_location=slot.raw_location,
        encoded_location=slot.encoded_location,
        error=slot.error,
        duration_seconds=details.get("duration_seconds"),
        renditions=details.get("renditions"),
        poster=details.get("poster"),
        thumbnails=details.get("thumbnails"),
        sprites=details.get("sprites"),
    )


def subtitle_admin(track: SubtitleTrack) -> schemas.SubtitleAdmin:
    return schemas.SubtitleAdmin(
        language=track.language,
        label=track.label,
        default=track.default,
        forced=track.forced,
        status=track.status,  # type: ignore[arg-type]
        error=track.error,
    )


def video_public(video: Video) -> schemas.VideoPublic:
    slots = {slot.kind: slot for slot in video.media}
    return schemas.VideoPublic(
        id=video.id,
        title=video.title,
        description=video.description,
        launch_year=video.launch_year,
        duration=video.duration,
        rating=video.rating,  # type: ignore[arg-type]
        opened=video.opened,
        published=video.published,
        categories=[c.id for c in video.categories],
        genres=[g.id for g in video.genres],
        cast_members=[m.id for m in video.cast_members],
        media={kind: media_admin(slots.get(kind)) for kind in MEDIA_KINDS},  # type: ignore[misc]
        subtitles=[subtitle_admin(t) for t in video.subtitles],
        created_at=video.created_at,
        updated_at=video.updated_at,
    )


async def resolve_references(
    session: AsyncSession, values: dict[str, Any], current: Video | None = None
) -> dict[str, list[Any]]:
    """Load the categories, genres and cast members named in ``values`` and check they fit.

    Every id must exist, and every genre must belong to at least one of the video's
    categories (after the change): all offending fields are reported at once.
    """
    resolved: dict[str, list[Any]] = {}
    errors: list[dict[str, Any]] = []
    for field, model in (("categories", Category), ("genres", Genre), ("cast_members", CastMember)):
        if field in values:
            rows, missing = await fetch_referenced(session, model, values[field], field=field)
            resolved[field], errors = rows, errors + missing
    categories = resolved.get("categories", current.categories if current else [])
    genres: list[Genre] = resolved.get("genres", current.genres if current else [])
    category_ids = {c.id for c in categories}
    for i, genre in enumerate(genres):
        if not category_ids & {c.id for c in genre.categories}:
            errors.append(
                {
                    "loc": ["body", "genres", i],
                    "msg": f"genre '{genre.name}' belongs to none of the video's categories",
                }
            )
    refuse_if(errors)
    return resolved


async def create_video(*, session: AsyncSession, video_in: schemas.VideoCreate) -> Video:
    values = video_in.model_dump()
    references = await resolve_references(session, values)
    plain = {k: v for k, v in values.items() if k not in references}
    video = Video(**plain, **references, subtitles=[])
    for kind in MEDIA_KINDS:
        video.slot(kind)
    session.add(video)
    await session.flush()
    await publish(session, "video.created", video_public(video), subject=str(video.id))
    return video


async def update_video(
    *,
    session: AsyncSession,
    video_id: uuid.UUID,
    changes: schemas.VideoUpdate,
    if_match: str | None,
) -> Video:
    video = await get_or_404(session, Video, video_id)
    check_if_match(video, if_match)
    values = changes.changes()
    references = await resolve_references(session, values, current=video)
    for field, value in {**values, **references}.items():
        setattr(video, field, value)
    video.updated_at = utcnow()
    await flush_changes(session)
    await publish(session, "video.updated", video_public(video), subject=str(video.id))
    return video


async def delete_video(
    *, session: AsyncSession, uploads: Uploads, video_id: uuid.UUID, if_match: str | None
) -> None:
    """Delete a video and, once that is committed, its media and unfinished uploads."""
    video = await get_or_404(session, Video, video_id)
    check_if_match(video, if_match, required=False)
    unfinished = (
        await session.scalars(
            select(Upload).where(Upload.video_id == video_id, Upload.status == "receiving")
        )
    ).all()
    in_flight = [(u.key, dict(u.storage_state)) for u in unfinished]
    await session.delete(video)
    await flush_changes(session)
    await publish(session, "video.deleted", {"id": str(video.id)}, subject=str(video.id))

    async def drop_media() -> None:
        for key, state in in_flight:  # e.g. S3 multipart uploads would keep their parts
            await uploads.target.abort(key, state)
        await asyncio.to_thread(uploads.store.delete_prefix, video_media_prefix(video_id))

    after_commit(session, drop_media)


def video_media_prefix(video_id: uuid.UUID) -> str:
    """Where every object of a video lives in storage (masters, HLS tree, images)."""
    return f"videos/{video_id}"
