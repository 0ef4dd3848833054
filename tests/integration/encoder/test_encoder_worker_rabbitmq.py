"""The encoder worker on RabbitMQ with the real pipeline on a local Ray."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from actors.encoder_runtime import build_worker
from actors.encoder_settings import get_settings
from codeflix.bus.rabbitmq import RabbitMQBus
from codeflix.events import Envelope, VideoEncodingCompleted, new_event
from codeflix.storage import ObjectStore
from tests.contracts.bus import Recorder, eventually
from tests.integration.bus_support import Names
from tests.integration.conftest import s3_options
from tests.integration.encoder.conftest import video_frames_played

pytestmark = pytest.mark.usefixtures("ray_local")


def uploaded(video_id: str, source_key: str) -> Envelope:
    return new_event(
        "video.uploaded",
        {"video_id": video_id, "source_key": source_key},
        subject=video_id,
        producer="catalog",
    )


async def start_worker(
    bus: RabbitMQBus, store: ObjectStore, names: Names, **settings_: object
) -> str:
    settings = get_settings(
        **{
            "encoder_queue": names.queue("encoder"),
            # Each test has its own exchanges: a queue of a fixed name would be bound to another's.
            "encoder_subtitles_queue": names.queue("subtitles"),
            "encoder_progress_interval": 0,
            **settings_,
        }
    )
    await build_worker(settings, bus, store).start()
    return settings.encoder_queue


async def test_uploaded_clip_ends_completed_with_playable_hls_in_storage(
    bus: RabbitMQBus,
    names: Names,
    store: ObjectStore,
    encoding_events: Recorder,
    make_clip: Callable[[float, str], Path],
) -> None:
    store.put_file(make_clip(3, "256x144"), "uploads/v1/master.mp4")
    await start_worker(bus, store, names)
    await bus.publish(uploaded("v1", "uploads/v1/master.mp4"))
    await eventually(
        lambda: any(e.type == "video.encoding.completed" for e in encoding_events.seen), 120
    )
    kinds = [e.type.removeprefix("video.encoding.") for e in encoding_events.seen]
    assert kinds[0] == "started" and kinds[-1] == "completed" and "progressed" in kinds
    done = encoding_events.seen[-1].parse_data()
    assert isinstance(done, VideoEncodingCompleted)
    assert done.master_playlist_key == "videos/v1/hls/master.m3u8"
    assert [r.height for r in done.renditions] == [144]
    assert store.exists(done.poster_key or "") and store.exists(done.thumbnails_key or "")
    master = Path(store.path(done.master_playlist_key))
    assert video_frames_played(master) == [3 * 25]
    assert done.duration_seconds == pytest.approx(3.0, abs=0.2)


async def test_master_that_is_not_a_video_ends_failed_with_the_pipelines_reason(
    bus: RabbitMQBus, names: Names, store: ObjectStore, encoding_events: Recorder
) -> None:
    store.write_bytes("uploads/v2/master.mp4", b"%PDF-1.7 this is a document, not a film\n" * 50)
    queue = await start_worker(bus, store, names)
    await bus.publish(uploaded("v2", "uploads/v2/master.mp4"))
    await eventually(
        lambda: any(e.type == "video.encoding.failed" for e in encoding_events.seen), 60
    )
    failed = encoding_events.seen[-1]
    assert failed.data["reason"] == "not_media"
    assert failed.data["message"]
    assert await bus.dead_letters(queue) == []
    assert not store.list("videos/v2")


async def test_deployed_shape_reads_the_master_from_s3_and_writes_the_stream_there(
    bus: RabbitMQBus,
    names: Names,
    s3_store: ObjectStore,
    s3_endpoint: str,
    encoding_events: Recorder,
    make_clip: Callable[[float, str], Path],
    tmp_path: Path,
) -> None:
    s3_store.put_file(make_clip(3, "256x144"), "uploads/v3/master.mp4")
    # The Ray tasks reach the bucket with the options the settings carry.
    await start_worker(bus, s3_store, names, storage_options=s3_options(s3_endpoint))
    await bus.publish(uploaded("v3", "uploads/v3/master.mp4"))
    await eventually(
        lambda: any(e.type.endswith(("completed", "failed")) for e in encoding_events.seen), 120
    )
    done = encoding_events.seen[-1].parse_data()
    assert isinstance(done, VideoEncodingCompleted), encoding_events.seen[-1].data
    for key in s3_store.list(done.hls_prefix):
        if not key.split("/")[3].startswith("_"):  # the job's own bookkeeping stays behind
            s3_store.get_file(key, tmp_path / key)
    assert video_frames_played(tmp_path / done.master_playlist_key) == [3 * 25]
