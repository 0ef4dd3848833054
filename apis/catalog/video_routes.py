"""Admin API of videos and the tus endpoints that upload their media (role ``catalog-admin``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from starlette.requests import ClientDisconnect

from apis.catalog import queries, schemas, subtitles, uploads, videos
from apis.catalog.deps import (
    ADMIN_ROLE,
    DEFAULT_PAGE_SIZE,
    Cursor,
    IfMatch,
    Limit,
    SearchText,
    SessionDep,
    UploadsDep,
    YearFilter,
    tag_response,
)
from apis.catalog.models import Upload, Video
from apis.catalog.resources import get_or_404
from codeflix.auth import require_roles
from codeflix.problems import PreconditionFailed
from codeflix.text import StorableText

router = APIRouter(prefix="/api/v1/admin", dependencies=[Depends(require_roles(ADMIN_ROLE))])
VideoSort = Literal["title", "-title", "launch_year", "-launch_year", "created_at", "-created_at"]


@router.post("/videos", status_code=status.HTTP_201_CREATED)
async def create_video(
    body: schemas.VideoCreate, session: SessionDep, response: Response
) -> schemas.VideoPublic:
    """Create a video; its genres must belong to its categories."""
    video = await videos.create_video(session=session, video_in=body)
    tag_response(response, video, f"/api/v1/admin/videos/{video.id}")
    return videos.video_public(video)


@router.get("/videos")
async def list_videos(
    session: SessionDep,
    title: SearchText = None,
    published: bool | None = None,
    category: uuid.UUID | None = None,
    genre: uuid.UUID | None = None,
    cast_member: uuid.UUID | None = None,
    year: YearFilter = None,
    rating: schemas.Rating | None = None,
    sort: VideoSort = "-created_at",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> schemas.Page[schemas.VideoPublic]:
    """List every video, published or not (filters, sort, cursor pagination)."""
    rows, next_cursor = await queries.list_videos(
        session,
        title=title,
        published=published,
        category=category,
        genre=genre,
        cast_member=cast_member,
        year=year,
        rating=rating,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return schemas.Page(items=[videos.video_public(v) for v in rows], next_cursor=next_cursor)


@router.get("/videos/{video_id}")
async def read_video(
    video_id: uuid.UUID, session: SessionDep, response: Response
) -> schemas.VideoPublic:
    """Read a video with the state of its media."""
    video = await get_or_404(session, Video, video_id)
    tag_response(response, video)
    return videos.video_public(video)


@router.patch("/videos/{video_id}")
async def update_video(
    video_id: uuid.UUID,
    body: schemas.VideoUpdate,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> schemas.VideoPublic:
    """Change some fields of a video (If-Match required)."""
    video = await videos.update_video(
        session=session, video_id=video_id, changes=body, if_match=if_match
    )
    tag_response(response, video)
    return videos.video_public(video)


@router.delete("/videos/{video_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_video(
    video_id: uuid.UUID, session: SessionDep, manager: UploadsDep, if_match: IfMatch = None
) -> None:
    """Delete a video, its media and its unfinished uploads."""
    await videos.delete_video(
        session=session, uploads=manager, video_id=video_id, if_match=if_match
    )


@router.delete("/videos/{video_id}/subtitles/{language}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_subtitle(
    video_id: uuid.UUID,
    language: Annotated[str, Path(max_length=35)],
    session: SessionDep,
    manager: UploadsDep,
) -> None:
    """Remove one subtitle language of a video (the stream drops it; video is not re-encoded)."""
    await subtitles.delete_subtitle(
        session=session, uploads=manager, video_id=video_id, language=language
    )


# -- tus uploads --------------------------------------------------------------------------------
def require_tus(tus_resumable: Annotated[str | None, Header()] = None) -> None:
    """Every tus request but OPTIONS names the protocol version it speaks."""
    if tus_resumable != uploads.TUS_VERSION:
        raise PreconditionFailed(
            f"this server speaks tus {uploads.TUS_VERSION}; send Tus-Resumable: "
            f"{uploads.TUS_VERSION}",
            headers={"Tus-Version": uploads.TUS_VERSION},
        )


Tus = Depends(require_tus)


@router.options("/videos/{video_id}/uploads", status_code=status.HTTP_204_NO_CONTENT)
async def tus_capabilities(video_id: uuid.UUID, manager: UploadsDep, response: Response) -> None:
    """What this tus server supports (versions, extensions, checksums, largest upload)."""
    response.headers.update(
        {
            "Tus-Version": uploads.TUS_VERSION,
            "Tus-Extension": uploads.TUS_EXTENSIONS,
            "Tus-Checksum-Algorithm": ",".join(uploads.CHECKSUMS),
            "Tus-Max-Size": str(manager.settings.max_bytes("video")),
        }
    )


@router.post("/videos/{video_id}/uploads", status_code=status.HTTP_201_CREATED, dependencies=[Tus])
async def create_upload(
    video_id: uuid.UUID,
    session: SessionDep,
    manager: UploadsDep,
    response: Response,
    kind: schemas.UploadKind | None = None,
    language: Annotated[
        str | None, Query(max_length=35, description="subtitle: BCP 47 tag, e.g. pt-BR")
    ] = None,
    label: Annotated[
        StorableText | None, Query(max_length=100, description="subtitle: the name players show")
    ] = None,
    default: Annotated[bool | None, Query(description="subtitle: selected by default")] = None,
    forced: Annotated[bool | None, Query(description="subtitle: forced narrative")] = None,
    upload_length: Annotated[str | None, Header()] = None,
    upload_metadata: Annotated[str | None, Header()] = None,
) -> None:
    """Start a tus upload of one of the video's media or subtitles (``kind``); answers its URL."""
    upload = await uploads.create_upload(
        session=session,
        uploads=manager,
        video_id=video_id,
        kind=kind,
        length_header=upload_length,
        metadata_header=upload_metadata,
        subtitle={
            "language": language,
            "label": label,
            "default": None if default is None else str(default).lower(),
            "forced": None if forced is None else str(forced).lower(),
        },
    )
    response.headers.update(_state(upload))
    response.headers["Location"] = f"/api/v1/admin/videos/{video_id}/uploads/{upload.id}"


