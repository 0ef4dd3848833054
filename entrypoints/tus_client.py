"""Uploading a file to the catalog with the tus client ``tuspy``, resumable across runs.

The upload URL of each (server, video, kind, file) is remembered in a small JSON file, so
running the same upload again after a crash or a lost connection continues where the server
stopped instead of starting over.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError

DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
RETRIES, RETRY_DELAY = 5, 1.0


class UploadFailed(Exception):
    """The server refused the upload; the message says why, in one line."""


@dataclass(frozen=True)
class UploadJob:
    base_url: str
    video_id: str
    path: Path
    kind: str = "video"
    chunk_size: int = DEFAULT_CHUNK_SIZE
    # Sent as tus Upload-Metadata: a subtitle's language, label, default and forced.
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def creation_url(self) -> str:
        base = self.base_url.rstrip("/")
        return f"{base}/api/v1/admin/videos/{self.video_id}/uploads?kind={self.kind}"

    def resume_key(self) -> str:
        """Names this upload: the server, the slot and the file (size + first bytes)."""
        digest = hashlib.sha256()
        with open(self.path, "rb") as f:
            digest.update(f.read(1024 * 1024))
        size = self.path.stat().st_size
        # The same file sent as another language is another upload.
        described = "|".join(f"{k}={v}" for k, v in sorted(self.metadata.items()))
        return (
            f"{self.base_url.rstrip('/')}|{self.video_id}|{self.kind}|{size}|{digest.hexdigest()}"
            + (f"|{described}" if described else "")
        )


class ResumeStore:
    """Upload URLs of unfinished uploads, in a JSON file readable by its owner only."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> str | None:
        return self._read().get(key)

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)

    def set(self, key: str, url: str) -> None:
        self._write({**self._read(), key: url})

    def forget(self, key: str) -> None:
        data = self._read()
        if data.pop(key, None) is not None:
            self._write(data)


def describe(error: TusCommunicationError) -> str:
    """One line out of a tus error: the server's problem detail when there is one."""
    detail = ""
    try:
        body: Any = json.loads(error.response_content or b"{}")
        detail = str(body.get("detail") or "") if isinstance(body, dict) else ""
    except (TypeError, ValueError):
        detail = ""
    status = f"HTTP {error.status_code}" if error.status_code else "no answer"
    return f"{detail} ({status})" if detail else f"{error} ({status})"


def upload(
    job: UploadJob,
    *,
    token: Callable[[], str],
    resume: ResumeStore | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> str:
    """Send the file (resuming a remembered upload); returns the upload URL when complete.

    ``token`` is asked before every chunk, so a long upload outlives one access token.
    """
    size = job.path.stat().st_size
    key = job.resume_key() if resume else ""
    client = TusClient(job.creation_url, headers={"Authorization": f"Bearer {token()}"})
    with open(job.path, "rb") as stream:
        try:
            uploader = _uploader(client, job, stream, resume.get(key) if resume else None)
        except TusCommunicationError:
            if resume is None:
                raise
            resume.forget(key)  # the server no longer knows it: start over
            uploader = _uploader(client, job, stream, None)
        uploader.stop_at = size
        if not uploader.url:
            try:
                uploader.set_url(uploader.create_url())
            except TusCommunicationError as e:
                raise UploadFailed(describe(e)) from None
            uploader.offset = 0
        if resume:
            resume.set(key, uploader.url)
        failures = 0
        while uploader.offset < size:
            if on_progress:
                on_progress(uploader.offset, size)
            client.headers["Authorization"] = f"Bearer {token()}"
            try:
                uploader.upload_chunk()
                failures = 0
            except TusCommunicationError as e:
                failures += 1
                lost = e.status_code is None or e.status_code >= 500
                if not lost or failures > RETRIES:
                    if resume and e.status_code in (413, 415, 422):
                        resume.forget(key)  # refused for good: nothing to resume
                    raise UploadFailed(describe(e)) from None
                # The connection dropped: ask the server how far it got and go on from there.
                time.sleep(RETRY_DELAY * failures)
                try:
                    uploader.offset = uploader.get_offset()
                except TusCommunicationError:
                    continue
    if on_progress:
        on_progress(size, size)
    if resume:
        resume.forget(key)
    return str(uploader.url)


def _uploader(client: TusClient, job: UploadJob, stream: Any, url: str | None) -> Any:
    # With a URL, tuspy asks the server for the offset (HEAD) and resumes from there.
    return client.uploader(
        file_stream=stream,
        url=url,
        chunk_size=job.chunk_size,
        metadata={**job.metadata, "filename": job.path.name},
        upload_checksum=True,
    )
