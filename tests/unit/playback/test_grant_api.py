"""POST /api/v1/playback/{id}: who gets a grant, and what it contains."""

from __future__ import annotations

import uuid

import pytest

from apis.playback.models import PlayableVideo
from pipeline.subtitles import SubtitleEntry, with_subtitles
from tests.unit.playback.conftest import PlaybackHarness


async def test_a_viewer_gets_signed_urls_for_a_published_ready_video(
    playback: PlaybackHarness,
) -> None:
    video_id = await playback.add_video()
    response = await playback.grant(video_id)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["manifest_url"].startswith("http://edge.test/media/g/")
    assert body["manifest_url"].endswith(f"/videos/{video_id}/hls/master.m3u8")
    assert body["poster_url"].endswith(f"/videos/{video_id}/hls/poster.jpg")
    assert body["thumbnails_url"].endswith(f"/videos/{video_id}/hls/thumbnails.vtt")
    assert body["expires_at"].startswith("2027-01-15T")  # clock + 6 hours
    master = await playback.client.get(body["manifest_url"])
    assert master.status_code == 200 and master.text.startswith("#EXTM3U")
    poster = await playback.client.get(body["poster_url"])
    assert poster.content == b"\xff\xd8poster" and poster.headers["content-type"] == "image/jpeg"


async def test_signing_in_is_required(playback: PlaybackHarness) -> None:
    video_id = await playback.add_video()
    anonymous = await playback.client.post(f"/api/v1/playback/{video_id}")
    assert anonymous.status_code == 401 and "Bearer" in anonymous.headers["www-authenticate"]
    forged = await playback.client.post(
        f"/api/v1/playback/{video_id}", headers={"Authorization": "Bearer forged"}
    )
    assert forged.status_code == 401


@pytest.mark.parametrize(("published", "ready"), [(False, True), (True, False), (False, False)])
async def test_no_grant_for_an_unpublished_or_unready_video(
    playback: PlaybackHarness, published: bool, ready: bool
) -> None:
    video_id = await playback.add_video(published=published, ready=ready)
    response = await playback.grant(video_id)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "video_id", [str(uuid.uuid4()), "not-a-uuid", "%2e%2e", "'; DROP TABLE playable_videos;--"]
)
async def test_unknown_or_hostile_ids_are_not_found(
    playback: PlaybackHarness, video_id: str
) -> None:
    assert (await playback.grant(video_id)).status_code == 404


async def test_the_entitlement_policy_can_refuse_with_402(playback: PlaybackHarness) -> None:
    video_id = await playback.add_video()
    playback.entitlements.refused.add("no-plan")
    response = await playback.grant(video_id, user="no-plan")
    assert response.status_code == 402
    assert response.json()["detail"] == "an active subscription is needed to watch"


async def test_a_height_limit_shows_only_the_allowed_rungs(playback: PlaybackHarness) -> None:
    video_id = await playback.add_video()
    playback.entitlements.max_height["basic"] = 360
    body = (await playback.grant(video_id, user="basic")).json()
    assert body["max_height"] == 360
    master = await playback.client.get(body["manifest_url"])
    assert master.status_code == 200
    assert "v360/index.m3u8" in master.text and "v720" not in master.text
    assert master.headers["content-type"] == "application/vnd.apple.mpegurl"
    base = body["manifest_url"].rsplit("/", 1)[0]
    assert (await playback.client.get(f"{base}/v360/seg_00000.m4s")).status_code == 200
    for refused in ("v720/index.m3u8", "v720/seg_00000.m4s", "v720/init.mp4"):
        assert (await playback.client.get(f"{base}/{refused}")).status_code == 403
    # The poster's URL carries the same grant: it opens nothing the manifest's keeps closed.
    poster_tree = body["poster_url"].rsplit("/", 1)[0]
    assert poster_tree == base
    full = (await playback.grant(video_id, user="premium")).json()
    assert "v720/index.m3u8" in (await playback.client.get(full["manifest_url"])).text


