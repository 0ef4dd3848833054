"""Object storage on fsspec: the local disk (``file://``) or any S3 API (``s3://`` via s3fs).

Services address objects by *key* (``videos/<id>/hls/master.m3u8``) relative to the store's
root URL, so the same code runs on a laptop and against a bucket. Large objects move as
streams, never whole in memory.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
import stat
import uuid
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

if TYPE_CHECKING:
    from codeflix.settings import CommonSettings

CHUNK_SIZE = 4 * 1024 * 1024


class StorageError(Exception):
    """Base of the storage errors."""


class ObjectNotFound(StorageError, FileNotFoundError):
    """The key names no object."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no object at key {key!r}")
        self.key = key


class InvalidKey(StorageError, ValueError):
    """The key would escape the store's root or is empty."""


def clean_key(key: str) -> str:
    """Normalise a key and refuse one that leaves the root (``..``, absolute, empty)."""
    if not key or "\x00" in key:
        raise InvalidKey(f"invalid object key {key!r}")
    parts = key.replace("\\", "/").split("/")
    if ".." in parts:
        raise InvalidKey(f"object key {key!r} leaves the storage root")
    normal = posixpath.normpath("/".join(parts)).lstrip("/")
    if normal in ("", "."):
        raise InvalidKey(f"object key {key!r} leaves the storage root")
    return normal


