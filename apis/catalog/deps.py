"""Annotated dependencies the catalog's routes declare: a session, the uploads, the caller."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog.dashboard import EncoderBoard
from apis.catalog.live import MediaBroadcaster
from apis.catalog.models import Resource
from apis.catalog.resources import etag
from apis.catalog.schemas import YEAR_RANGE
from apis.catalog.upload_storage import Uploads
from codeflix.auth import Principal, require_roles
from codeflix.cache import ReadCache
from codeflix.pagination import DEFAULT_LIMIT
from codeflix.params import Cursor as Cursor
from codeflix.params import Limit as Limit
from codeflix.params import SearchText as SearchText
from codeflix.storage import ObjectStore
from codeflix.unit_of_work import Sessions, request_unit

ADMIN_ROLE = "catalog-admin"
IfMatch = Annotated[str | None, Header(description="the ETag you last read")]


def tag_response(response: Response, resource: Resource, location: str | None = None) -> None:
    """Send the resource's ETag (and, for a new one, where it lives)."""
    response.headers["ETag"] = etag(resource)
    if location:
        response.headers["Location"] = location


def get_sessions(request: Request) -> Sessions:
    # Called by the unit of work, not declared as a dependency. The getters declared with
    # Depends below are async: FastAPI would run a plain function in a worker thread on every
    # request (four thread hand-overs per browse request, measured).
    sessions: Sessions = request.app.state.sessions
    return sessions


async def get_session_factory(request: Request) -> Sessions:
    return get_sessions(request)


async def get_uploads(request: Request) -> Uploads:
    uploads: Uploads = request.app.state.uploads
    return uploads


async def get_store(request: Request) -> ObjectStore:
    store: ObjectStore = request.app.state.store
    return store


async def get_encoder_board(request: Request) -> EncoderBoard:
    board: EncoderBoard = request.app.state.encoder_board
    return board


async def get_browse_pages(request: Request) -> ReadCache[Hashable, Any]:
    pages: ReadCache[Hashable, Any] = request.app.state.browse_pages
    return pages


async def get_broadcaster(request: Request) -> MediaBroadcaster:
    broadcaster: MediaBroadcaster = request.app.state.broadcaster
    return broadcaster


# The request's unit of work: it commits when the route returns, before the answer is sent.
SessionDep = Annotated[AsyncSession, Depends(request_unit(get_sessions), scope="function")]
# For work that outlives the request (a browse page read again in the background).
SessionsDep = Annotated[Sessions, Depends(get_session_factory)]
UploadsDep = Annotated[Uploads, Depends(get_uploads)]
StoreDep = Annotated[ObjectStore, Depends(get_store)]
BroadcasterDep = Annotated[MediaBroadcaster, Depends(get_broadcaster)]
EncoderBoardDep = Annotated[EncoderBoard, Depends(get_encoder_board)]
BrowsePagesDep = Annotated[ReadCache[Hashable, Any], Depends(get_browse_pages)]
CatalogAdmin = Annotated[Principal, Depends(require_roles(ADMIN_ROLE))]
DEFAULT_PAGE_SIZE = DEFAULT_LIMIT
# The same bounds as a video's launch_year: a year outside them overflows the database.
YearFilter = Annotated[int | None, Query(ge=YEAR_RANGE[0], le=YEAR_RANGE[1])]
