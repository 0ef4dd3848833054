"""Catalog and encoder events keep playback's copy of playable videos current."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apis.playback.consumers import QUEUE, VideoEventsConsumer
from apis.playback.models import PlayableVideo
from codeflix.bus import InMemoryBus, PermanentFailure
from codeflix.events import Envelope, new_event
from tests.unit.playback.conftest import PlaybackHarness

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def at(envelope: Envelope, seconds: float) -> Envelope:
    return envelope.model_copy(update={"occurred_at": T0 + timedelta(seconds=seconds)})


def catalog_video(video_id: str, *, published: bool, media: dict[str, Any] | None = None) -> dict:
    return {
        "id": video_id,
        "created_at": T0.isoformat(),
        "updated_at": T0.isoformat(),
        "title": "Big Buck Bunny",
        "launch_year": 2008,
        "duration": 10,
        "rating": "L",
        "opened": True,
        "published": published,
        "categories": [],
        "genres": [],
        "cast_members": [],
        "media": {"video": media or {"status": "pending"}},
    }


def completed(video_id: str, *, kind: str = "video") -> Envelope:
    tree = f"videos/{video_id}/hls"
    data = {
        "video_id": video_id,
        "kind": kind,
        "hls_prefix": tree,
        "master_playlist_key": f"{tree}/master.m3u8",
        "duration_seconds": 4.0,
        "renditions": [
            {"name": "360p", "width": 640, "height": 360, "bandwidth": 800_000,
             "codecs": "avc1.64001e", "playlist": "v360/index.m3u8"},
        ],
        "poster_key": "poster.jpg",
        "thumbnails_key": f"{tree}/thumbnails.vtt",
        "chunks_total": 1,
        "chunks_encoded": 1,
    }  # fmt: skip
    return new_event("video.encoding.completed", data, subject=video_id, producer="encoder")


def playable(video_id: str) -> Envelope:
    """The stream can be watched while the encode goes on: no poster, no previews yet."""
    done = completed(video_id).data
    keys = ("video_id", "kind", "hls_prefix", "master_playlist_key", "duration_seconds")
    data = {**{k: done[k] for k in keys}, "renditions": done["renditions"]}
    return new_event("video.encoding.playable", data, subject=video_id, producer="encoder")


def video_event(kind: str, video_id: str, **state: Any) -> Envelope:
    data = {"id": video_id} if kind == "deleted" else catalog_video(video_id, **state)
    return new_event(f"video.{kind}", data, subject=video_id, producer="catalog")


async def row(playback: PlaybackHarness, video_id: str) -> PlayableVideo | None:
    async with playback.app.state.playback.sessions() as session:  # type: ignore[attr-defined]
        return await session.get(PlayableVideo, video_id)


@pytest.fixture
def consumer(playback: PlaybackHarness) -> VideoEventsConsumer:
    return VideoEventsConsumer(playback.app.state.playback.sessions)  # type: ignore[attr-defined]


async def test_published_and_encoded_makes_a_video_grantable(
    playback: PlaybackHarness, consumer: VideoEventsConsumer
) -> None:
    video_id = str(uuid.uuid4())
    await consumer.handle(at(video_event("created", video_id, published=True), 1))
    assert (await playback.grant(video_id)).status_code == 404
    await consumer.handle(at(completed(video_id), 2))
    video = await row(playback, video_id)
    assert video is not None and video.playable
    assert video.master_key == f"videos/{video_id}/hls/master.m3u8"
    assert video.poster_key == f"videos/{video_id}/hls/poster.jpg"
    assert video.renditions[0]["height"] == 360
    assert (await playback.grant(video_id)).status_code == 200
    await consumer.handle(at(video_event("updated", video_id, published=False), 3))
    assert (await playback.grant(video_id)).status_code == 404


async def test_a_playable_stream_is_granted_while_it_encodes_and_completion_finishes_it(
    playback: PlaybackHarness, consumer: VideoEventsConsumer
) -> None:
    video_id = str(uuid.uuid4())
    await consumer.handle(at(video_event("created", video_id, published=True), 1))
    await consumer.handle(at(playable(video_id), 2))
    video = await row(playback, video_id)
    assert video is not None and video.media_status == "playable" and video.playable
    body = (await playback.grant(video_id)).json()
    assert body["manifest_url"].endswith(f"videos/{video_id}/hls/master.m3u8")
    assert body["poster_url"] is None and body["thumbnails_url"] is None
    # The catalog tells of the same stream (v1 has no "playable": processing + master).
    media = {"status": "processing", "encoded_location": f"videos/{video_id}/hls/master.m3u8"}
    await consumer.handle(at(video_event("updated", video_id, published=True, media=media), 3))
    assert (await playback.grant(video_id)).status_code == 200
    await consumer.handle(at(completed(video_id), 4))
    video = await row(playback, video_id)
    assert video is not None and video.media_status == "ready"
    assert video.poster_key == f"videos/{video_id}/hls/poster.jpg"
    assert (await playback.grant(video_id)).json()["poster_url"] is not None
    # A master still processing with nothing published is not grantable.
    other = str(uuid.uuid4())
    processing = {"status": "processing"}
    await consumer.handle(at(video_event("created", other, published=True, media=processing), 5))
    assert (await playback.grant(other)).status_code == 404


async def test_the_catalogs_ready_media_is_enough(
    playback: PlaybackHarness, consumer: VideoEventsConsumer
) -> None:
    video_id = str(uuid.uuid4())
    media = {"status": "ready", "encoded_location": f"videos/{video_id}/hls/master.m3u8",
             "poster": "posters/x.jpg", "duration_seconds": 4.0}  # fmt: skip
    await consumer.handle(at(video_event("updated", video_id, published=True, media=media), 1))
    body = (await playback.grant(video_id)).json()
    assert body["manifest_url"].endswith(f"videos/{video_id}/hls/master.m3u8")
    assert body["poster_url"].endswith("/posters/x.jpg")  # under a grant of its own folder


async def test_older_events_never_overwrite_newer_state(
    playback: PlaybackHarness, consumer: VideoEventsConsumer
) -> None:
    video_id = str(uuid.uuid4())
    await consumer.handle(at(video_event("updated", video_id, published=True), 10))
    await consumer.handle(at(video_event("created", video_id, published=False), 5))
    await consumer.handle(at(completed(video_id), 10))
    started = new_event("video.encoding.started", {"video_id": video_id, "attempt": 1},
                        subject=video_id, producer="encoder")  # fmt: skip
    await consumer.handle(at(started, 4))
    video = await row(playback, video_id)
    assert video is not None and video.published and video.media_status == "ready"


async def test_a_deleted_video_stays_deleted(
    playback: PlaybackHarness, consumer: VideoEventsConsumer
) -> None:
    video_id = str(uuid.uuid4())
    await consumer.handle(at(video_event("created", video_id, published=True), 1))
    await consumer.handle(at(completed(video_id), 2))
    await consumer.handle(at(video_event("deleted", video_id), 3))
    await consumer.handle(at(completed(video_id), 4))  # a late re-encode brings nothing back
    assert (await playback.grant(video_id)).status_code == 404


async def test_failed_encoding_and_trailers(
    playback: PlaybackHarness, consumer: VideoEventsConsumer
) -> None:
    video_id = str(uuid.uuid4())
    await consumer.handle(at(video_event("created", video_id, published=True), 1))
    await consumer.handle(at(completed(video_id, kind="trailer"), 2))
    assert (await row(playback, video_id)).media_status == "pending"  # type: ignore[union-attr]
    failed = new_event("video.encoding.failed",
                       {"video_id": video_id, "reason": "no_video_stream", "message": "no video"},
                       subject=video_id, producer="encoder")  # fmt: skip
    await consumer.handle(at(failed, 3))
    assert (await row(playback, video_id)).media_status == "failed"  # type: ignore[union-attr]


async def test_a_redelivered_event_has_no_second_effect(
    playback: PlaybackHarness, consumer: VideoEventsConsumer
) -> None:
    video_id = str(uuid.uuid4())
    created = at(video_event("created", video_id, published=True), 5)
    await consumer.handle(created)
    await consumer.handle(at(video_event("updated", video_id, published=False), 1))
    await consumer.handle(created)  # seen already: ignored even though it is newer
    video = await row(playback, video_id)
    assert video is not None and video.published


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "../../etc"])
async def test_unusable_events_are_dead_lettered(
    consumer: VideoEventsConsumer, bad_id: str
) -> None:
    with pytest.raises(PermanentFailure):
        await consumer.handle(video_event("created", bad_id, published=True))
    wire = completed(str(uuid.uuid4())).model_dump(mode="json")
    outside = Envelope.model_validate(
        {**wire, "data": {**wire["data"], "master_playlist_key": "../x"}}
    )
    with pytest.raises(PermanentFailure):
        await consumer.handle(outside)


async def test_events_arrive_through_the_bus(
    playback: PlaybackHarness, consumer: VideoEventsConsumer
) -> None:
    bus = InMemoryBus()
    await bus.start()
    try:
        await consumer.subscribe(bus)
        video_id = str(uuid.uuid4())
        await bus.publish(video_event("created", video_id, published=True))
        await bus.publish(completed(video_id))
        await bus.join()
        assert (await playback.grant(video_id)).status_code == 200
        assert await bus.dead_letters(QUEUE) == []
    finally:
        await bus.close()
