"""The catalog's events reach search: publish, unpublish, delete, renames; in any order, any
number of times, and through a Typesense restart."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from prometheus_client import REGISTRY

from codeflix.typesense_server import TypesenseServer
from tests.integration.search.conftest import (
    T0,
    SearchHarness,
    ref_state,
    running_search,
    search_settings,
    video_state,
)
from tests.support.identity import IdentityHarness


async def test_publish_unpublish_and_delete_reach_search(search: SearchHarness) -> None:
    video = video_state(title="Elephants Dream", published=False)
    await search.send("video.created", video)
    assert await search.titles("elephants") == []
    await search.send("video.updated", {**video, "published": True})
    assert await search.titles("elephants") == ["Elephants Dream"]
    await search.send("video.updated", {**video, "published": False})
    assert await search.titles("elephants") == []
    await search.send("video.updated", {**video, "published": True, "title": "Elephants Dream 2"})
    assert await search.titles("elephants") == ["Elephants Dream 2"]
    await search.send("video.deleted", {"id": video["id"]})
    assert await search.titles("elephants") == []


async def test_renaming_a_category_genre_or_cast_member_updates_every_video(
    search: SearchHarness,
) -> None:
    category, genre, actor = (str(uuid.uuid4()) for _ in range(3))
    await search.send("category.created", ref_state(category, "Desenho", is_active=True))
    await search.send("genre.created", ref_state(genre, "Aventura", is_active=True,
                                                 categories=[category]))  # fmt: skip
    await search.send("cast_member.created", ref_state(actor, "Maria Silva", type="actor"))
    for title in ("Tears of Steel", "Cosmos Laundromat", "Spring"):
        await search.send("video.created", video_state(
            title=title, categories=[category], genres=[genre], cast_members=[actor]))  # fmt: skip
    assert len(await search.titles("desenho")) == 3

    await search.send("category.updated", ref_state(category, "Animação", is_active=True))
    await search.send("genre.updated", ref_state(genre, "Fantasia", is_active=True,
                                                 categories=[category]))  # fmt: skip
    await search.send("cast_member.updated", ref_state(actor, "Maria Souza", type="actor"))
    assert await search.titles("desenho") == []
    assert len(await search.titles("animacao")) == 3
    assert len(await search.titles("fantasia")) == 3
    assert len(await search.titles("souza")) == 3
    hits = (await search.search(q="spring"))["items"]
    assert hits[0]["categories"] == [{"id": category, "name": "Animação"}]
    assert hits[0]["genres"] == [{"id": genre, "name": "Fantasia"}]
    assert hits[0]["cast_members"] == [{"id": actor, "name": "Maria Souza"}]
    facets = (await search.search(q=""))["facets"]
    assert facets["category"] == [{"value": category, "label": "Animação", "count": 3}]

    # A deactivated category leaves the documents' text and facets.
    await search.send("category.updated", ref_state(category, "Animação", is_active=False))
    assert await search.titles("animacao") == []
    assert len(await search.titles("spring")) == 1


async def test_a_name_that_arrives_after_the_video_is_filled_in(search: SearchHarness) -> None:
    actor = str(uuid.uuid4())
    await search.send("video.created", video_state(title="Agent 327", cast_members=[actor]))
    assert await search.titles("hermans") == []
    await search.send("cast_member.created", ref_state(actor, "Hermans Brink", type="actor"))
    assert await search.titles("hermans") == ["Agent 327"]


async def test_an_older_event_after_a_newer_one_changes_nothing(search: SearchHarness) -> None:
    video = video_state(title="Caminandes")
    newer = search.event(
        "video.updated", {**video, "title": "Caminandes 2"}, at=T0 + timedelta(hours=2)
    )
    older = search.event(
        "video.updated", {**video, "title": "Caminandes 1"}, at=T0 + timedelta(hours=1)
    )
    await search.publish(newer, older)
    assert await search.titles("caminandes") == ["Caminandes 2"]

    # A late update does not bring a deleted video back.
    deleted = search.event("video.deleted", {"id": video["id"]}, at=T0 + timedelta(hours=3))
    await search.publish(deleted, older)
    assert await search.titles("caminandes") == []

    # Nor does an older name undo a rename.
    category = str(uuid.uuid4())
    await search.publish(
        search.event("category.created", ref_state(category, "Novo", is_active=True),
                     at=T0 + timedelta(hours=5)),
        search.event("video.created", video_state(title="Glass Half", categories=[category]),
                     at=T0 + timedelta(hours=5)),
        search.event("category.updated", ref_state(category, "Velho", is_active=True),
                     at=T0 + timedelta(hours=4)),
    )  # fmt: skip
    assert await search.titles("novo") == ["Glass Half"]
    assert await search.titles("velho") == []


async def test_a_redelivered_event_is_applied_once(search: SearchHarness) -> None:
    video = video_state(title="Hero")
    created = search.event("video.created", video)
    updated = search.event("video.updated", {**video, "title": "Hero Returns"})
    await search.publish(created, updated, created, updated, created)
    assert await search.titles("hero") == ["Hero Returns"]


async def test_malformed_events_go_to_the_dead_letter_queue(search: SearchHarness) -> None:
    await search.bus.publish_raw(b"{not json", routing_key="video.created")
    bad = search.event("video.created", video_state(title="Fine"))
    bad_data = bad.model_copy(update={"data": {"id": "x", "title": 3}})
    await search.bus.publish_raw(bad_data.to_json(), routing_key="video.created")
    await search.bus.join()
    letters = await search.bus.dead_letters("search.catalog")
    assert len(letters) == 2
    assert {letter.reason.split(":")[0] for letter in letters} == {"bad_json", "invalid_data"}  # type: ignore[union-attr]


def retried() -> float:
    sample = REGISTRY.get_sample_value(
        "codeflix_bus_deliveries_total", {"queue": "search.catalog", "outcome": "retried"}
    )
    return sample or 0.0


async def test_a_typesense_restart_in_the_middle_of_a_stream_loses_nothing(
    identity: IdentityHarness, tmp_path: Path
) -> None:
    server = TypesenseServer(tmp_path / "typesense", api_key="restart-key")
    server.start()
    server.wait_healthy()
    settings = search_settings(server, tmp_path, search_event_retry_seconds=[0.2, 0.5])
    retried_before = retried()
    try:
        async with running_search(settings, identity, tmp_path) as search:
            videos = [video_state(title=f"Stream {n:03d}") for n in range(60)]
            for n, video in enumerate(videos):
                await search.bus.publish(search.event("video.created", video))
                if n == 20:
                    server.stop()
                    async with search.client() as client:
                        r = await client.get("/api/v1/search", params={"q": "stream"},
                                             headers=search.viewer())  # fmt: skip
                        assert r.status_code == 503
                        assert r.headers["retry-after"] == "5"
                        assert r.headers["content-type"] == "application/problem+json"
                        ready = await client.get("/readyz")
                        assert ready.status_code == 503
                        assert ready.json()["checks"]["typesense"].startswith("error")
                if n == 40:
                    server.start()
                    await server.healthy()
            await search.bus.join()
            found = await search.search(q="stream", per_page=100)
            assert found["found"] == 60
            assert retried() > retried_before  # events did fail while it was down
            assert await search.bus.dead_letters("search.catalog") == []
            async with search.client() as client:
                assert (await client.get("/readyz")).status_code == 200
    finally:
        server.stop()


async def test_unreachable_typesense_is_a_503_with_retry_after(
    identity: IdentityHarness, tmp_path: Path
) -> None:
    server = TypesenseServer(tmp_path / "typesense", api_key="k")
    settings = search_settings(server, tmp_path)  # never started: nothing listens there
    async with running_search(settings, identity, tmp_path) as search:
        async with search.client() as client:
            r = await client.get("/api/v1/search", params={"q": "x"}, headers=search.viewer())
            assert r.status_code == 503
            assert r.headers["retry-after"] == "5"
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert "typesense" in ready.json()["checks"]
            assert isinstance(r, httpx.Response)
