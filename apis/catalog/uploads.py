"""tus 1.0 uploads of a video's media (core, creation, termination, checksum).

Each PATCH streams into object storage through :mod:`apis.catalog.upload_storage`; the
offset and the backend's state live in the ``uploads`` table, so an upload resumes after a
dropped connection or a restart. When the last byte arrives the file is checked (a "video"
must be media), the media slot moves on and, for a master or trailer, ``video.uploaded``
goes out through the outbox.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog import subtitles
from apis.catalog.completion import complete_upload
from apis.catalog.models import UPLOAD_KINDS, Upload, Video
from apis.catalog.upload_storage import Uploads
from codeflix.problems import (
    BadRequest,
    Conflict,
    NotFound,
    PayloadTooLarge,
    Problem,
    UnprocessableContent,
)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,checksum"
CHECKSUMS: dict[str, Callable[[], Any]] = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
MAX_METADATA = 4096
# The client's file name only lends its extension when it is a known container: FFmpeg picks
# demuxers by extension, and e.g. ".txt" would make any text file pass as "video" (tty).
KNOWN_EXTENSIONS = {
    "video": {"mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg", "ts", "mxf"},
    "image": {"jpg", "jpeg", "png", "webp"},
}


class ChecksumMismatch(Problem):
    status, type_suffix = 460, "checksum-mismatch"


class UnsupportedMediaType(Problem):
    status, type_suffix = 415, "unsupported-media-type"


class BodyInterrupted(Exception):
    """The client's connection dropped in the middle of a PATCH body."""


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (4 KB at most)."""
    if header is not None and len(header) > MAX_METADATA:
        raise BadRequest(
            f"Upload-Metadata may hold at most {MAX_METADATA} characters",
            errors=[{"loc": ["header", "Upload-Metadata"], "msg": "too long"}],
        )
    found: dict[str, str] = {}
    for pair in (header or "").split(","):
        if not pair.strip():
            continue
        key, _, encoded = pair.strip().partition(" ")
        try:
            found[key] = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise BadRequest(
                f"Upload-Metadata value of {key!r} is not base64 of UTF-8 text",
                errors=[{"loc": ["header", "Upload-Metadata"], "msg": "invalid"}],
            ) from None
    return found


def parse_length(header: str | None, name: str) -> int:
    if header is None or not header.isdigit() or len(header) > 19:
        raise BadRequest(
            f"{name} must be a non-negative integer",
            errors=[{"loc": ["header", name], "msg": "missing or not an integer"}],
        )
    return int(header)


async def create_upload(
    *,
    session: AsyncSession,
    uploads: Uploads,
    video_id: uuid.UUID,
    kind: str | None,
    length_header: str | None,
    metadata_header: str | None,
    subtitle: dict[str, str | None] | None = None,
) -> Upload:
    """Open an upload of ``kind`` for the video (tus creation). A subtitle names its
    ``language`` and ``label`` (and may say ``default``, ``forced``) in ``subtitle`` (the
    query) or in the Upload-Metadata."""
    metadata = parse_metadata(metadata_header)
    kind = kind or metadata.get("kind")
    if kind not in UPLOAD_KINDS:
        raise UnprocessableContent(
            f"kind must be one of {', '.join(UPLOAD_KINDS)}",
            errors=[{"loc": ["query", "kind"], "msg": f"not one of {', '.join(UPLOAD_KINDS)}"}],
        )
    options = None
    if kind == "subtitle":
        given = {k: v for k, v in (subtitle or {}).items() if v is not None}
        fields = ("language", "label", "default", "forced")
        options = subtitles.subtitle_options(**{f: given.get(f, metadata.get(f)) for f in fields})
    length = parse_length(length_header, "Upload-Length")
    limit = uploads.settings.max_bytes(kind)
    if length > limit:
        raise PayloadTooLarge(f"a {kind} may be at most {limit} bytes; this one is {length}")
    if length == 0:
        raise BadRequest(
            "an empty file is no medium",
            errors=[{"loc": ["header", "Upload-Length"], "msg": "must be at least 1"}],
        )
    video = await session.get(Video, video_id)
    if video is None:
        raise NotFound(f"no video with id {video_id}")
    upload_id = uuid.uuid4()
    key = f"videos/{video_id}/{kind}/{upload_id}{_extension(kind, metadata.get('filename', ''))}"
    state = await uploads.target.begin(key)
    upload = Upload(
        id=upload_id,
        video_id=video_id,
        kind=kind,
        length=length,
        key=key,
        metadata_={**metadata, "subtitle": options.as_metadata()} if options else metadata,
        storage_state=state,
    )
    session.add(upload)
    if options is not None:
        subtitles.begin_upload(video, options, upload_id)
    else:
        slot = video.slot(kind)
        slot.status, slot.error = "uploading", None
    await session.flush()  # the row's defaults (its offset of 0) are filled in
    return upload


def _extension(kind: str, filename: str) -> str:
    if kind == "subtitle":
        return ""  # read as text, whatever its name; only its converted WebVTT is kept
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    known = KNOWN_EXTENSIONS["video" if kind in ("video", "trailer") else "image"]
    return f".{extension}" if extension in known else ""


async def get_upload(
    session: AsyncSession, video_id: uuid.UUID, upload_id: uuid.UUID, *, lock: bool = False
) -> Upload:
    """The upload; ``lock`` holds its row until the session commits, so two replicas never
    append to the same upload at once (within a process ``Uploads.lock`` does it)."""
    upload = await session.get(Upload, upload_id, populate_existing=True, with_for_update=lock)
    if upload is None or upload.video_id != video_id:
        raise NotFound(f"no upload {upload_id} for video {video_id}")
    return upload


def parse_checksum(header: str | None) -> tuple[Any, bytes] | None:
    if header is None:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm not in CHECKSUMS:
        raise BadRequest(f"checksum algorithm {algorithm!r} is not supported; use sha256 or sha1")
    hasher = CHECKSUMS[algorithm]()
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != hasher.digest_size:
        raise BadRequest(f"Upload-Checksum must carry the base64 {algorithm} digest of the body")
    return hasher, digest


async def receive_patch(
    *,
    session: AsyncSession,
    uploads: Uploads,
    video_id: uuid.UUID,
    upload_id: uuid.UUID,
    offset_header: str | None,
    content_type: str | None,
    checksum_header: str | None,
    body: AsyncIterator[bytes],
) -> Upload:
    """Append one PATCH body at the upload's offset; completes the upload at its length."""
    if (content_type or "").split(";")[0].strip().lower() != OFFSET_CONTENT_TYPE:
        raise UnsupportedMediaType(f"a PATCH body must be sent as {OFFSET_CONTENT_TYPE}")
    offset = parse_length(offset_header, "Upload-Offset")
    checksum = parse_checksum(checksum_header)
    # A client resuming right after a dropped connection waits for the old PATCH to finish.
    async with uploads.lock(upload_id):
        upload = await get_upload(session, video_id, upload_id, lock=True)
        if upload.status != "receiving":
            raise Conflict(f"the upload is {upload.status}; start a new one to send another file")
        if offset != upload.offset:
            raise Conflict(
                f"Upload-Offset is {offset} but the upload is at {upload.offset}; "
                "ask with HEAD and resume from there"
            )
        received = await _stream_into_storage(uploads, upload, body, checksum)
        upload.offset += received
        if upload.offset < upload.length:
            # Committed before the lock is released: the PATCH waiting on it reads this offset.
            await session.commit()
            return upload
        try:
            await complete_upload(session, uploads, upload)
            await session.commit()  # likewise: no PATCH may find the upload still receiving
        finally:
            uploads.locks.pop(upload_id, None)  # a finished upload takes no more PATCHes
        return upload


