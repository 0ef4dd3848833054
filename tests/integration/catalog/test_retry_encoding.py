"""Retrying a failed encode: the stored master is announced again, nothing else is."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from actors.encoder_runtime import build_worker
from actors.encoder_settings import get_settings as encoder_settings
from tests.integration.catalog.test_media_lifecycle import (
    encoding_event,
    settled,
    uploaded_video,
)
from tests.support.catalog import CatalogHarness, catalog_settings, running_catalog

VIDEO = {"title": "Sintel", "launch_year": 2010, "duration": 15, "rating": "12"}


def retry_url(video_id: str) -> str:
    return f"/api/v1/admin/videos/{video_id}/encodings"


async def failed_video(catalog: CatalogHarness) -> dict:
    video = await uploaded_video(catalog)
    failed = encoding_event(
        "video.encoding.failed", video["id"], datetime.now(UTC) + timedelta(seconds=1),
        reason="encoder_error", message="RayTaskError: a worker died",
    )  # fmt: skip
    await catalog.app.state.bus.publish(failed)
    return await settled(catalog, video["id"], "failed")


async def test_a_failed_encode_is_announced_again(catalog: CatalogHarness) -> None:
    video = await failed_video(catalog)
    master = video["media"]["video"]["raw_location"]
    response = await catalog.client.post(retry_url(video["id"]), headers=catalog.admin)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "processing"
    assert response.json()["error"] is None and response.json()["raw_location"] == master
    again = await catalog.video(video["id"])
    assert again["media"]["video"]["status"] == "processing"
    await catalog.wait_for_event(
        lambda _: (
            sum(
                e.type == "video.uploaded" and e.data["source_key"] == master
                for e in catalog.events
            )
            == 2
        )
    )
    # A second retry while it is processing is refused and says why.
    twice = await catalog.client.post(retry_url(video["id"]), headers=catalog.admin)
    assert twice.status_code == 409
    assert twice.headers["content-type"] == "application/problem+json"
    assert "processing" in twice.json()["detail"]
    # A late report of the failed attempt does not fail the new one.
    late = encoding_event(
        "video.encoding.failed", video["id"], datetime.now(UTC) - timedelta(seconds=5),
        reason="encoder_error", message="late",
    )  # fmt: skip
    await catalog.app.state.bus.publish(late)
    await catalog.app.state.bus.join()
    assert (await catalog.video(video["id"]))["media"]["video"]["status"] == "processing"


async def test_only_failed_encodes_of_stored_masters_are_retried(catalog: CatalogHarness) -> None:
    client, admin = catalog.client, catalog.admin
    fresh = await catalog.create("videos", VIDEO)
    pending = await client.post(retry_url(fresh["id"]), headers=admin)
    assert pending.status_code == 409 and "pending" in pending.json()["detail"]
    # A refused upload leaves nothing to encode.
    refused = await catalog.upload(fresh["id"], b"this is not a video at all" * 100)
    assert refused.status_code == 422
    assert (await catalog.video(fresh["id"]))["media"]["video"]["status"] == "failed"
    response = await client.post(retry_url(fresh["id"]), headers=admin)
    assert response.status_code == 409 and "upload" in response.json()["detail"]
    # Ready is not retried either.
    video = await uploaded_video(catalog)
    completed = encoding_event(
        "video.encoding.completed", video["id"], datetime.now(UTC) + timedelta(seconds=1),
        hls_prefix="videos/x/hls", master_playlist_key="videos/x/hls/master.m3u8",
        duration_seconds=5.3, renditions=[], chunks_total=1, chunks_encoded=1,
    )  # fmt: skip
    await catalog.app.state.bus.publish(completed)
    await settled(catalog, video["id"], "ready")
    ready = await client.post(retry_url(video["id"]), headers=admin)
    assert ready.status_code == 409 and "ready" in ready.json()["detail"]
    # The trailer of a video has its own slot, still pending.
    trailer = await client.post(retry_url(video["id"]), params={"kind": "trailer"}, headers=admin)
    assert trailer.status_code == 409 and "trailer" in trailer.json()["detail"]


async def test_a_master_gone_from_storage_is_not_retried(catalog: CatalogHarness) -> None:
    video = await failed_video(catalog)
    catalog.app.state.store.delete(video["media"]["video"]["raw_location"])
    response = await catalog.client.post(retry_url(video["id"]), headers=catalog.admin)
    assert response.status_code == 409 and "gone" in response.json()["detail"]
    assert (await catalog.video(video["id"]))["media"]["video"]["status"] == "failed"


async def test_careless_and_hostile_retries(catalog: CatalogHarness) -> None:
    client = catalog.client
    video = await failed_video(catalog)
    unknown = await client.post(retry_url(str(uuid.uuid4())), headers=catalog.admin)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    for bad_kind in ("banner", "thumbnail", "", "video'--"):
        response = await client.post(
            retry_url(video["id"]), params={"kind": bad_kind}, headers=catalog.admin
        )
        assert response.status_code == 422, bad_kind
        assert response.json()["errors"][0]["loc"] == ["query", "kind"]
    assert (await client.post(retry_url("not-a-uuid"), headers=catalog.admin)).status_code == 422
    viewer = await client.post(retry_url(video["id"]), headers=catalog.viewer)
    assert viewer.status_code == 403
    anonymous = await client.post(retry_url(video["id"]))
    assert anonymous.status_code == 401
    assert (await catalog.video(video["id"]))["media"]["video"]["status"] == "failed"


async def test_the_encoder_takes_a_retried_master_to_ready(tmp_path: Path, ray_local: None) -> None:
    settings = catalog_settings(tmp_path)
    async with running_catalog(settings) as catalog:
        # The encode failed while no encoder ran (say its node was lost); one runs now.
        video = await failed_video(catalog)
        worker_settings = encoder_settings(
            data_dir=tmp_path, storage_url=settings.media_url, encoder_progress_interval=0.5
        )
        bus, store = catalog.app.state.bus, catalog.app.state.store
        await build_worker(worker_settings, bus, store).start()
        response = await catalog.client.post(retry_url(video["id"]), headers=catalog.admin)
        assert response.status_code == 202, response.text
        ready = await settled(catalog, video["id"], "ready", within=240)
        slot = ready["media"]["video"]
        assert slot["error"] is None and slot["renditions"]
        assert store.read_bytes(slot["encoded_location"]).startswith(b"#EXTM3U")
