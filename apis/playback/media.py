"""Reading media objects for the edge: content types, byte ranges, streamed bodies."""

from __future__ import annotations

import posixpath
import re
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio.to_thread

from codeflix.storage import ObjectStore

READ_CHUNK = 256 * 1024
# Read in one request and sent in one piece rather than streamed: a whole 4 s segment of the
# top rung fits, and a player asks for those more than for anything else.
SMALL_RANGE = 4 * 1024 * 1024

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".vtt": "text/vtt; charset=utf-8",
}


# What a player loads: playlists, segments, images (poster, sprites) and WebVTT. MP4 files
# only as init segments ("init.mp4", "init_0.mp4"): a whole .mp4 could be a master.
SERVABLE_EXTENSIONS = frozenset(CONTENT_TYPES) - {".mp4", ".m4v"}
INIT_SEGMENT = re.compile(r"^init[\w-]*\.(mp4|m4v)$", re.IGNORECASE)


def servable(key: str) -> bool:
    """Whether ``key`` is a file a player loads; anything else (an encoder's job state, a
    stray file, a hidden or ``_``-prefixed folder) is never served, grant or not."""
    parts = key.split("/")
    if any(p.startswith(("_", ".")) for p in parts):
        return False
    name = parts[-1]
    return posixpath.splitext(name)[1].lower() in SERVABLE_EXTENSIONS or bool(
        INIT_SEGMENT.match(name)
    )


def content_type(key: str) -> str:
    return CONTENT_TYPES.get(posixpath.splitext(key)[1].lower(), "application/octet-stream")


class UnsatisfiableRange(Exception):
    """The Range header asks for bytes the object does not have (416)."""


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The ``[start, end)`` a single-range ``Range`` header asks for, or None for the whole.

    A header that is malformed or asks for several ranges is ignored (RFC 9110 allows serving
    the whole object then); one that is well formed but beyond the end is unsatisfiable.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise UnsatisfiableRange
        return max(0, size - length), size
    start = int(first)
    end = size if not last else min(int(last) + 1, size)
    if last and int(last) < start:
        return None
    if start >= size:
        raise UnsatisfiableRange
    return start, end


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    etag: str


def _info(store: ObjectStore, key: str) -> ObjectInfo:
    return _info_of(store.info(key))


def _info_of(found: dict[str, Any]) -> ObjectInfo:
    size = int(found["size"])
    tag = found.get("ETag") or found.get("etag")
    if not tag:
        mtime = found.get("mtime") or found.get("LastModified") or 0
        tag = f"{size:x}-{zlib.crc32(str(mtime).encode()):x}"
    return ObjectInfo(size, '"' + str(tag).strip('"') + '"')


async def object_info(store: ObjectStore, key: str) -> ObjectInfo:
    """Size and a validator of an object; ObjectNotFound for a missing key or a folder."""
    return await anyio.to_thread.run_sync(_info, store, key)


async def small_object(
    store: ObjectStore, key: str
) -> tuple[ObjectInfo, bytes | memoryview | None]:
    """An object's size and validator and, when it is at most ``SMALL_RANGE``, its bytes.

    One trip to a worker thread for what a player asks most (a whole segment or playlist):
    on two CPUs the hand-over between the event loop and a thread costs more than the read.
    No trip at all when a local store's page cache holds the object whole.
    """
    in_memory = store.read_if_in_memory(key, SMALL_RANGE)
    if in_memory is not None:
        return _info_of(in_memory[0]), in_memory[1]

    def read() -> tuple[ObjectInfo, bytes | memoryview | None]:
        info = _info(store, key)
        if info.size > SMALL_RANGE:
            return info, None
        return info, store.read_range(key, 0, info.size)

    return await anyio.to_thread.run_sync(read)


async def read_whole(store: ObjectStore, key: str) -> bytes:
    return await anyio.to_thread.run_sync(store.read_bytes, key)


async def read_range(store: ObjectStore, key: str, start: int, end: int) -> bytes:
    return await anyio.to_thread.run_sync(store.read_range, key, start, end)


async def stream_range(store: ObjectStore, key: str, start: int, end: int) -> AsyncIterator[bytes]:
    """Bytes ``[start, end)`` of the object in chunks: memory stays flat whatever the size."""

    def open_at() -> object:
        f = store.fs.open(store.path(key), "rb", block_size=SMALL_RANGE)
        f.seek(start)
        return f

    f = await anyio.to_thread.run_sync(open_at)
    try:
        remaining = end - start
        while remaining > 0:
            chunk: bytes = await anyio.to_thread.run_sync(f.read, min(READ_CHUNK, remaining))  # type: ignore[attr-defined]
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        await anyio.to_thread.run_sync(f.close)  # type: ignore[attr-defined]
