"""GET /media/...: the grant decides, and what is served is served properly."""

from __future__ import annotations

import shutil

import pytest

from tests.unit.playback.conftest import PlaybackHarness


async def granted(playback: PlaybackHarness) -> tuple[str, str, str]:
    """(video id, URL of the HLS tree under a fresh grant, the grant token)."""
    video_id = await playback.add_video()
    manifest = (await playback.grant(video_id)).json()["manifest_url"]
    token = manifest.split("/media/g/")[1].split("/")[0]
    return video_id, manifest.rsplit("/", 1)[0], token


async def test_relative_playlist_uris_resolve_under_the_grant(playback: PlaybackHarness) -> None:
    _, tree, _ = await granted(playback)
    variant = await playback.client.get(f"{tree}/v720/index.m3u8")
    assert variant.status_code == 200 and "seg_00000.m4s" in variant.text
    # A playlist may grow while its title encodes: revalidated on every load, never kept.
    assert variant.headers["cache-control"] == "private, no-cache"
    again = {"If-None-Match": variant.headers["etag"]}
    assert (await playback.client.get(f"{tree}/v720/index.m3u8", headers=again)).status_code == 304
    init = await playback.client.get(f"{tree}/v720/init.mp4")
    assert init.content == b"init-v720" and init.headers["content-type"] == "video/mp4"
    segment = await playback.client.get(f"{tree}/v720/seg_00000.m4s")
    assert segment.content == bytes(range(256)) * 40
    assert segment.headers["content-type"] == "video/iso.segment"
    assert segment.headers["accept-ranges"] == "bytes"
    assert segment.headers["access-control-allow-origin"] == "*"
    assert segment.headers["cache-control"] == "private, max-age=21600"
    vtt = await playback.client.get(f"{tree}/thumbnails.vtt")
    assert vtt.headers["content-type"] == "text/vtt; charset=utf-8"


