"""Administration of categories, genres and cast members (plain functions, no FastAPI)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog import schemas
from apis.catalog.models import (
    CastMember,
    Category,
    Genre,
    Video,
    genre_categories,
    utcnow,
    video_cast_members,
    video_categories,
    video_genres,
)
from apis.catalog.publishing import publish
from apis.catalog.resources import (
    check_if_match,
    fetch_referenced,
    flush_changes,
    get_or_404,
    names,
    refuse_if,
)
from codeflix.problems import Conflict


def category_public(category: Category) -> schemas.CategoryPublic:
    return schemas.CategoryPublic.model_validate(category)


def genre_public(genre: Genre) -> schemas.GenrePublic:
    return schemas.GenrePublic(
        id=genre.id,
        name=genre.name,
        is_active=genre.is_active,
        categories=[c.id for c in genre.categories],
        created_at=genre.created_at,
        updated_at=genre.updated_at,
    )


def cast_member_public(member: CastMember) -> schemas.CastMemberPublic:
    return schemas.CastMemberPublic.model_validate(member)


# -- what every change of a category, genre or cast member does ----------------------------------
R = TypeVar("R", Category, Genre, CastMember)


def apply_changes(resource: R, values: dict[str, Any]) -> None:
    for field, value in values.items():
        setattr(resource, field, value)
    resource.updated_at = utcnow()


async def save(
    session: AsyncSession, resource: R, event_type: str, data: Callable[[R], Any]
) -> None:
    """Write the change and queue its event in the same unit of work (through the outbox).

    ``data`` makes the event's body once the row is written (a new one has its id by then).
    """
    await flush_changes(session)
    await publish(session, event_type, data(resource), subject=str(resource.id))


async def delete_unused(
    session: AsyncSession, resource: R, what: str, event_type: str, **users: Any
) -> None:
    """Delete ``resource`` unless ``users`` (genres, videos) still refer to it: 409 then."""
    refuse_delete_in_use(what, **users)
    await session.delete(resource)
    await save(session, resource, event_type, lambda deleted: {"id": str(deleted.id)})


# -- categories ---------------------------------------------------------------------------------
async def create_category(
    *, session: AsyncSession, category_in: schemas.CategoryCreate
) -> Category:
    category = Category(**category_in.model_dump())
    session.add(category)
    await save(session, category, "category.created", category_public)
    return category


async def update_category(
    *,
    session: AsyncSession,
    category_id: uuid.UUID,
    changes: schemas.CategoryUpdate,
    if_match: str | None,
) -> Category:
    category = await get_or_404(session, Category, category_id)
    check_if_match(category, if_match)
    apply_changes(category, changes.changes())
    await save(session, category, "category.updated", category_public)
    return category


async def delete_category(
    *, session: AsyncSession, category_id: uuid.UUID, if_match: str | None
) -> None:
    category = await get_or_404(session, Category, category_id)
    check_if_match(category, if_match, required=False)
    genres = (
        await session.scalars(
            select(Genre)
            .join(genre_categories)
            .where(genre_categories.c.category_id == category.id)
        )
    ).all()
    videos = (
        await session.scalars(
            select(Video)
            .join(video_categories)
            .where(video_categories.c.category_id == category.id)
        )
    ).all()
    await delete_unused(
        session, category, f"category '{category.name}'", "category.deleted",
        genres=genres, videos=videos,
    )  # fmt: skip


def refuse_delete_in_use(what: str, *, genres: Any = (), videos: Any = ()) -> None:
    """409 naming whatever still uses the resource about to be deleted."""
    users = [*list(genres), *list(videos)]
    if not users:
        return
    parts = [p for p in (names(list(genres), "genre"), names(list(videos), "video", "title")) if p]
    raise Conflict(
        f"{what} is still used by {' and '.join(parts)}; change or delete them first",
        used_by=[
            {
                "type": "genre" if isinstance(u, Genre) else "video",
                "id": str(u.id),
                "name": u.name if isinstance(u, Genre) else u.title,
            }
            for u in users
        ],
    )


# -- genres -------------------------------------------------------------------------------------
async def create_genre(*, session: AsyncSession, genre_in: schemas.GenreCreate) -> Genre:
    categories, errors = await fetch_referenced(
        session, Category, genre_in.categories, field="categories"
    )
    refuse_if(errors)
    genre = Genre(name=genre_in.name, is_active=genre_in.is_active, categories=categories)
    session.add(genre)
    await save(session, genre, "genre.created", genre_public)
    return genre


async def update_genre(
    *,
    session: AsyncSession,
    genre_id: uuid.UUID,
    changes: schemas.GenreUpdate,
    if_match: str | None,
) -> Genre:
    genre = await get_or_404(session, Genre, genre_id)
    check_if_match(genre, if_match)
    values = changes.changes()
    if "categories" in values:
        categories, errors = await fetch_referenced(
            session, Category, values.pop("categories"), field="categories"
        )
        refuse_if(errors)
        await refuse_orphaning_videos(session, genre, {c.id for c in categories})
        genre.categories = categories
    apply_changes(genre, values)
    await save(session, genre, "genre.updated", genre_public)
    return genre


async def refuse_orphaning_videos(
    session: AsyncSession, genre: Genre, category_ids: set[uuid.UUID]
) -> None:
    """A video's genres must belong to its categories: keep that true for the genre's users."""
    users = (
        await session.scalars(
            select(Video).join(video_genres).where(video_genres.c.genre_id == genre.id)
        )
    ).all()
    broken = [v for v in users if not category_ids & {c.id for c in v.categories}]
    if broken:
        raise Conflict(
            f"genre '{genre.name}' would no longer belong to any category of "
            f"{names(broken, 'video', 'title')}; change those videos first",
            used_by=[{"type": "video", "id": str(v.id), "name": v.title} for v in broken],
        )


async def delete_genre(*, session: AsyncSession, genre_id: uuid.UUID, if_match: str | None) -> None:
    genre = await get_or_404(session, Genre, genre_id)
    check_if_match(genre, if_match, required=False)
    videos = (
        await session.scalars(
            select(Video).join(video_genres).where(video_genres.c.genre_id == genre.id)
        )
    ).all()
    await delete_unused(session, genre, f"genre '{genre.name}'", "genre.deleted", videos=videos)


# -- cast members -------------------------------------------------------------------------------
async def create_cast_member(
    *, session: AsyncSession, member_in: schemas.CastMemberCreate
) -> CastMember:
    member = CastMember(**member_in.model_dump())
    session.add(member)
    await save(session, member, "cast_member.created", cast_member_public)
    return member


async def update_cast_member(
    *,
    session: AsyncSession,
    member_id: uuid.UUID,
    changes: schemas.CastMemberUpdate,
    if_match: str | None,
) -> CastMember:
    member = await get_or_404(session, CastMember, member_id)
    check_if_match(member, if_match)
    apply_changes(member, changes.changes())
    await save(session, member, "cast_member.updated", cast_member_public)
    return member


async def delete_cast_member(
    *, session: AsyncSession, member_id: uuid.UUID, if_match: str | None
) -> None:
    member = await get_or_404(session, CastMember, member_id)
    check_if_match(member, if_match, required=False)
    videos = (
        await session.scalars(
            select(Video)
            .join(video_cast_members)
            .where(video_cast_members.c.cast_member_id == member.id)
        )
    ).all()
    await delete_unused(
        session, member, f"cast member '{member.name}'", "cast_member.deleted", videos=videos
    )