async def test_a_height_limited_grant_carries_the_closed_rungs(playback: PlaybackHarness) -> None:
    video_id = await playback.add_video()
    renditions = [
        {"name": "360p", "height": 360, "playlist": "v360/index.m3u8"},
        {"name": "720p", "height": 720, "playlist": "v720/index.m3u8"},
    ]
    async with playback.app.state.playback.sessions() as session, session.begin():  # type: ignore[attr-defined]
        video = await session.get(PlayableVideo, video_id)
        video.renditions = renditions
    # Without its master playlist the edge cannot read the rungs: the grant still knows them.
    playback.store.delete(f"videos/{video_id}/hls/master.m3u8")
    playback.entitlements.max_height["basic"] = 480
    body = (await playback.grant(video_id, user="basic")).json()
    token = body["manifest_url"].split("/media/g/")[1].split("/")[0]
    grant = playback.app.state.playback.signer.verify(token, now=playback.clock.timestamp())  # type: ignore[attr-defined]
    assert grant.denied == ("v720/",) and grant.max_height == 480
    base = body["manifest_url"].rsplit("/", 1)[0]
    assert (await playback.client.get(f"{base}/v720/seg_00000.m4s")).status_code == 403
    assert (await playback.client.get(f"{base}/v360/seg_00000.m4s")).status_code == 200


async def test_the_edge_rereads_a_re_encoded_ladder(playback: PlaybackHarness) -> None:
    video_id = await playback.add_video()
    playback.entitlements.max_height["basic"] = 360
    body = (await playback.grant(video_id, user="basic")).json()
    base = body["manifest_url"].rsplit("/", 1)[0]
    assert (await playback.client.get(f"{base}/v720/init.mp4")).status_code == 403
    # Re-encoded: the folder names now hold other heights.
    master = playback.store.read_bytes(f"videos/{video_id}/hls/master.m3u8").decode()
    swapped = (
        master.replace("640x360", "WxH").replace("1280x720", "640x360").replace("WxH", "1280x720")
    )
    playback.store.write_bytes(f"videos/{video_id}/hls/master.m3u8", swapped.encode())
    assert (await playback.client.get(f"{base}/v720/init.mp4")).status_code == 403  # cached
    playback.clock.advance(301)
    assert (await playback.client.get(f"{base}/v720/init.mp4")).status_code == 200
    assert (await playback.client.get(f"{base}/v360/init.mp4")).status_code == 403


async def test_the_poster_of_a_playable_video_is_public(playback: PlaybackHarness) -> None:
    video_id = await playback.add_video()
    response = await playback.client.get(f"/api/v1/playback/{video_id}/poster")
    assert response.status_code == 200
    assert response.content == b"\xff\xd8poster"
    assert response.headers["content-type"] == "image/jpeg"
    assert "public" in response.headers["cache-control"]


@pytest.mark.parametrize(("published", "ready"), [(False, True), (True, False)])
async def test_no_poster_for_an_unpublished_or_unready_video(
    playback: PlaybackHarness, published: bool, ready: bool
) -> None:
    video_id = await playback.add_video(published=published, ready=ready)
    assert (await playback.client.get(f"/api/v1/playback/{video_id}/poster")).status_code == 404
    for hostile in ("not-a-uuid", str(uuid.uuid4())):
        assert (await playback.client.get(f"/api/v1/playback/{hostile}/poster")).status_code == 404


async def test_a_height_limited_master_keeps_its_subtitles(playback: PlaybackHarness) -> None:
    video_id = await playback.add_video()
    tree = f"videos/{video_id}/hls"
    master = playback.store.read_bytes(f"{tree}/master.m3u8").decode()
    subtitled = with_subtitles(master, [SubtitleEntry("pt-BR", "Português", True, False)])
    playback.store.write_bytes(f"{tree}/master.m3u8", subtitled.encode())
    playback.store.write_bytes(f"{tree}/subtitles/pt-BR/index.m3u8", b"#EXTM3U\n")
    cue = (
        b"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n00:01.000 --> 00:02.000\nOi\n"
    )
    playback.store.write_bytes(f"{tree}/subtitles/pt-BR/seg_00000.vtt", cue)
    playback.entitlements.max_height["basic"] = 360
    body = (await playback.grant(video_id, user="basic")).json()
    limited = (await playback.client.get(body["manifest_url"])).text
    assert "v720" not in limited
    assert (
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="pt-BR",NAME="Português",'
        'DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI="subtitles/pt-BR/index.m3u8"'
    ) in limited.splitlines()
    variants = [line for line in limited.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert len(variants) == 1 and variants[0].endswith('SUBTITLES="subs"')
    base = body["manifest_url"].rsplit("/", 1)[0]
    segment = await playback.client.get(f"{base}/subtitles/pt-BR/seg_00000.vtt")
    assert segment.status_code == 200 and segment.content == cue
    assert segment.headers["content-type"] == "text/vtt; charset=utf-8"
    playlist = await playback.client.get(f"{base}/subtitles/pt-BR/index.m3u8")
    assert playlist.status_code == 200
