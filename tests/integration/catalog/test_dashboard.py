"""The admin dashboard's catalog figures: titles by media status, encodes, failures, encoder."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from apis.catalog.models import MediaSlot
from codeflix.events import new_event
from tests.integration.catalog.test_media_lifecycle import (
    COMPLETED,
    encoding_event,
    settled,
    uploaded_video,
)
from tests.support.catalog import CatalogHarness

STATS = "/api/v1/admin/catalog/stats"
VIDEO = {"title": "Cosmos Laundromat", "launch_year": 2015, "duration": 12, "rating": "14"}


async def stats(catalog: CatalogHarness) -> dict:
    response = await catalog.client.get(STATS, headers=catalog.admin)
    assert response.status_code == 200, response.text
    return dict(response.json())


def status_event(at: datetime, *, interval: float = 10, nodes: int = 3) -> object:
    data = {"worker": "encoder-0:1", "ray_connected": True, "nodes": nodes, "cpus_total": 12.0,
            "cpus_busy": 7.0, "jobs_running": 2, "interval_seconds": interval}  # fmt: skip
    event = new_event("encoder.status", data, subject="encoder-0:1", producer="encoder")
    return event.model_copy(update={"occurred_at": at})


async def test_titles_encodes_and_failures_are_counted(catalog: CatalogHarness) -> None:
    empty = await stats(catalog)
    assert empty["videos_by_media_status"] == dict.fromkeys(
        ("pending", "processing", "playable", "ready", "failed"), 0
    )
    assert empty == {**empty, "encodes": {"running": 0, "waiting": 0}, "failed_last_24h": []}
    bus = catalog.app.state.bus

    def now() -> datetime:  # after the upload: older reports are about an older master
        return datetime.now(UTC) + timedelta(seconds=1)

    await catalog.create("videos", VIDEO)  # pending: nothing uploaded
    uploading = await catalog.create("videos", VIDEO)
    created = await catalog.client.post(
        f"/api/v1/admin/videos/{uploading['id']}/uploads",
        params={"kind": "video"},
        headers={**catalog.admin, "Tus-Resumable": "1.0.0", "Upload-Length": "1000"},
    )
    assert created.status_code == 201
    await uploaded_video(catalog)  # processing, waiting for the encoder
    running = await uploaded_video(catalog)
    await bus.publish(
        encoding_event(
            "video.encoding.progressed", running["id"], now(),
            chunks_done=1, chunks_total=3, percent=33.3,
        )
    )  # fmt: skip
    ready = await uploaded_video(catalog)
    await bus.publish(encoding_event("video.encoding.completed", ready["id"], now(), **COMPLETED))
    failed = await uploaded_video(catalog)
    failed_at = now()
    await bus.publish(
        encoding_event(
            "video.encoding.failed", failed["id"], failed_at,
            reason="no_video_stream", message="the master has no video",
        )
    )  # fmt: skip
    refused = await catalog.create("videos", {**VIDEO, "title": "Refused"})
    assert (await catalog.upload(refused["id"], b"plain text, not a film " * 50)).status_code == 422
    await settled(catalog, ready["id"], "ready")
    await settled(catalog, failed["id"], "failed")
    await bus.join()

    figures = await stats(catalog)
    assert figures["videos_by_media_status"] == {
        "pending": 2, "processing": 2, "playable": 0, "ready": 1, "failed": 2
    }  # fmt: skip
    assert figures["encodes"] == {"running": 1, "waiting": 1}
    failures = figures["failed_last_24h"]
    assert [(f["video_id"], f["title"], f["kind"]) for f in failures] == [
        (failed["id"], "Big Buck Bunny", "video"),  # the latest first: reported a second ahead
        (refused["id"], "Refused", "video"),
    ]
    assert failures[0]["error"] == "no_video_stream: the master has no video"
    assert failures[1]["error"].startswith("not_media")
    assert datetime.fromisoformat(failures[0]["failed_at"]) == failed_at

    # A failure from the day before is not among the last 24 hours'.
    async with catalog.app.state.sessions() as session:
        slot = await session.scalar(
            select(MediaSlot).where(
                MediaSlot.video_id == uuid.UUID(failed["id"]), MediaSlot.kind == "video"
            )
        )
        assert slot is not None
        slot.details = {"failed_at": (failed_at - timedelta(hours=25)).isoformat()}
        await session.commit()
    assert [f["video_id"] for f in (await stats(catalog))["failed_last_24h"]] == [refused["id"]]


async def test_the_encoder_as_its_latest_fresh_report_says(catalog: CatalogHarness) -> None:
    bus = catalog.app.state.bus
    assert (await stats(catalog))["encoder"] is None
    now = datetime.now(UTC)
    await bus.publish(status_event(now))
    await bus.publish(status_event(now - timedelta(seconds=5), nodes=1))  # late and older
    await bus.join()
    encoder = (await stats(catalog))["encoder"]
    assert encoder == {
        "nodes": 3, "cpus_total": 12.0, "cpus_busy": 7.0,
        "reported_at": encoder["reported_at"],
    }  # fmt: skip
    assert datetime.fromisoformat(encoder["reported_at"]) == now
    # Overdue by three intervals: no encoder is reporting any more.
    await bus.publish(status_event(datetime.now(UTC), interval=0.1))
    await bus.join()
    await asyncio.sleep(0.4)
    assert (await stats(catalog))["encoder"] is None


async def test_only_catalog_admins_see_the_figures(catalog: CatalogHarness) -> None:
    viewer = await catalog.client.get(STATS, headers=catalog.viewer)
    assert viewer.status_code == 403
    assert viewer.headers["content-type"] == "application/problem+json"
    assert (await catalog.client.get(STATS)).status_code == 401
    hostile = await catalog.client.get(STATS, params={"x": "\0"}, headers=catalog.admin)
    assert hostile.status_code == 422
