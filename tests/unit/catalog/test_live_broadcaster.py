"""The live broadcaster: bounded per-subscriber queues, filters, status changes, closing."""

from __future__ import annotations

import asyncio

from apis.catalog.live import MediaBroadcaster


def video(video_id: str, status: str, error: str | None = None) -> dict:
    media = {"video": {"status": status, "error": error}, "banner": {"status": "pending"}}
    return {"id": video_id, "media": media}


async def drain(broadcaster: MediaBroadcaster, video_id: str | None = None) -> list[str]:
    texts = []
    async for text in broadcaster.stream(video_id):
        texts.append(text)
    return texts


async def test_a_slow_subscriber_is_dropped_and_others_keep_getting_events() -> None:
    broadcaster = MediaBroadcaster(queue_size=2)
    async with broadcaster.subscribe() as slow, broadcaster.subscribe("v1") as keeping_up:
        for percent in (10, 20, 30):
            broadcaster.progressed({"video_id": "v1", "kind": "video", "percent": percent})
            event = keeping_up.queue.get_nowait()
            assert event is not None and event.data["percent"] == percent
        assert broadcaster.dropped == 1 and slow not in broadcaster.subscribers
        got = [slow.queue.get_nowait() for _ in range(3)]
        assert [e.data["percent"] if e else None for e in got] == [10, 20, None]  # then ends


async def test_only_changes_of_status_are_sent_and_a_filter_holds() -> None:
    broadcaster = MediaBroadcaster(keepalive_seconds=60)
    task = asyncio.create_task(drain(broadcaster, "v1"))
    await asyncio.sleep(0)
    broadcaster.media_changed(video("v1", "processing"))
    broadcaster.media_changed(video("v1", "processing"))  # a title edit: nothing new
    broadcaster.media_changed(video("v2", "processing"))  # another video
    broadcaster.media_changed(video("v1", "failed", "not_media: no streams"))
    broadcaster.close()
    texts = await asyncio.wait_for(task, 1)
    assert texts[0] == ": connected\n\n"
    assert texts[1:] == [
        'id: 1\nevent: media\ndata: {"video_id": "v1", "kind": "video", "status": '
        '"processing", "error": null}\n\n',
        'id: 3\nevent: media\ndata: {"video_id": "v1", "kind": "video", "status": '
        '"failed", "error": "not_media: no streams"}\n\n',
    ]
    assert not broadcaster.subscribers


async def test_a_stream_opened_after_closing_ends_at_once() -> None:
    broadcaster = MediaBroadcaster()
    broadcaster.close()
    assert await asyncio.wait_for(drain(broadcaster), 1) == [": connected\n\n"]


async def test_a_master_watchable_while_it_encodes_is_sent_as_playable() -> None:
    broadcaster = MediaBroadcaster(keepalive_seconds=60)
    task = asyncio.create_task(drain(broadcaster, "v1"))
    await asyncio.sleep(0)
    broadcaster.media_changed(video("v1", "processing"))
    # Version 1 of video.updated tells a playable master as processing with its playlist.
    playable = video("v1", "processing")
    playable["media"]["video"]["encoded_location"] = "videos/v1/hls/master.m3u8"
    broadcaster.media_changed(playable)
    broadcaster.close()
    texts = await asyncio.wait_for(task, 1)
    assert ['"status": "processing"' in t for t in texts[1:]] == [True, False]
    assert '"status": "playable"' in texts[2]
