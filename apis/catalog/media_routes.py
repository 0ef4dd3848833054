"""Admin views and actions on videos' media beyond uploads: the live stream of media status
and encoding progress, retrying a failed encode, and the dashboard's figures."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Depends, status
from fastapi.responses import StreamingResponse

from apis.catalog import dashboard, encoding, schemas, videos
from apis.catalog.deps import (
    ADMIN_ROLE,
    BroadcasterDep,
    CatalogAdmin,
    EncoderBoardDep,
    SessionDep,
    StoreDep,
)
from apis.catalog.models import Video, utcnow
from apis.catalog.resources import get_or_404
from codeflix.auth import require_roles

router = APIRouter(prefix="/api/v1/admin", dependencies=[Depends(require_roles(ADMIN_ROLE))])
EncodedKind = Literal["video", "trailer"]
EVENT_STREAM = "text/event-stream"
STREAM_DESCRIPTION = """Server-Sent Events, one per change:

- `event: media`, `data: {"video_id", "kind", "status", "error"}` when a media's status changes;
- `event: progress`, `data: {"video_id", "kind", "percent", "eta_seconds"}` while encoding.

Each event has an `id:` line; a `: keep-alive` comment comes when nothing happened for 15 s.
The stream ends when the token it was opened with expires: open it again with a fresh one."""


@router.get(
    "/videos/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {EVENT_STREAM: {"schema": {"type": "string"}}}},
        404: {"description": "no such video"},
    },
    description=STREAM_DESCRIPTION,
)
async def media_events(
    admin: CatalogAdmin,
    session: SessionDep,
    broadcaster: BroadcasterDep,
    video_id: uuid.UUID | None = None,
) -> StreamingResponse:
    """Live media status and encoding progress of every video, or of one (``video_id``)."""
    if video_id is not None:
        await get_or_404(session, Video, video_id)
    await session.close()  # a stream may stay open for hours: hold no connection meanwhile
    # The token was checked once, at the start: the stream lasts no longer than it does.
    expires = admin.claims.get("exp")
    until = float(expires) if isinstance(expires, int | float) else None
    return StreamingResponse(
        broadcaster.stream(str(video_id) if video_id else None, until=until),
        media_type=EVENT_STREAM,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/videos/{video_id}/encodings",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        404: {"description": "no such video"},
        409: {"description": "the media is not a failed encode of a stored master"},
    },
)
async def retry_encoding(
    video_id: uuid.UUID, session: SessionDep, store: StoreDep, kind: EncodedKind = "video"
) -> schemas.MediaAdmin:
    """Encode a failed master again; the encoder resumes from the chunks it already has."""
    slot = await encoding.retry_encoding(session=session, store=store, video_id=video_id, kind=kind)
    return videos.media_admin(slot)


@router.get("/catalog/stats")
async def catalog_stats(session: SessionDep, board: EncoderBoardDep) -> schemas.CatalogStats:
    """Titles by media status, encodes running and waiting, failures of the last 24 hours and
    the encoder's Ray cluster."""
    return await dashboard.catalog_stats(session=session, board=board, now=utcnow())
