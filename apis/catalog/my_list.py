"""A viewer's list of saved titles: newest first, only what the viewer may browse.

The list keeps ids; what it shows is decided when it is read: a title that is unpublished
(or above the viewer's parental limit) drops out of the list at once, and comes back if it
is published again; a deleted title leaves it for good (the rows cascade).
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from apis.catalog.models import ListEntry, Video, utcnow
from codeflix.pagination import Ordering, encode_cursor, page_query
from codeflix.problems import Conflict, NotFound
from codeflix.ratings import allowed_ratings

MAX_ENTRIES = 500


# Newest first; two titles saved in the same instant keep a stable order by id.
NEWEST_FIRST = Ordering("-added_at", ListEntry.added_at, ListEntry.video_id, descending=True)


def visible(max_rating: str | None) -> list[ColumnElement[bool]]:
    """What a viewer may see of the catalog: published titles within the parental limit."""
    conditions: list[ColumnElement[bool]] = [Video.published.is_(True)]
    if max_rating is not None:
        conditions.append(Video.rating.in_(allowed_ratings(max_rating)))
    return conditions


async def add(
    *, session: AsyncSession, user_id: str, video_id: uuid.UUID, max_rating: str | None
) -> None:
    """Save a title the viewer can see; saving it again keeps its place."""
    video = await session.scalar(select(Video.id).where(Video.id == video_id, *visible(max_rating)))
    if video is None:
        raise NotFound(f"no video with id {video_id}")
    count = await session.scalar(
        select(func.count()).select_from(ListEntry).where(ListEntry.user_id == user_id)
    )
    if (count or 0) >= MAX_ENTRIES:
        raise Conflict(f"your list holds at most {MAX_ENTRIES} titles; remove some first")
    values = {"user_id": user_id, "video_id": video_id, "added_at": utcnow()}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Two saves at once must not fail: the second finds the row and leaves it.
    await session.execute(insert(ListEntry).values(**values).on_conflict_do_nothing())


async def remove(*, session: AsyncSession, user_id: str, video_id: uuid.UUID) -> None:
    """Take a title off the list (nothing happens when it is not there)."""
    await session.execute(
        delete(ListEntry).where(ListEntry.user_id == user_id, ListEntry.video_id == video_id)
    )


async def page(
    *, session: AsyncSession, user_id: str, max_rating: str | None, cursor: str | None, limit: int
) -> tuple[list[tuple[ListEntry, Video]], str | None]:
    """The viewer's titles, newest first, ``limit`` at a time."""
    stmt = (
        select(ListEntry, Video)
        .join(Video, Video.id == ListEntry.video_id)
        .where(ListEntry.user_id == user_id, *visible(max_rating))
    )
    stmt = page_query(stmt, ordering=NEWEST_FIRST, cursor=cursor, limit=limit)
    rows: list[tuple[ListEntry, Video]] = [
        (entry, video) for entry, video in (await session.execute(stmt)).all()
    ]
    next_cursor = encode_cursor(NEWEST_FIRST, rows[limit - 1][0]) if len(rows) > limit else None
    return rows[:limit], next_cursor