class ObjectStore:
    """A root URL plus the few operations Codeflix services need."""

    def __init__(self, url: str, **storage_options: Any) -> None:
        self.url = url.rstrip("/")
        self.fs, root = fsspec.core.url_to_fs(self.url, **storage_options)
        self.root = root.rstrip("/")
        self.is_local = isinstance(self.fs, LocalFileSystem)
        if self.is_local:
            os.makedirs(self.root, exist_ok=True)

    def __repr__(self) -> str:
        return f"ObjectStore({self.url!r})"

    def path(self, key: str) -> str:
        """The filesystem path of a key (inside the root)."""
        return f"{self.root}/{clean_key(key)}"

    def uri(self, key: str) -> str:
        """The full URL of a key, usable by any fsspec client (e.g. a Ray worker)."""
        return f"{self.url}/{clean_key(key)}"

    # -- streams -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def open_read(self, key: str) -> Iterator[IO[bytes]]:
        """A binary stream of the object; reads on demand."""
        try:
            f = self.fs.open(self.path(key), "rb", block_size=CHUNK_SIZE)
        except FileNotFoundError as e:
            raise ObjectNotFound(key) from e
        with f:
            yield f

    @contextlib.contextmanager
    def open_write(self, key: str) -> Iterator[IO[bytes]]:
        """A binary stream that becomes the object when closed without error.

        On the local disk the bytes go to a temporary sibling renamed at the end; on S3 the
        upload is multipart and only completes on close, so a failure never leaves a partial
        object under the key.
        """
        path = self.path(key)
        if self.is_local:
            self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
            tmp = f"{path}.{uuid.uuid4().hex}.part"
            try:
                with open(tmp, "wb") as f:
                    yield f
                os.replace(tmp, path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        else:
            f = self.fs.open(path, "wb", block_size=max(CHUNK_SIZE, 5 * 1024 * 1024))
            try:
                yield f
            except BaseException:
                # Abandon the multipart upload instead of committing what was written.
                with contextlib.suppress(Exception):
                    f.discard()
                f.closed = True  # nothing left to flush; stops __del__ from committing it
                raise
            else:
                f.close()

    def put_stream(self, key: str, source: IO[bytes]) -> int:
        """Copy a readable stream into the object; returns the number of bytes written."""
        written = 0
        with self.open_write(key) as out:
            while chunk := source.read(CHUNK_SIZE):
                out.write(chunk)
                written += len(chunk)
        return written

    def get_stream(self, key: str, sink: IO[bytes]) -> int:
        """Copy the object into a writable stream; returns the number of bytes copied."""
        with self.open_read(key) as f:
            copied = 0
            while chunk := f.read(CHUNK_SIZE):
                sink.write(chunk)
                copied += len(chunk)
        return copied

    def put_file(self, local_path: str | os.PathLike[str], key: str) -> int:
        with open(local_path, "rb") as f:
            return self.put_stream(key, f)

    def get_file(self, key: str, local_path: str | os.PathLike[str]) -> int:
        os.makedirs(os.path.dirname(os.path.abspath(local_path)), exist_ok=True)
        tmp = f"{local_path}.part"
        with open(tmp, "wb") as f:
            n = self.get_stream(key, f)
        os.replace(tmp, local_path)
        return n

    # -- small objects -----------------------------------------------------------------------
    def write_bytes(self, key: str, data: bytes) -> None:
        """Write a small object atomically: readers see the old bytes or the new, never half."""
        with self.open_write(key) as f:
            f.write(data)

    def read_bytes(self, key: str) -> bytes:
        """A small object whole, in one request (a stream would re-check it between reads)."""
        try:
            return bytes(self.fs.cat_file(self.path(key)))
        except FileNotFoundError as e:
            raise ObjectNotFound(key) from e

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of the object."""
        try:
            return bytes(self.fs.cat_file(self.path(key), start=start, end=end))
        except FileNotFoundError as e:
            raise ObjectNotFound(key) from e

    def read_if_in_memory(
        self, key: str, max_bytes: int
    ) -> tuple[dict[str, Any], memoryview] | None:
        """An object's ``info`` and bytes (a read-only view, not copied again) when the
        machine's page cache holds them whole; None otherwise: always on S3, when a byte would
        have to come from the disk, for more than ``max_bytes``, or a missing object.

        It never waits for a disk (``RWF_NOWAIT``), so an event loop may call it directly and
        spare the trip to a worker thread that a read otherwise takes: on a small machine that
        trip costs more than the read.
        """
        if not self.is_local or not hasattr(os, "RWF_NOWAIT"):
            return None
        try:
            fd = os.open(self.path(key), os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return None  # missing, a folder on some systems: the ordinary read says so
        try:
            found = os.fstat(fd)
            if not stat.S_ISREG(found.st_mode) or found.st_size > max_bytes:
                return None
            data = bytearray(found.st_size)
            if found.st_size and os.preadv(fd, [data], 0, os.RWF_NOWAIT) != found.st_size:
                return None
        except OSError:  # BlockingIOError: not all in memory; or unsupported here
            return None
        finally:
            os.close(fd)
        info = {"size": found.st_size, "mtime": found.st_mtime, "type": "file"}
        return info, memoryview(data).toreadonly()

    # -- metadata ----------------------------------------------------------------------------
    def exists(self, key: str) -> bool:
        return bool(self.fs.isfile(self.path(key)))

    def info(self, key: str) -> dict[str, Any]:
        """What the store says of one object (``size``, an ``ETag`` or ``mtime``); a folder
        is no object."""
        try:
            found: dict[str, Any] = self.fs.info(self.path(key))
        except FileNotFoundError as e:
            raise ObjectNotFound(key) from e
        if found.get("type") == "directory":
            raise ObjectNotFound(key)
        return found

    def size(self, key: str) -> int:
        return int(self.info(key)["size"])

    def list(self, prefix: str = "") -> list[str]:
        """Keys of every object under ``prefix`` (recursively), sorted."""
        base = self.path(prefix) if prefix.strip("/") else self.root
        if not self.is_local:
            self.fs.invalidate_cache(base)  # another process may have written since
        try:
            found = self.fs.find(base)
        except FileNotFoundError:
            return []
        start = len(self.root) + 1
        return sorted(p[start:] for p in (str(x) for x in found) if not p.endswith(".part"))

    def sizes(self, prefix: str) -> dict[str, int]:
        """Every object under ``prefix`` (recursively) with its size in bytes, in one listing."""
        base = self.path(prefix) if prefix.strip("/") else self.root
        if not self.is_local:
            self.fs.invalidate_cache(base)
        try:
            found = self.fs.find(base, detail=True)
        except FileNotFoundError:
            return {}
        start = len(self.root) + 1
        return {
            str(path)[start:]: int(info.get("size") or 0)
            for path, info in found.items()
            if info.get("type") != "directory" and not str(path).endswith(".part")
        }

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self.path(key))

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; returns how many were removed."""
        keys = self.list(prefix)
        if not keys:
            return 0
        if self.is_local:
            shutil.rmtree(self.path(prefix), ignore_errors=True)
        else:
            self.fs.rm([self.path(k) for k in keys])
        return len(keys)

    def invalidate(self) -> None:
        """Forget cached listings (s3fs caches directory listings)."""
        self.fs.invalidate_cache()


def open_store(settings: CommonSettings) -> ObjectStore:
    """The media store the settings name (``CODEFLIX_STORAGE_URL`` + ``_OPTIONS``)."""
    return ObjectStore(settings.media_url, **settings.storage_options)
