"""Admin actions on a video's media beyond uploads: retrying a failed encode."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Depends, status

from apis.catalog import encoding, schemas, videos
from apis.catalog.deps import ADMIN_ROLE, SessionDep, StoreDep
from codeflix.auth import require_roles

router = APIRouter(prefix="/api/v1/admin", dependencies=[Depends(require_roles(ADMIN_ROLE))])
EncodedKind = Literal["video", "trailer"]


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
