"""PUT /api/v1/playback/{id}/progress and GET /api/v1/me/continue-watching."""

from __future__ import annotations

import uuid

import pytest

from tests.unit.playback.conftest import PlaybackHarness


def viewer(user: str = "viewer-1") -> dict[str, str]:
    return {"Authorization": f"Bearer user:{user}"}


async def put_progress(
    playback: PlaybackHarness, video_id: str, position: float, user: str = "viewer-1"
):
    body = {"position_seconds": position, "duration_seconds": 4.0}
    return await playback.client.put(
        f"/api/v1/playback/{video_id}/progress", json=body, headers=viewer(user)
    )


async def row(playback: PlaybackHarness, user: str = "viewer-1", **params: str) -> dict:
    response = await playback.client.get(
        "/api/v1/me/continue-watching", headers=viewer(user), params=params
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_started_video_is_in_continue_watching_with_its_position(
    playback: PlaybackHarness,
) -> None:
    video_id = await playback.add_video()
    saved = await put_progress(playback, video_id, 1.5)
    assert saved.status_code == 200, saved.text
    assert saved.json()["position_seconds"] == 1.5 and not saved.json()["finished"]
    page = await row(playback)
    assert [item["video_id"] for item in page["items"]] == [video_id]
    item = page["items"][0]
    assert item["position_seconds"] == 1.5 and item["duration_seconds"] == 4.0
    assert item["progress"] == 0.375 and page["next_cursor"] is None
    # Another viewer's row is their own.
    assert (await row(playback, user="viewer-2"))["items"] == []


async def test_past_95_percent_the_video_leaves_the_row(playback: PlaybackHarness) -> None:
    video_id = await playback.add_video()
    await put_progress(playback, video_id, 3.8)  # exactly 95 %: still in
    assert len((await row(playback))["items"]) == 1
    finished = await put_progress(playback, video_id, 3.81)
    assert finished.json()["finished"] is True
    assert (await row(playback))["items"] == []
    # Watching it again from the start brings it back.
    await put_progress(playback, video_id, 1.0)
    assert len((await row(playback))["items"]) == 1


async def test_the_most_recent_first_and_pages_with_a_cursor(playback: PlaybackHarness) -> None:
    videos = [await playback.add_video() for _ in range(3)]
    for n, video_id in enumerate(videos):
        playback.clock.advance(10)
        await put_progress(playback, video_id, 1.0 + n)
    first = await row(playback, limit="2")
    assert [i["video_id"] for i in first["items"]] == [videos[2], videos[1]]
    second = await row(playback, limit="2", cursor=first["next_cursor"])
    assert [i["video_id"] for i in second["items"]] == [videos[0]]
    assert second["next_cursor"] is None


async def test_a_video_that_is_no_longer_playable_leaves_the_row(
    playback: PlaybackHarness,
) -> None:
    from apis.playback import service

    video_id = await playback.add_video()
    await put_progress(playback, video_id, 1.0)
    sessions = playback.app.state.playback.sessions  # type: ignore[attr-defined]
    async with sessions() as session, session.begin():
        await service.record_catalog_video(
            session=session, video_id=video_id, published=False, occurred_at=2.0
        )
    assert (await row(playback))["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"position_seconds": -1, "duration_seconds": 4},
        {"position_seconds": 1, "duration_seconds": 0},
        {"position_seconds": 1, "duration_seconds": -4},
        {"position_seconds": 5, "duration_seconds": 4},
        {"position_seconds": 1e300, "duration_seconds": 1e301},
        {"position_seconds": "ten", "duration_seconds": 4},
        {"position_seconds": None, "duration_seconds": 4},
        {"position_seconds": True, "duration_seconds": 4},
        {"duration_seconds": 4},
        [],
    ],
)
async def test_positions_that_are_not_positions_are_refused(
    playback: PlaybackHarness, body: object
) -> None:
    video_id = await playback.add_video()
    response = await playback.client.put(
        f"/api/v1/playback/{video_id}/progress", json=body, headers=viewer()
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (await row(playback))["items"] == []


@pytest.mark.parametrize(
    "raw", ['{"position_seconds": NaN, "duration_seconds": 4}',
            '{"position_seconds": 1, "duration_seconds": Infinity}',
            '{"position_seconds": -Infinity, "duration_seconds": 4}'],
)  # fmt: skip
async def test_nan_and_infinity_are_refused(playback: PlaybackHarness, raw: str) -> None:
    video_id = await playback.add_video()
    response = await playback.client.put(
        f"/api/v1/playback/{video_id}/progress",
        content=raw,
        headers={**viewer(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert (await row(playback))["items"] == []


@pytest.mark.parametrize("video_id", [str(uuid.uuid4()), "not-a-uuid", "%2e%2e", "' OR 1=1--"])
async def test_unknown_or_hostile_video_ids_are_not_found(
    playback: PlaybackHarness, video_id: str
) -> None:
    response = await put_progress(playback, video_id, 1.0)
    assert response.status_code == 404
    assert (await row(playback))["items"] == []


async def test_an_unready_video_is_not_found(playback: PlaybackHarness) -> None:
    video_id = await playback.add_video(ready=False)
    assert (await put_progress(playback, video_id, 1.0)).status_code == 404


async def test_signing_in_is_required(playback: PlaybackHarness) -> None:
    video_id = await playback.add_video()
    body = {"position_seconds": 1, "duration_seconds": 4}
    put = await playback.client.put(f"/api/v1/playback/{video_id}/progress", json=body)
    assert put.status_code == 401
    assert (await playback.client.get("/api/v1/me/continue-watching")).status_code == 401


@pytest.mark.parametrize("params", [{"cursor": "not-a-cursor"}, {"cursor": "W10"}])
async def test_a_cursor_not_handed_out_is_a_bad_request(
    playback: PlaybackHarness, params: dict[str, str]
) -> None:
    response = await playback.client.get(
        "/api/v1/me/continue-watching", headers=viewer(), params=params
    )
    assert response.status_code == 400


@pytest.mark.parametrize("limit", ["0", "101", "-1", "many"])
async def test_limits_outside_1_to_100_are_refused(playback: PlaybackHarness, limit: str) -> None:
    response = await playback.client.get(
        "/api/v1/me/continue-watching", headers=viewer(), params={"limit": limit}
    )
    assert response.status_code == 422