@router.head("/videos/{video_id}/uploads/{upload_id}", dependencies=[Tus])
async def upload_offset(
    video_id: uuid.UUID,
    upload_id: uuid.UUID,
    session: SessionDep,
    manager: UploadsDep,
    response: Response,
) -> None:
    """How many bytes of the upload the server has (resume from there)."""
    # After a dropped connection, answer once the interrupted PATCH has saved what it got.
    async with manager.lock(upload_id):
        upload = await uploads.get_upload(session, video_id, upload_id)
    response.headers.update(_state(upload))


@router.patch(
    "/videos/{video_id}/uploads/{upload_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Tus],
)
async def upload_bytes(
    video_id: uuid.UUID,
    upload_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    manager: UploadsDep,
    response: Response,
    upload_offset: Annotated[str | None, Header()] = None,
    upload_checksum: Annotated[str | None, Header()] = None,
) -> None:
    """Append the body at ``Upload-Offset``; the last byte completes the upload."""
    upload = await uploads.receive_patch(
        session=session,
        uploads=manager,
        video_id=video_id,
        upload_id=upload_id,
        offset_header=upload_offset,
        content_type=request.headers.get("content-type"),
        checksum_header=upload_checksum,
        body=_body(request),
    )
    response.headers.update(_state(upload))


@router.delete(
    "/videos/{video_id}/uploads/{upload_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Tus],
)
async def terminate_upload(
    video_id: uuid.UUID, upload_id: uuid.UUID, session: SessionDep, manager: UploadsDep
) -> Response:
    """Abandon the upload and drop its bytes."""
    await uploads.terminate_upload(
        session=session, uploads=manager, video_id=video_id, upload_id=upload_id
    )
    return Response(status_code=204, headers={"Tus-Resumable": uploads.TUS_VERSION})


def _state(upload: Upload) -> dict[str, str]:
    return {
        "Tus-Resumable": uploads.TUS_VERSION,
        "Cache-Control": "no-store",
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
    }


async def _body(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        raise uploads.BodyInterrupted() from None
