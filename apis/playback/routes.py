"""HTTP entry points: issuing grants, and the media edge that honours them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from apis.playback import previews, progress, service
from apis.playback.deps import PlaybackDep, SessionDep
from apis.playback.edge import CORS_HEADERS, PREFLIGHT_HEADERS
from apis.playback.schemas import PlaybackGrantPublic, ProgressPage, ProgressPublic, ProgressUpdate
from codeflix.auth import CurrentUser, Principal, require_roles
from codeflix.clock import epoch_seconds
from codeflix.ratings import max_rating_of

router = APIRouter()
# Admins preview what they manage; ``admin`` holds every role, so it may too.
PREVIEW_ROLE = "catalog-admin"


@router.post(
    "/api/v1/playback/{video_id}",
    response_model=PlaybackGrantPublic,
    tags=["playback"],
    responses={
        402: {"description": "no entitlement"},
        403: {"description": "rated above the viewer's parental limit"},
        404: {"description": "not playable"},
    },
)
async def create_grant(
    video_id: str,
    user: CurrentUser,
    playback: PlaybackDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> PlaybackGrantPublic:
    """Signed URLs that let the signed-in viewer play a published, ready video."""
    grant = await service.issue_grant(
        session=session,
        signer=playback.signer,
        entitlements=playback.entitlements,
        video_id=video_id,
        user_id=user.subject,
        ttl_seconds=playback.settings.grant_ttl_seconds,
        base_url=playback.media_base_url(str(request.base_url)),
        now=epoch_seconds(playback.clock),
        max_rating=max_rating_of(user.claims),
    )
    response.headers["Cache-Control"] = "no-store"
    return grant


@router.post(
    "/api/v1/admin/playback/{video_id}",
    response_model=PlaybackGrantPublic,
    tags=["playback"],
    responses={403: {"description": "not a catalog admin"}, 404: {"description": "not encoded"}},
)
async def create_preview_grant(
    video_id: str,
    admin: Annotated[Principal, Depends(require_roles(PREVIEW_ROLE))],
    playback: PlaybackDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> PlaybackGrantPublic:
    """Signed URLs that let a catalog admin preview any encoded video, published or not."""
    grant = await previews.issue_preview_grant(
        session=session,
        signer=playback.signer,
        video_id=video_id,
        admin_id=admin.subject,
        ttl_seconds=playback.settings.grant_ttl_seconds,
        base_url=playback.media_base_url(str(request.base_url)),
        now=epoch_seconds(playback.clock),
    )
    response.headers["Cache-Control"] = "no-store"
    return grant


@router.get(
    "/api/v1/playback/{video_id}/poster",
    tags=["playback"],
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 404: {"description": "not playable"}},
)
async def get_poster(video_id: str, playback: PlaybackDep, session: SessionDep) -> Response:
    """The poster of a playable video, for catalog pages (no sign-in: it is the title's art)."""
    image, media_type = await service.poster(
        session=session, store=playback.edge.store, video_id=video_id
    )
    return Response(
        image,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=3600", **CORS_HEADERS},
    )


@router.put(
    "/api/v1/playback/{video_id}/progress",
    response_model=ProgressPublic,
    tags=["playback"],
    responses={404: {"description": "not playable"}, 422: {"description": "not a position"}},
)
async def put_progress(
    video_id: str,
    body: ProgressUpdate,
    user: CurrentUser,
    playback: PlaybackDep,
    session: SessionDep,
) -> ProgressPublic:
    """Remember where the viewer is in a video (sent while playing, on pause and on leaving)."""
    return await progress.record_progress(
        session=session,
        user_id=user.subject,
        video_id=video_id,
        position_seconds=body.position_seconds,
        duration_seconds=body.duration_seconds,
        now=epoch_seconds(playback.clock),
    )


@router.get("/api/v1/me/continue-watching", response_model=ProgressPage, tags=["playback"])
async def get_continue_watching(
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ProgressPage:
    """The viewer's unfinished videos, the most recently watched first."""
    response.headers["Cache-Control"] = "no-store"
    return await progress.continue_watching(
        session=session, user_id=user.subject, cursor=cursor, limit=limit
    )


# One route per method, so each has an operation id of its own in the OpenAPI document.
@router.get("/media/g/{token}/{key:path}", tags=["media"], response_model=None)
@router.head("/media/g/{token}/{key:path}", tags=["media"], response_model=None)
async def media(token: str, key: str, request: Request, playback: PlaybackDep) -> Any:
    """One object of a granted HLS tree (playlists, segments, images, WebVTT)."""
    return await playback.edge.serve(
        token=token, key=key, headers=request.headers, head=request.method == "HEAD"
    )


@router.options("/media/{rest:path}", include_in_schema=False)
async def media_preflight(rest: str) -> Response:
    return Response(status_code=204, headers=PREFLIGHT_HEADERS)
