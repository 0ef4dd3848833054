"""Where the bytes of a tus upload go while it is in flight, without a copy on local disk.

Each PATCH streams through a :class:`PatchWriter` straight into the object store:

- ``file://``: the bytes are appended in place to the object's file (no temporary file); a
  PATCH that is refused (bad checksum) is cut off again with ``truncate``.
- S3 (s3fs): the upload is an S3 multipart upload. Whole parts go up as soon as they fill;
  the few bytes past the last whole part wait in a small ``.tail-<offset>`` object until the next
  PATCH (S3 parts must be at least 5 MB), so any PATCH size works and nothing is lost when a
  connection drops. Parts are only recorded once the PATCH is accepted.

The state needed to resume (multipart id, parts, tail object) is a small JSON dict the caller
keeps in its database, so an upload survives a restart of the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import posixpath
import uuid
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from apis.catalog.config import CatalogSettings
from codeflix.storage import ObjectStore

WRITE_BATCH = 1024 * 1024  # bytes gathered before each blocking write to disk


class PatchWriter(Protocol):
    """Receives the bytes of one PATCH; either ``commit`` or ``discard`` ends it."""

    async def write(self, data: bytes) -> None: ...

    async def commit(self, *, final: bool) -> dict[str, Any]:
        """Keep what was written; ``final`` completes the object. Returns the new state."""
        ...

    async def discard(self) -> None:
        """Forget everything written by this PATCH."""
        ...


class UploadTarget(Protocol):
    async def begin(self, key: str) -> dict[str, Any]:
        """Prepare an empty upload at ``key``; returns its initial state."""
        ...

    async def writer(self, key: str, state: dict[str, Any], offset: int) -> PatchWriter: ...

    async def abort(self, key: str, state: dict[str, Any]) -> None:
        """Drop an unfinished upload and whatever it stored."""
        ...


def upload_target(store: ObjectStore, *, part_bytes: int) -> UploadTarget:
    """The target fitting the store: in-place appends on disk, multipart on S3."""
    if store.is_local:
        return LocalAppendTarget(store)
    return S3MultipartTarget(store, part_bytes=part_bytes)


# -- local disk ---------------------------------------------------------------------------------
class LocalAppendTarget:
    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    async def begin(self, key: str) -> dict[str, Any]:
        path = self.store.path(key)

        def create() -> None:
            os.makedirs(posixpath.dirname(path), exist_ok=True)
            with open(path, "wb"):
                pass

        await asyncio.to_thread(create)
        return {}

    async def writer(self, key: str, state: dict[str, Any], offset: int) -> PatchWriter:
        path = self.store.path(key)

        def open_at_offset() -> IO[bytes]:
            f = open(path, "r+b")
            # Bytes past the recorded offset belong to a PATCH cut short by a crash: drop them.
            f.truncate(offset)
            f.seek(offset)
            return f

        return LocalAppendWriter(await asyncio.to_thread(open_at_offset), offset)

    async def abort(self, key: str, state: dict[str, Any]) -> None:
        await asyncio.to_thread(self.store.delete, key)


class LocalAppendWriter:
    def __init__(self, file: IO[bytes], start: int) -> None:
        self.file, self.start = file, start
        self.pending: list[bytes] = []
        self.pending_size = 0

    async def write(self, data: bytes) -> None:
        self.pending.append(data)
        self.pending_size += len(data)
        if self.pending_size >= WRITE_BATCH:
            await self._flush()

    async def _flush(self) -> None:
        if self.pending:
            batch, self.pending, self.pending_size = b"".join(self.pending), [], 0
            await asyncio.to_thread(self.file.write, batch)

    async def commit(self, *, final: bool) -> dict[str, Any]:
        await self._flush()

        def sync_and_close() -> None:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()

        await asyncio.to_thread(sync_and_close)
        return {}

    async def discard(self) -> None:
        self.pending, self.pending_size = [], 0

        def cut_and_close() -> None:
            with contextlib.closing(self.file):
                self.file.flush()
                self.file.truncate(self.start)

        await asyncio.to_thread(cut_and_close)


# -- S3 multipart -------------------------------------------------------------------------------
class S3MultipartTarget:
    def __init__(self, store: ObjectStore, *, part_bytes: int) -> None:
        self.store, self.part_bytes = store, part_bytes

    def _bucket_key(self, key: str) -> tuple[str, str]:
        bucket, path, _ = self.store.fs.split_path(self.store.path(key))
        return bucket, path

    async def call(self, method: str, **kwargs: Any) -> Any:
        return await asyncio.to_thread(self.store.fs.call_s3, method, **kwargs)

    async def begin(self, key: str) -> dict[str, Any]:
        bucket, path = self._bucket_key(key)
        created = await self.call("create_multipart_upload", Bucket=bucket, Key=path)
        return {"multipart_id": created["UploadId"], "parts": [], "tail": None}

    async def writer(self, key: str, state: dict[str, Any], offset: int) -> PatchWriter:
        tail = b""
        if state.get("tail"):
            tail = await asyncio.to_thread(self.store.read_bytes, state["tail"])
        return S3PartWriter(self, key, state, tail, offset)

    async def abort(self, key: str, state: dict[str, Any]) -> None:
        bucket, path = self._bucket_key(key)
        with contextlib.suppress(Exception):  # already completed or aborted: nothing to drop
            await self.call(
                "abort_multipart_upload", Bucket=bucket, Key=path, UploadId=state["multipart_id"]
            )
        if state.get("tail"):
            await asyncio.to_thread(self.store.delete, state["tail"])


def tail_key(key: str, end: int) -> str:
    """Where the bytes before offset ``end`` past the last whole part wait. Named by the
    offset, so a tail written by a PATCH whose offset was never recorded is never read."""
    return f"{key}.tail-{end}"


class S3PartWriter:
    def __init__(
        self,
        target: S3MultipartTarget,
        key: str,
        state: dict[str, Any],
        tail: bytes,
        offset: int,
    ) -> None:
        self.target, self.key, self.state = target, key, state
        self.buffer = bytearray(tail)
        self.end = offset  # the upload's offset after the bytes written so far
        self.new_parts: list[dict[str, Any]] = []

    async def write(self, data: bytes) -> None:
        self.buffer += data
        self.end += len(data)
        while len(self.buffer) >= self.target.part_bytes:
            part = bytes(self.buffer[: self.target.part_bytes])
            del self.buffer[: self.target.part_bytes]
            await self._upload_part(part)

    async def _upload_part(self, body: bytes) -> None:
        bucket, path = self.target._bucket_key(self.key)
        # Part numbers follow the recorded parts: a discarded PATCH's parts get overwritten.
        number = len(self.state["parts"]) + len(self.new_parts) + 1
        sent = await self.target.call(
            "upload_part",
            Bucket=bucket,
            Key=path,
            UploadId=self.state["multipart_id"],
            PartNumber=number,
            Body=body,
        )
        self.new_parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    async def commit(self, *, final: bool) -> dict[str, Any]:
        store = self.target.store
        parts = [*self.state["parts"], *self.new_parts]
        if final:
            if self.buffer or not parts:
                await self._upload_part(bytes(self.buffer))
                parts = [*self.state["parts"], *self.new_parts]
            bucket, path = self.target._bucket_key(self.key)
            await self.target.call(
                "complete_multipart_upload",
                Bucket=bucket,
                Key=path,
                UploadId=self.state["multipart_id"],
                MultipartUpload={"Parts": parts},
            )
            await self._drop_old_tail()
            store.fs.invalidate_cache()
            return {**self.state, "parts": parts, "tail": None}
        tail = None
        if self.buffer:
            tail = tail_key(self.key, self.end)
            await asyncio.to_thread(store.write_bytes, tail, bytes(self.buffer))
        if tail != self.state.get("tail"):
            await self._drop_old_tail()
        return {**self.state, "parts": parts, "tail": tail}

    async def _drop_old_tail(self) -> None:
        if self.state.get("tail"):
            await asyncio.to_thread(self.target.store.delete, self.state["tail"])

    async def discard(self) -> None:
        self.buffer.clear()
        self.new_parts.clear()


@dataclass
class Uploads:
    """What the upload functions share: settings, the store, the target and per-upload locks."""

    settings: CatalogSettings
    store: ObjectStore
    target: UploadTarget
    locks: dict[uuid.UUID, asyncio.Lock] = field(default_factory=dict)

    def lock(self, upload_id: uuid.UUID) -> asyncio.Lock:
        return self.locks.setdefault(upload_id, asyncio.Lock())
