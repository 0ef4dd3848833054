"""Lists of the catalog with their filters and sorts, for admins and for viewers."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog.models import (
    CastMember,
    Category,
    Genre,
    Video,
    genre_categories,
    video_cast_members,
    video_categories,
    video_genres,
)
from codeflix.pagination import fetch_page, orderings

CATEGORY_SORTS = orderings(Category, "name", "created_at")
GENRE_SORTS = orderings(Genre, "name", "created_at")
CAST_MEMBER_SORTS = orderings(CastMember, "name", "created_at")
VIDEO_SORTS = orderings(Video, "title", "launch_year", "created_at")
# What viewers may ask for, in their words.
BROWSE_SORTS = {
    "newest": VIDEO_SORTS["-created_at"],
    "title": VIDEO_SORTS["title"],
    "year": VIDEO_SORTS["-launch_year"],
    "oldest_year": VIDEO_SORTS["launch_year"],
}


def contains(stmt: Select[Any], column: Any, text: str | None) -> Select[Any]:
    """Case-insensitive "contains" filter; ``%`` and ``_`` in the text match literally."""
    if not text:
        return stmt
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return stmt.where(func.lower(column).like(f"%{escaped}%", escape="\\"))


async def page(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    model: Any,
    sort: str,
    sorts: dict[str, Any],
    cursor: str | None,
    limit: int,
) -> tuple[list[Any], str | None]:
    """One page of ``stmt`` in the order ``sort`` names, and the cursor of the next."""
    return await fetch_page(session, stmt, ordering=sorts[sort], cursor=cursor, limit=limit)


async def list_categories(
    session: AsyncSession,
    *,
    name: str | None = None,
    is_active: bool | None = None,
    sort: str = "name",
    cursor: str | None = None,
    limit: int = 20,
) -> tuple[list[Category], str | None]:
    stmt = contains(select(Category), Category.name, name)
    if is_active is not None:
        stmt = stmt.where(Category.is_active.is_(is_active))
    return await page(
        session, stmt, model=Category, sort=sort, sorts=CATEGORY_SORTS, cursor=cursor, limit=limit
    )


async def list_genres(
    session: AsyncSession,
    *,
    name: str | None = None,
    is_active: bool | None = None,
    category: uuid.UUID | None = None,
    sort: str = "name",
    cursor: str | None = None,
    limit: int = 20,
) -> tuple[list[Genre], str | None]:
    stmt = contains(select(Genre), Genre.name, name)
    if is_active is not None:
        stmt = stmt.where(Genre.is_active.is_(is_active))
    if category is not None:
        linked = select(genre_categories.c.genre_id).where(
            genre_categories.c.category_id == category
        )
        stmt = stmt.where(Genre.id.in_(linked))
    return await page(
        session, stmt, model=Genre, sort=sort, sorts=GENRE_SORTS, cursor=cursor, limit=limit
    )


async def list_cast_members(
    session: AsyncSession,
    *,
    name: str | None = None,
    type: str | None = None,
    sort: str = "name",
    cursor: str | None = None,
    limit: int = 20,
) -> tuple[list[CastMember], str | None]:
    stmt = contains(select(CastMember), CastMember.name, name)
    if type is not None:
        stmt = stmt.where(CastMember.type == type)
    return await page(
        session,
        stmt,
        model=CastMember,
        sort=sort,
        sorts=CAST_MEMBER_SORTS,
        cursor=cursor,
        limit=limit,
    )


async def list_videos(
    session: AsyncSession,
    *,
    title: str | None = None,
    published: bool | None = None,
    category: uuid.UUID | None = None,
    genre: uuid.UUID | None = None,
    cast_member: uuid.UUID | None = None,
    year: int | None = None,
    rating: str | None = None,
    ratings: tuple[str, ...] | None = None,
    sort: str = "-created_at",
    sorts: dict[str, Any] = VIDEO_SORTS,
    cursor: str | None = None,
    limit: int = 20,
) -> tuple[list[Video], str | None]:
    stmt = contains(select(Video), Video.title, title)
    if published is not None:
        stmt = stmt.where(Video.published.is_(published))
    for link, column, value in (
        (video_categories, "category_id", category),
        (video_genres, "genre_id", genre),
        (video_cast_members, "cast_member_id", cast_member),
    ):
        if value is not None:
            stmt = stmt.where(Video.id.in_(select(link.c.video_id).where(link.c[column] == value)))
    if year is not None:
        stmt = stmt.where(Video.launch_year == year)
    if rating is not None:
        stmt = stmt.where(Video.rating == rating)
    if ratings is not None:
        stmt = stmt.where(Video.rating.in_(ratings))
    return await page(
        session, stmt, model=Video, sort=sort, sorts=sorts, cursor=cursor, limit=limit
    )