async def _stream_into_storage(
    uploads: Uploads, upload: Upload, body: AsyncIterator[bytes], checksum: tuple[Any, bytes] | None
) -> int:
    room = upload.length - upload.offset
    writer = await uploads.target.writer(upload.key, upload.storage_state, upload.offset)
    received, interrupted = 0, False
    try:
        async for chunk in body:
            received += len(chunk)
            if received > room:
                raise PayloadTooLarge(f"the body goes past Upload-Length ({upload.length} bytes)")
            if checksum:
                checksum[0].update(chunk)
            await writer.write(chunk)
    except BodyInterrupted:
        interrupted = True
    except BaseException:
        await writer.discard()
        raise
    if checksum and (interrupted or checksum[0].digest() != checksum[1]):
        await writer.discard()
        if interrupted:
            return 0
        raise ChecksumMismatch("the body does not match Upload-Checksum; send it again")
    upload.storage_state = await writer.commit(final=upload.offset + received == upload.length)
    return received


async def terminate_upload(
    *, session: AsyncSession, uploads: Uploads, video_id: uuid.UUID, upload_id: uuid.UUID
) -> None:
    """Drop an upload and its bytes (tus termination); a completed upload's file stays."""
    async with uploads.lock(upload_id):
        upload = await get_upload(session, video_id, upload_id, lock=True)
        if upload.status == "receiving":
            await uploads.target.abort(upload.key, upload.storage_state)
            video = await session.get(Video, video_id)
            if video is not None and upload.kind == "subtitle":
                subtitles.abandon_upload(video, upload.id)
            elif video is not None and video.slot(upload.kind).status == "uploading":
                video.slot(upload.kind).status = "pending"
        await session.delete(upload)
        await session.commit()  # before the lock is released, as in receive_patch
    uploads.locks.pop(upload_id, None)