async def test_byte_ranges_head_and_revalidation(playback: PlaybackHarness) -> None:
    _, tree, _ = await granted(playback)
    url = f"{tree}/v360/seg_00000.m4s"
    part = await playback.client.get(url, headers={"Range": "bytes=256-511"})
    assert part.status_code == 206 and part.content == bytes(range(256))
    assert part.headers["content-range"] == "bytes 256-511/10240"
    tail = await playback.client.get(url, headers={"Range": "bytes=-10"})
    assert tail.content == bytes(range(246, 256))
    beyond = await playback.client.get(url, headers={"Range": "bytes=99999-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == "bytes */10240"
    head = await playback.client.head(url)
    assert head.status_code == 200 and head.headers["content-length"] == "10240"
    assert head.content == b""
    etag = head.headers["etag"]
    assert (await playback.client.get(url, headers={"If-None-Match": etag})).status_code == 304
    stale = await playback.client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200 and len(stale.content) == 10240


async def test_a_segment_just_served_is_sent_again_from_memory_a_playlist_never(
    playback: PlaybackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, tree, _ = await granted(playback)
    store = playback.app.state.playback.edge.store  # type: ignore[attr-defined]
    reads: list[str] = []
    read_range, read_if_in_memory = store.read_range, store.read_if_in_memory

    def counted(key: str, start: int, end: int) -> bytes:
        reads.append(key.rsplit("/", 1)[-1])
        return bytes(read_range(key, start, end))

    def counted_in_memory(key: str, max_bytes: int) -> object:
        found = read_if_in_memory(key, max_bytes)
        if found is not None:
            reads.append(key.rsplit("/", 1)[-1])
        return found

    monkeypatch.setattr(store, "read_range", counted)
    monkeypatch.setattr(store, "read_if_in_memory", counted_in_memory)
    url = f"{tree}/v720/seg_00000.m4s"
    answers = [await playback.client.get(url) for _ in range(5)]
    part = await playback.client.get(url, headers={"Range": "bytes=256-511"})
    head = await playback.client.head(url)
    assert all(a.content == bytes(range(256)) * 40 for a in answers)
    assert part.status_code == 206 and part.content == bytes(range(256))
    assert head.headers["content-length"] == "10240" and head.content == b""
    assert len({a.headers["etag"] for a in [*answers, part, head]}) == 1
    for _ in range(3):
        assert (await playback.client.get(f"{tree}/v720/index.m3u8")).status_code == 200
    assert reads == ["seg_00000.m4s", "index.m3u8", "index.m3u8", "index.m3u8"]


async def test_a_tampered_signature_is_forbidden(playback: PlaybackHarness) -> None:
    video_id, _, token = await granted(playback)
    key_id, policy, signature = token.split(".")
    flipped = f"{key_id}.{policy}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    response = await playback.client.get(f"/media/g/{flipped}/videos/{video_id}/hls/master.m3u8")
    assert response.status_code == 403
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"] == "no-store"
    assert (await playback.client.get(f"/media/g/garbage/videos/{video_id}/x")).status_code == 403


async def test_another_videos_segment_is_forbidden_with_this_grant(
    playback: PlaybackHarness,
) -> None:
    _, _, token = await granted(playback)
    other = await playback.add_video()
    response = await playback.client.get(f"/media/g/{token}/videos/{other}/hls/v360/seg_00000.m4s")
    assert response.status_code == 403
    assert (await playback.client.get(f"/media/g/{token}/secrets.txt")).status_code == 403


async def test_an_expired_grant_is_gone(playback: PlaybackHarness) -> None:
    _, tree, _ = await granted(playback)
    playback.clock.advance(6 * 3600 - 1)
    assert (await playback.client.get(f"{tree}/master.m3u8")).status_code == 200
    playback.clock.advance(1)
    response = await playback.client.get(f"{tree}/master.m3u8")
    assert response.status_code == 410 and "expired" in response.json()["detail"]


@pytest.mark.parametrize(
    "suffix",
    ["v360/%2e%2e/%2E%2E/%2e%2e/other/hls/master.m3u8", "v360/%2e%2e/master.m3u8",
     "%2e/master.m3u8", "v360//seg_00000.m4s", "v360/..%2fmaster.m3u8",
     "v360%5c..%5cmaster.m3u8", "v360/seg%00.m4s"],
)  # fmt: skip
async def test_path_traversal_is_refused(playback: PlaybackHarness, suffix: str) -> None:
    _, tree, _ = await granted(playback)
    path = tree.removeprefix("http://edge.test") + "/" + suffix
    # Percent-encoded so the client sends the dots as they are (literal ones are checked
    # against the real server in the integration tests).
    response = await playback.client.get(path)
    assert response.status_code == 400, (path, response.text)


async def test_missing_objects_under_a_valid_grant_are_not_found(
    playback: PlaybackHarness,
) -> None:
    _, tree, _ = await granted(playback)
    assert (await playback.client.get(f"{tree}/v360/seg_99999.m4s")).status_code == 404
    assert (await playback.client.get(f"{tree}/v360")).status_code == 404  # a folder


@pytest.mark.parametrize(
    "relative",
    ["_job/0123456789abcdef0123/chunks/chunk_00000.json",
     "_job/0123456789abcdef0123/tiles/chunk_00000.jpg",
     "v360/notes.txt", "v360/segments.json", "master.m3u8.bak", "v360/index", ".hidden.jpg",
     "v360/master.mp4"],
)  # fmt: skip
async def test_only_playback_files_are_served_even_under_a_valid_grant(
    playback: PlaybackHarness, relative: str
) -> None:
    # Whatever else lies in the tree (an encoder's state left there by an older version,
    # a stray file) is not for viewers.
    video_id, tree, _ = await granted(playback)
    playback.store.write_bytes(f"videos/{video_id}/hls/{relative}", b'{"secret": 1}')
    for method in ("GET", "HEAD"):
        response = await playback.client.request(method, f"{tree}/{relative}")
        assert response.status_code == 404, (method, relative)
    assert b"secret" not in (await playback.client.get(f"{tree}/{relative}")).content


async def test_browsers_get_cors_preflight_answers(playback: PlaybackHarness) -> None:
    _, tree, _ = await granted(playback)
    response = await playback.client.options(
        f"{tree}/master.m3u8",
        headers={"Origin": "https://player.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "Range" in response.headers["access-control-allow-headers"]


async def test_readiness_follows_the_database_and_the_media_store(
    playback: PlaybackHarness,
) -> None:
    ready = await playback.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "media_store": "ok"}
    shutil.rmtree(playback.store.root)
    gone = await playback.client.get("/readyz")
    assert gone.status_code == 503 and gone.json()["checks"]["media_store"].startswith("error")
