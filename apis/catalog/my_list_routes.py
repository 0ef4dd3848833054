"""My list: the titles a signed-in viewer saved for later."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from apis.catalog import browse, my_list, schemas
from apis.catalog.deps import DEFAULT_PAGE_SIZE, Cursor, Limit, SessionDep
from codeflix.auth import CurrentUser
from codeflix.ratings import max_rating_of

router = APIRouter(prefix="/api/v1/me/list", tags=["my list"])


@router.get("")
async def read_my_list(
    session: SessionDep, user: CurrentUser, cursor: Cursor = None, limit: Limit = DEFAULT_PAGE_SIZE
) -> schemas.Page[schemas.ListItem]:
    """Your saved titles, the latest first (unpublished ones are left out)."""
    rows, next_cursor = await my_list.page(
        session=session,
        user_id=user.subject,
        max_rating=max_rating_of(user.claims),
        cursor=cursor,
        limit=limit,
    )
    items = [schemas.ListItem(added_at=e.added_at, video=browse.video_view(v)) for e, v in rows]
    return schemas.Page(items=items, next_cursor=next_cursor)


@router.put("/{video_id}", status_code=204, responses={404: {"description": "no such title"}})
async def add_to_my_list(video_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    """Save a published title (again: it keeps its place)."""
    await my_list.add(
        session=session,
        user_id=user.subject,
        video_id=video_id,
        max_rating=max_rating_of(user.claims),
    )
    return Response(status_code=204)


@router.delete("/{video_id}", status_code=204)
async def remove_from_my_list(
    video_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Response:
    """Take a title off your list."""
    await my_list.remove(session=session, user_id=user.subject, video_id=video_id)
    return Response(status_code=204)
