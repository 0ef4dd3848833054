"""What viewers see of the catalog: published videos only, and nothing of the internals."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog import schemas
from apis.catalog.models import MEDIA_KINDS, Category, Genre, MediaSlot, Video
from codeflix.problems import NotFound
from codeflix.ratings import allowed_ratings

# An upload in flight is nothing a viewer can watch yet.
_VIEWER_STATUS = {"uploading": "pending"}


def media_view(slot: MediaSlot | None) -> schemas.MediaView:
    if slot is None:
        return schemas.MediaView(status="pending")
    status = _VIEWER_STATUS.get(slot.status, slot.status)
    if status not in ("ready", "playable"):
        return schemas.MediaView(status=status)  # type: ignore[arg-type]
    details = slot.details or {}
    return schemas.MediaView(
        status=status,  # type: ignore[arg-type]
        duration_seconds=details.get("duration_seconds"),
        poster=details.get("poster"),
        thumbnails=details.get("thumbnails"),
    )


def video_view(video: Video) -> schemas.VideoView:
    slots = {slot.kind: slot for slot in video.media}
    return schemas.VideoView(
        id=video.id,
        title=video.title,
        description=video.description,
        launch_year=video.launch_year,
        duration=video.duration,
        rating=video.rating,  # type: ignore[arg-type]
        opened=video.opened,
        categories=[c.id for c in video.categories],
        genres=[g.id for g in video.genres],
        cast_members=[m.id for m in video.cast_members],
        media={kind: media_view(slots.get(kind)) for kind in MEDIA_KINDS},  # type: ignore[misc]
        created_at=video.created_at,
    )


async def published_video(
    *, session: AsyncSession, video_id: uuid.UUID, max_rating: str | None = None
) -> Video:
    """A published video; an unpublished one, or one above the viewer's parental limit, is
    as absent as a missing one (404)."""
    video = await session.scalar(
        select(Video).where(
            Video.id == video_id,
            Video.published.is_(True),
            Video.rating.in_(allowed_ratings(max_rating)),
        )
    )
    if video is None:
        raise NotFound(f"no video with id {video_id}")
    return video


def category_view(category: Category) -> schemas.CategoryView:
    return schemas.CategoryView(
        id=category.id, name=category.name, description=category.description
    )


def genre_view(genre: Genre) -> schemas.GenreView:
    return schemas.GenreView(
        id=genre.id, name=genre.name, categories=[c.id for c in genre.categories if c.is_active]
    )
