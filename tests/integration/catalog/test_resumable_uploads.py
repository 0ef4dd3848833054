"""Resumable uploads over real HTTP with the tus client ``tuspy``: dropped connections,
restarts of the service, S3 multipart, and the service's memory while 200 MB go through."""

from __future__ import annotations

import gc
import socket
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError

from codeflix.storage import ObjectStore
from tests.integration.conftest import free_port
from tests.support.catalog import ADMIN, catalog_settings
from tests.support.uploads import media_file, served_catalog, sha256_of

MB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}
VIDEO = {"title": "Bunny", "launch_year": 2008, "duration": 10, "rating": "L"}


def new_upload(base: str, size: int) -> tuple[str, str]:
    """A video and a tus upload of ``size`` bytes for it: (video URL, upload URL)."""
    video = httpx.post(f"{base}/api/v1/admin/videos", json=VIDEO, headers=ADMIN).json()
    video_url = f"{base}/api/v1/admin/videos/{video['id']}"
    created = httpx.post(
        f"{video_url}/uploads",
        params={"kind": "video"},
        headers={**ADMIN, **TUS, "Upload-Length": str(size)},
    )
    assert created.status_code == 201, created.text
    return video_url, base + created.headers["location"]


def drop_connection_midway(upload_url: str, path: Path, send: int) -> None:
    """PATCH the whole file but hang up after ``send`` bytes, as a lost network would."""
    parts = urlsplit(upload_url)
    size = path.stat().st_size
    head = (
        f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: {ADMIN['Authorization']}\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {size}\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port)) as sock, open(path, "rb") as f:
        sock.sendall(head.encode())
        sent = 0
        while sent < send:
            chunk = f.read(min(MB, send - sent))
            sock.sendall(chunk)
            sent += len(chunk)


def offset_of(upload_url: str) -> int:
    head = httpx.head(upload_url, headers={**ADMIN, **TUS})
    return int(head.headers["upload-offset"])


def resume_with_tuspy(base: str, upload_url: str, path: Path, chunk_size: int) -> None:
    client = tus_client.TusClient(f"{base}/api/v1/admin", headers=ADMIN)
    with open(path, "rb") as f:  # tuspy leaves a file it opened itself open
        client.uploader(file_stream=f, url=upload_url, chunk_size=chunk_size).upload()


def test_200_mb_dropped_halfway_resumes_after_a_restart_with_flat_memory(tmp_path: Path) -> None:
    size = 200 * MB
    source = tmp_path / "master.mp4"
    expected = media_file(source, size)
    settings = catalog_settings(tmp_path / "catalog")
    port = free_port()
    gc.collect()
    tracemalloc.start()
    try:
        with served_catalog(settings, port) as base:
            video_url, upload_url = new_upload(base, size)
            drop_connection_midway(upload_url, source, send=size // 2)
        # A new process's worth of service: nothing of the upload survives but the database
        # row and the bytes in storage.
        with served_catalog(settings, port) as base:
            offset = offset_of(upload_url)
            assert 0 < offset <= size // 2
            tracemalloc.reset_peak()
            resume_with_tuspy(base, upload_url, source, chunk_size=4 * MB)
            _, peak = tracemalloc.get_traced_memory()
            video = httpx.get(video_url, headers=ADMIN).json()
    finally:
        tracemalloc.stop()
    # Client and service share this process: the client's 4 MB chunk, the service's buffers.
    assert peak < 40 * MB, f"peak {peak / MB:.1f} MB while uploading {size // MB} MB"
    slot = video["media"]["video"]
    assert slot["status"] == "processing", slot
    store = ObjectStore(settings.media_url)
    assert store.size(slot["raw_location"]) == size
    with store.open_read(slot["raw_location"]) as f:
        assert sha256_of(iter(lambda: f.read(4 * MB), b"")) == expected
    print(f"\n200 MB upload, resumed at {offset / MB:.1f} MB: traced peak {peak / MB:.1f} MB")


@pytest.fixture
def s3_catalog_settings(tmp_path: Path, s3_store: ObjectStore, s3_endpoint: str):  # type: ignore[no-untyped-def]
    from tests.integration.conftest import s3_options

    return catalog_settings(
        tmp_path / "catalog",
        storage_url=s3_store.url,
        storage_options=s3_options(s3_endpoint),
        upload_part_bytes=5 * MB,
    )


def test_s3_multipart_upload_resumes_across_a_restart(s3_catalog_settings, tmp_path: Path) -> None:
    size = 23 * MB + 12345  # parts of 5 MB, PATCHes of 3 MB: tails carried between PATCHes
    source = tmp_path / "master.mp4"
    expected = media_file(source, size)
    port = free_port()
    with served_catalog(s3_catalog_settings, port) as base:
        video_url, upload_url = new_upload(base, size)
        client = tus_client.TusClient(f"{base}/api/v1/admin", headers=ADMIN)
        with open(source, "rb") as f:
            uploader = client.uploader(file_stream=f, url=upload_url, chunk_size=3 * MB)
            uploader.upload(stop_at=13 * MB)
    store = ObjectStore(s3_catalog_settings.media_url, **s3_catalog_settings.storage_options)
    [tail] = [k for k in store.list("videos") if ".tail" in k]
    assert tail.endswith(f".tail-{13 * MB}") and store.size(tail) == 3 * MB
    with served_catalog(s3_catalog_settings, port) as base:
        assert offset_of(upload_url) == 13 * MB  # two 5 MB parts and a 3 MB tail
        resume_with_tuspy(base, upload_url, source, chunk_size=3 * MB)
        slot = httpx.get(video_url, headers=ADMIN).json()["media"]["video"]
    assert slot["status"] == "processing", slot
    store.invalidate()
    with store.open_read(slot["raw_location"]) as f:
        assert sha256_of(iter(lambda: f.read(4 * MB), b"")) == expected
    assert not [k for k in store.list("videos") if ".tail" in k]


def test_tuspy_with_checksums_and_a_refused_master(tmp_path: Path) -> None:
    settings = catalog_settings(tmp_path / "catalog")
    source = tmp_path / "master.mp4"
    expected = media_file(source, 3 * MB)
    junk = tmp_path / "notes.mp4"
    junk.write_bytes(b"not a video at all\n" * 10_000)
    with served_catalog(settings, free_port()) as base:
        video_url, upload_url = new_upload(base, 3 * MB)
        client = tus_client.TusClient(f"{base}/api/v1/admin", headers=ADMIN)
        with open(source, "rb") as f:
            client.uploader(
                file_stream=f, url=upload_url, chunk_size=MB, upload_checksum=True
            ).upload()
        store = ObjectStore(settings.media_url)
        slot = httpx.get(video_url, headers=ADMIN).json()["media"]["video"]
        assert sha256_of(iter([store.read_bytes(slot["raw_location"])])) == expected
        video = httpx.post(f"{base}/api/v1/admin/videos", json=VIDEO, headers=ADMIN).json()
        creation = tus_client.TusClient(
            f"{base}/api/v1/admin/videos/{video['id']}/uploads?kind=video", headers=ADMIN
        )
        with open(junk, "rb") as f, pytest.raises(TusCommunicationError) as refusal:
            creation.uploader(file_stream=f, chunk_size=MB).upload()
        assert refusal.value.status_code == 422
        refused = httpx.get(f"{base}/api/v1/admin/videos/{video['id']}", headers=ADMIN).json()
        assert refused["media"]["video"]["status"] == "failed"
