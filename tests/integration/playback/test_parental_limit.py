"""Playback grants under a parental limit, on SQLite and PostgreSQL, with real tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from apis.playback.app import create_app
from apis.playback.config import get_settings
from apis.playback.consumers import VideoEventsConsumer
from apis.playback.models import VideoRating
from codeflix.events import Envelope, new_event
from tests.support.identity import IdentityHarness
from tests.support.playback import EveryoneEntitled


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'playback.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def app(
    database_url: str, tmp_path: Path, identity: IdentityHarness
) -> AsyncIterator[FastAPI]:
    settings = get_settings(data_dir=tmp_path, database_url=database_url)
    application = create_app(settings, verifier=identity.verifier, entitlements=EveryoneEntitled())
    async with application.router.lifespan_context(application):
        yield application


def video_updated(video_id: str, rating: str, *, at: datetime) -> Envelope:
    media = {"status": "ready", "encoded_location": f"videos/{video_id}/hls/master.m3u8"}
    data = {
        "id": video_id, "created_at": at, "updated_at": at, "title": "Sintel",
        "launch_year": 2010, "duration": 15, "rating": rating, "opened": True,
        "published": True, "categories": [], "genres": [], "cast_members": [],
        "media": {"video": media},
    }  # fmt: skip
    event = new_event("video.updated", data, subject=video_id, producer="catalog")
    return event.model_copy(update={"occurred_at": at})


async def test_a_title_above_the_limit_is_refused_with_a_problem_naming_it(
    app: FastAPI, identity: IdentityHarness
) -> None:
    consumer = VideoEventsConsumer(app.state.playback.sessions)
    start = datetime.now(UTC)
    adult, family = str(uuid.uuid4()), str(uuid.uuid4())
    await consumer.handle(video_updated(adult, "18", at=start))
    await consumer.handle(video_updated(family, "L", at=start))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://playback.test") as client:

        async def grant(video_id: str, **token: str) -> httpx.Response:
            return await client.post(
                f"/api/v1/playback/{video_id}", headers=identity.headers(**token)
            )

        refused = await grant(adult, max_rating="12")
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["type"].endswith("/parental-limit")
        assert problem["detail"] == "this title is rated 18, above your parental limit of 12"
        assert problem["max_rating"] == "12" and problem["rating"] == "18"
        assert "manifest_url" not in problem

        assert (await grant(family, max_rating="12")).status_code == 200
        assert (await grant(adult)).status_code == 200  # no limit: every rating plays
        assert (await grant(adult, max_rating="18")).status_code == 200
        assert (await grant(family, max_rating="ER")).status_code == 403
        assert (await grant(family, max_rating="not-a-rating")).status_code == 403

        # The catalog re-rates the title: the newer event counts, an older one never undoes it.
        await consumer.handle(video_updated(adult, "12", at=start + timedelta(seconds=5)))
        assert (await grant(adult, max_rating="12")).status_code == 200
        await consumer.handle(video_updated(adult, "18", at=start + timedelta(seconds=1)))
        assert (await grant(adult, max_rating="12")).status_code == 200


async def test_a_title_whose_rating_is_not_known_is_refused_under_a_limit(
    app: FastAPI, identity: IdentityHarness
) -> None:
    # A database from before ratings were kept: playback knows the title, not its rating.
    consumer = VideoEventsConsumer(app.state.playback.sessions)
    video_id = str(uuid.uuid4())
    await consumer.handle(video_updated(video_id, "L", at=datetime.now(UTC)))
    async with app.state.playback.sessions() as session, session.begin():
        await session.execute(delete(VideoRating))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://playback.test") as client:
        url = f"/api/v1/playback/{video_id}"
        limited = await client.post(url, headers=identity.headers(max_rating="18"))
        assert limited.status_code == 403
        assert "not known yet" in limited.json()["detail"]
        free = await client.post(url, headers=identity.headers())
        assert free.status_code == 200
