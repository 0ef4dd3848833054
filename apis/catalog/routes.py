"""Admin API of categories, genres and cast members (role ``catalog-admin``)."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Depends, Response, status

from apis.catalog import queries, schemas, service
from apis.catalog.deps import (
    ADMIN_ROLE,
    DEFAULT_PAGE_SIZE,
    Cursor,
    IfMatch,
    Limit,
    SearchText,
    SessionDep,
    tag_response,
)
from apis.catalog.models import CastMember, Category, Genre
from apis.catalog.resources import get_or_404
from codeflix.auth import require_roles

router = APIRouter(prefix="/api/v1/admin", dependencies=[Depends(require_roles(ADMIN_ROLE))])
ResourceSort = Literal["name", "-name", "created_at", "-created_at"]


# -- categories ---------------------------------------------------------------------------------
@router.post("/categories", status_code=status.HTTP_201_CREATED)
async def create_category(
    body: schemas.CategoryCreate, session: SessionDep, response: Response
) -> schemas.CategoryPublic:
    """Create a category."""
    category = await service.create_category(session=session, category_in=body)
    tag_response(response, category, f"/api/v1/admin/categories/{category.id}")
    return service.category_public(category)


@router.get("/categories")
async def list_categories(
    session: SessionDep,
    name: SearchText = None,
    is_active: bool | None = None,
    sort: ResourceSort = "name",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> schemas.Page[schemas.CategoryPublic]:
    """List categories (filter by name, activity; sort; paginate with the cursor)."""
    rows, next_cursor = await queries.list_categories(
        session, name=name, is_active=is_active, sort=sort, cursor=cursor, limit=limit
    )
    return schemas.Page(items=[service.category_public(c) for c in rows], next_cursor=next_cursor)


@router.get("/categories/{category_id}")
async def read_category(
    category_id: uuid.UUID, session: SessionDep, response: Response
) -> schemas.CategoryPublic:
    """Read a category; its ETag is in the response headers."""
    category = await get_or_404(session, Category, category_id)
    tag_response(response, category)
    return service.category_public(category)


@router.patch("/categories/{category_id}")
async def update_category(
    category_id: uuid.UUID,
    body: schemas.CategoryUpdate,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> schemas.CategoryPublic:
    """Change some fields of a category (If-Match required)."""
    category = await service.update_category(
        session=session, category_id=category_id, changes=body, if_match=if_match
    )
    tag_response(response, category)
    return service.category_public(category)


@router.delete("/categories/{category_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_category(
    category_id: uuid.UUID, session: SessionDep, if_match: IfMatch = None
) -> None:
    """Delete a category; refused (409) while genres or videos use it."""
    await service.delete_category(session=session, category_id=category_id, if_match=if_match)


# -- genres -------------------------------------------------------------------------------------
@router.post("/genres", status_code=status.HTTP_201_CREATED)
async def create_genre(
    body: schemas.GenreCreate, session: SessionDep, response: Response
) -> schemas.GenrePublic:
    """Create a genre in existing categories."""
    genre = await service.create_genre(session=session, genre_in=body)
    tag_response(response, genre, f"/api/v1/admin/genres/{genre.id}")
    return service.genre_public(genre)


@router.get("/genres")
async def list_genres(
    session: SessionDep,
    name: SearchText = None,
    is_active: bool | None = None,
    category: uuid.UUID | None = None,
    sort: ResourceSort = "name",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> schemas.Page[schemas.GenrePublic]:
    """List genres (filter by name, activity, category; sort; paginate)."""
    rows, next_cursor = await queries.list_genres(
        session,
        name=name,
        is_active=is_active,
        category=category,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return schemas.Page(items=[service.genre_public(g) for g in rows], next_cursor=next_cursor)


@router.get("/genres/{genre_id}")
async def read_genre(
    genre_id: uuid.UUID, session: SessionDep, response: Response
) -> schemas.GenrePublic:
    """Read a genre."""
    genre = await get_or_404(session, Genre, genre_id)
    tag_response(response, genre)
    return service.genre_public(genre)


@router.patch("/genres/{genre_id}")
async def update_genre(
    genre_id: uuid.UUID,
    body: schemas.GenreUpdate,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> schemas.GenrePublic:
    """Change some fields of a genre (If-Match required)."""
    genre = await service.update_genre(
        session=session, genre_id=genre_id, changes=body, if_match=if_match
    )
    tag_response(response, genre)
    return service.genre_public(genre)


@router.delete("/genres/{genre_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_genre(genre_id: uuid.UUID, session: SessionDep, if_match: IfMatch = None) -> None:
    """Delete a genre; refused (409) while videos use it."""
    await service.delete_genre(session=session, genre_id=genre_id, if_match=if_match)


# -- cast members -------------------------------------------------------------------------------
@router.post("/cast-members", status_code=status.HTTP_201_CREATED)
async def create_cast_member(
    body: schemas.CastMemberCreate, session: SessionDep, response: Response
) -> schemas.CastMemberPublic:
    """Create a cast member."""
    member = await service.create_cast_member(session=session, member_in=body)
    tag_response(response, member, f"/api/v1/admin/cast-members/{member.id}")
    return service.cast_member_public(member)


@router.get("/cast-members")
async def list_cast_members(
    session: SessionDep,
    name: SearchText = None,
    type: Literal["actor", "director"] | None = None,
    sort: ResourceSort = "name",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> schemas.Page[schemas.CastMemberPublic]:
    """List cast members (filter by name, type; sort; paginate)."""
    rows, next_cursor = await queries.list_cast_members(
        session, name=name, type=type, sort=sort, cursor=cursor, limit=limit
    )
    return schemas.Page(
        items=[service.cast_member_public(m) for m in rows], next_cursor=next_cursor
    )


@router.get("/cast-members/{member_id}")
async def read_cast_member(
    member_id: uuid.UUID, session: SessionDep, response: Response
) -> schemas.CastMemberPublic:
    """Read a cast member."""
    member = await get_or_404(session, CastMember, member_id)
    tag_response(response, member)
    return service.cast_member_public(member)


@router.patch("/cast-members/{member_id}")
async def update_cast_member(
    member_id: uuid.UUID,
    body: schemas.CastMemberUpdate,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> schemas.CastMemberPublic:
    """Change some fields of a cast member (If-Match required)."""
    member = await service.update_cast_member(
        session=session, member_id=member_id, changes=body, if_match=if_match
    )
    tag_response(response, member)
    return service.cast_member_public(member)


@router.delete("/cast-members/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_cast_member(
    member_id: uuid.UUID, session: SessionDep, if_match: IfMatch = None
) -> None:
    """Delete a cast member; refused (409) while videos use them."""
    await service.delete_cast_member(session=session, member_id=member_id, if_match=if_match)
