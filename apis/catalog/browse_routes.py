"""Browse API for any signed-in user: active categories and genres, published videos."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter

from apis.catalog import browse, queries, schemas
from apis.catalog.deps import (
    DEFAULT_PAGE_SIZE,
    BrowsePagesDep,
    Cursor,
    Limit,
    SessionDep,
    SessionsDep,
    YearFilter,
)
from codeflix.auth import CurrentUser
from codeflix.ratings import allowed_ratings, max_rating_of
from codeflix.unit_of_work import unit_of_work

router = APIRouter(prefix="/api/v1")


@router.get("/categories")
async def list_categories(
    session: SessionDep,
    user: CurrentUser,
    sort: Literal["name", "-name"] = "name",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> schemas.Page[schemas.CategoryView]:
    """Active categories."""
    rows, next_cursor = await queries.list_categories(
        session, is_active=True, sort=sort, cursor=cursor, limit=limit
    )
    return schemas.Page(items=[browse.category_view(c) for c in rows], next_cursor=next_cursor)


@router.get("/genres")
async def list_genres(
    session: SessionDep,
    user: CurrentUser,
    category: uuid.UUID | None = None,
    sort: Literal["name", "-name"] = "name",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> schemas.Page[schemas.GenreView]:
    """Active genres, optionally of one category."""
    rows, next_cursor = await queries.list_genres(
        session, is_active=True, category=category, sort=sort, cursor=cursor, limit=limit
    )
    return schemas.Page(items=[browse.genre_view(g) for g in rows], next_cursor=next_cursor)


@router.get("/videos")
async def list_videos(
    sessions: SessionsDep,
    user: CurrentUser,
    pages: BrowsePagesDep,
    category: uuid.UUID | None = None,
    genre: uuid.UUID | None = None,
    cast_member: uuid.UUID | None = None,
    year: YearFilter = None,
    rating: schemas.Rating | None = None,
    sort: Literal["newest", "title", "year", "oldest_year"] = "newest",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> schemas.Page[schemas.VideoView]:
    """Published videos (filter by category, genre, cast member, year, rating); a viewer
    with a parental limit sees none rated above it."""
    ratings = allowed_ratings(max_rating_of(user.claims))
    filters = (category, genre, cast_member, year, rating, ratings, sort, cursor, limit)

    async def read_page() -> schemas.Page[schemas.VideoView]:
        # A session of its own: the page may be read again in the background, after the
        # request that asked has ended.
        async with unit_of_work(sessions) as session:
            rows, next_cursor = await queries.list_videos(
                session,
                published=True,
                category=category,
                genre=genre,
                cast_member=cast_member,
                year=year,
                rating=rating,
                ratings=ratings,
                sort=sort,
                sorts=queries.BROWSE_SORTS,
                cursor=cursor,
                limit=limit,
            )
            views = [browse.video_view(v) for v in rows]
        return schemas.Page(items=views, next_cursor=next_cursor)

    # The same page for everyone with the same filters and parental limit.
    page: schemas.Page[schemas.VideoView] = await pages.get(("videos", *filters), read_page)
    return page


@router.get("/videos/{video_id}")
async def read_video(
    video_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> schemas.VideoView:
    """One published video with the state of its media."""
    video = await browse.published_video(
        session=session, video_id=video_id, max_rating=max_rating_of(user.claims)
    )
    return browse.video_view(video)
