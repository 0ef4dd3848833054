"""Reading masters from any fsspec URI: local paths go straight to FFmpeg, the rest as streams."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any

import av
import fsspec
from av.container import InputContainer
from fsspec.implementations.local import LocalFileSystem

from pipeline.errors import UnplayableMaster

READ_BLOCK = 8 * 1024 * 1024


def _filesystem(uri: str, storage_options: dict[str, Any]) -> tuple[Any, str]:
    try:
        return fsspec.core.url_to_fs(uri, **storage_options)
    except (ValueError, ImportError) as e:
        raise UnplayableMaster("unreadable", f"cannot address the master {uri!r}: {e}") from e


def fingerprint(uri: str, storage_options: dict[str, Any]) -> str:
    """A short digest that changes when the master's bytes change (size + mtime or ETag)."""
    fs, path = _filesystem(uri, storage_options)
    try:
        info = fs.info(path)
    except FileNotFoundError as e:
        raise UnplayableMaster("unreadable", f"the master {uri!r} does not exist") from e
    except PermissionError as e:
        raise UnplayableMaster("unreadable", f"the master {uri!r} cannot be read: {e}") from e
    if info.get("type") == "directory":
        raise UnplayableMaster("unreadable", f"the master {uri!r} is a directory, not a file")
    version = info.get("ETag") or info.get("etag") or info.get("mtime") or info.get("LastModified")
    identity = f"{uri}|{info.get('size')}|{version}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


@contextlib.contextmanager
def open_media(uri: str, storage_options: dict[str, Any]) -> Iterator[InputContainer]:
    """Open the master for demuxing; FFmpeg reads local files itself, remote ones via fsspec."""
    fs, path = _filesystem(uri, storage_options)
    with contextlib.ExitStack() as stack:
        try:
            if isinstance(fs, LocalFileSystem):
                container = av.open(path, "r")
            else:
                handle = stack.enter_context(fs.open(path, "rb", block_size=READ_BLOCK))
                container = av.open(handle, "r")
        except FileNotFoundError as e:
            raise UnplayableMaster("unreadable", f"the master {uri!r} does not exist") from e
        except PermissionError as e:
            raise UnplayableMaster("unreadable", f"the master {uri!r} cannot be read") from e
        except (av.error.InvalidDataError, av.error.EOFError) as e:
            raise _not_media_or_truncated(fs, path, uri) from e
        except av.error.FFmpegError as e:
            raise UnplayableMaster("unreadable", f"the master {uri!r} cannot be read: {e}") from e
        with container:
            yield container


# The first bytes of the containers a master usually comes in: when they are present but
# FFmpeg cannot open the file, the file was cut short rather than not being media at all.
_SIGNATURES = (b"ftyp", b"\x1a\x45\xdf\xa3", b"RIFF", b"OggS", b"FLV")


def _not_media_or_truncated(fs: Any, path: str, uri: str) -> UnplayableMaster:
    try:
        with fs.open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        head = b""
    if head[4:8] == b"ftyp" or any(head.startswith(s) for s in _SIGNATURES[1:]):
        return UnplayableMaster(
            "truncated",
            f"the master {uri!r} starts like a video file but cannot be opened: "
            "it is probably cut short (upload it again)",
        )
    if not head:
        return UnplayableMaster("zero_duration", f"the master {uri!r} is empty")
    return UnplayableMaster("not_media", f"the master {uri!r} is not a video file FFmpeg knows")
