"""Viewers browse published videos only, and never see the catalog's internals."""

from __future__ import annotations

import uuid

from tests.support.catalog import CatalogHarness

VIDEO = {"title": "Big Buck Bunny", "launch_year": 2008, "duration": 10, "rating": "L"}


async def test_viewers_see_published_videos_only(catalog: CatalogHarness) -> None:
    client, viewer = catalog.client, catalog.viewer
    drama = await catalog.create("categories", {"name": "Drama"})
    await catalog.create("categories", {"name": "Hidden", "is_active": False})
    noir = await catalog.create("genres", {"name": "Noir", "categories": [drama["id"]]})
    shown = await catalog.create(
        "videos",
        {**VIDEO, "published": True, "categories": [drama["id"]], "genres": [noir["id"]]},
    )
    later = await catalog.create(
        "videos", {**VIDEO, "title": "Sintel", "launch_year": 2010, "published": True}
    )
    secret = await catalog.create("videos", {**VIDEO, "title": "Unreleased"})
    await catalog.upload(secret["id"], b"not a video" * 100)  # fails: an error text is stored

    listed = (await client.get("/api/v1/videos", headers=viewer)).json()
    assert [v["title"] for v in listed["items"]] == ["Sintel", "Big Buck Bunny"]
    for params, titles in (
        ({"category": drama["id"]}, ["Big Buck Bunny"]),
        ({"genre": noir["id"]}, ["Big Buck Bunny"]),
        ({"year": 2010}, ["Sintel"]),
        ({"rating": "L", "sort": "title"}, ["Big Buck Bunny", "Sintel"]),
        ({"sort": "year"}, ["Sintel", "Big Buck Bunny"]),
        ({"cast_member": str(uuid.uuid4())}, []),
    ):
        response = await client.get("/api/v1/videos", params=params, headers=viewer)
        assert [v["title"] for v in response.json()["items"]] == titles, params
    one = (await client.get(f"/api/v1/videos/{shown['id']}", headers=viewer)).json()
    assert one["media"]["video"] == {
        "status": "pending", "duration_seconds": None, "poster": None, "thumbnails": None
    }  # fmt: skip
    assert "published" not in one and "raw_location" not in str(one) and "version" not in one
    hidden = await client.get(f"/api/v1/videos/{secret['id']}", headers=viewer)
    assert hidden.status_code == 404
    assert "Unreleased" not in hidden.text
    categories = (await client.get("/api/v1/categories", headers=viewer)).json()["items"]
    assert [c["name"] for c in categories] == ["Drama"]
    genres = (await client.get("/api/v1/genres", headers=viewer)).json()["items"]
    assert genres == [{"id": noir["id"], "name": "Noir", "categories": [drama["id"]]}]
    assert later["id"] in {v["id"] for v in listed["items"]}


async def test_browsing_needs_a_signed_in_user_and_sane_input(catalog: CatalogHarness) -> None:
    assert (await catalog.client.get("/api/v1/videos")).status_code == 401
    assert (await catalog.client.get("/api/v1/categories")).status_code == 401
    for params in (
        {"sort": "-published"},
        {"year": "latest"},
        {"rating": "X"},
        {"limit": 1000},
        {"cursor": "e30"},
    ):
        response = await catalog.client.get("/api/v1/videos", params=params, headers=catalog.viewer)
        assert response.status_code == 422, params
    for path in ("/api/v1/videos/../admin/videos", "/api/v1/admin/uploads"):
        response = await catalog.client.get(path, headers=catalog.viewer)
        assert response.status_code in (403, 404), path
        assert "Big Buck Bunny" not in response.text
