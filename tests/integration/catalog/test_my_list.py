"""My list and the parental limit in the catalog, on SQLite and PostgreSQL, with real tokens."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.support.catalog import CatalogHarness
from tests.support.identity import IdentityHarness

VIDEO = {"title": "Big Buck Bunny", "launch_year": 2008, "duration": 10, "rating": "L"}
LIST = "/api/v1/me/list"


async def titles(catalog: CatalogHarness, headers: dict[str, str], **params: Any) -> list[str]:
    response = await catalog.client.get(LIST, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [item["video"]["title"] for item in response.json()["items"]]


async def test_my_list_is_newest_first_paged_and_per_viewer(
    catalog: CatalogHarness, identity: IdentityHarness
) -> None:
    client = catalog.client
    ada, bob = identity.headers(subject="ada"), identity.headers(subject="bob")
    videos = [
        await catalog.create("videos", {**VIDEO, "title": f"Film {i}", "published": True})
        for i in range(5)
    ]
    for video in videos:
        assert (await client.put(f"{LIST}/{video['id']}", headers=ada)).status_code == 204
        await asyncio.sleep(0.002)  # distinct times of adding, as a person's clicks have
    again = await client.put(f"{LIST}/{videos[0]['id']}", headers=ada)
    assert again.status_code == 204  # saving twice keeps the first place
    await client.put(f"{LIST}/{videos[2]['id']}", headers=bob)

    assert await titles(catalog, ada) == ["Film 4", "Film 3", "Film 2", "Film 1", "Film 0"]
    assert await titles(catalog, bob) == ["Film 2"]
    first = (await client.get(LIST, headers=ada, params={"limit": 2})).json()
    assert [i["video"]["title"] for i in first["items"]] == ["Film 4", "Film 3"]
    assert first["items"][0]["added_at"] >= first["items"][1]["added_at"]
    seen = [i["video"]["title"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = (await client.get(LIST, headers=ada, params={"limit": 2, "cursor": cursor})).json()
        seen += [i["video"]["title"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ["Film 4", "Film 3", "Film 2", "Film 1", "Film 0"]

    assert (await client.delete(f"{LIST}/{videos[3]['id']}", headers=ada)).status_code == 204
    assert (await client.delete(f"{LIST}/{videos[3]['id']}", headers=ada)).status_code == 204
    assert await titles(catalog, ada) == ["Film 4", "Film 2", "Film 1", "Film 0"]
    assert await titles(catalog, bob) == ["Film 2"]  # ada's changes are hers alone


async def test_unpublished_titles_drop_out_and_deleted_ones_are_gone(
    catalog: CatalogHarness, identity: IdentityHarness
) -> None:
    client, ada = catalog.client, identity.headers(subject="ada")
    kept = await catalog.create("videos", {**VIDEO, "title": "Kept", "published": True})
    pulled = await catalog.create("videos", {**VIDEO, "title": "Pulled", "published": True})
    deleted = await catalog.create("videos", {**VIDEO, "title": "Deleted", "published": True})
    for video in (kept, pulled, deleted):
        await client.put(f"{LIST}/{video['id']}", headers=ada)
    assert sorted(await titles(catalog, ada)) == ["Deleted", "Kept", "Pulled"]

    current = await client.get(f"/api/v1/admin/videos/{pulled['id']}", headers=catalog.admin)
    unpublish = await client.patch(
        f"/api/v1/admin/videos/{pulled['id']}",
        json={"published": False},
        headers={**catalog.admin, "If-Match": current.headers["etag"]},
    )
    assert unpublish.status_code == 200, unpublish.text
    removed = await client.delete(f"/api/v1/admin/videos/{deleted['id']}", headers=catalog.admin)
    assert removed.status_code == 204
    assert await titles(catalog, ada) == ["Kept"]
    # An unpublished title cannot be saved either, and looks like a missing one.
    refused = await client.put(f"{LIST}/{pulled['id']}", headers=identity.headers(subject="bob"))
    assert refused.status_code == 404


async def test_my_list_refuses_what_it_should(
    catalog: CatalogHarness, identity: IdentityHarness
) -> None:
    client, ada = catalog.client, identity.headers(subject="ada")
    video = await catalog.create("videos", {**VIDEO, "published": True})
    assert (await client.get(LIST)).status_code == 401
    assert (await client.put(f"{LIST}/{video['id']}")).status_code == 401
    assert (await client.put(f"{LIST}/{uuid.uuid4()}", headers=ada)).status_code == 404
    for bad in ("not-a-uuid", "1%20OR%201=1", "%00"):
        assert (await client.put(f"{LIST}/{bad}", headers=ada)).status_code == 422, bad
    # A path that climbs out of the list matches no route at all.
    assert (await client.put(f"{LIST}/..%2F..%2Fadmin", headers=ada)).status_code == 404
    for params in ({"limit": 0}, {"limit": 101}, {"cursor": "garbage!"}, {"cursor": "e30"},
                   {"cursor": "x" * 1001}):  # fmt: skip
        response = await client.get(LIST, headers=ada, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


async def test_a_parental_limit_hides_titles_rated_above_it(
    catalog: CatalogHarness, identity: IdentityHarness
) -> None:
    client = catalog.client
    for title, rating in (("Toddlers", "ER"), ("Family", "L"), ("Teen", "12"),
                          ("Older teen", "16"), ("Adults", "18")):  # fmt: skip
        await catalog.create(
            "videos", {**VIDEO, "title": title, "rating": rating, "published": True}
        )
    by_title = {
        v["title"]: v
        for v in (await client.get("/api/v1/videos", headers=catalog.viewer)).json()["items"]
    }
    child = identity.headers(subject="kid", max_rating="12")
    shown = (await client.get("/api/v1/videos", headers=child, params={"sort": "title"})).json()
    assert [v["title"] for v in shown["items"]] == ["Family", "Teen", "Toddlers"]
    asked = await client.get("/api/v1/videos", headers=child, params={"rating": "18"})
    assert asked.json()["items"] == []
    adults = by_title["Adults"]["id"]
    assert (await client.get(f"/api/v1/videos/{adults}", headers=child)).status_code == 404
    teen = by_title["Teen"]["id"]
    assert (await client.get(f"/api/v1/videos/{teen}", headers=child)).status_code == 200
    assert (await client.put(f"{LIST}/{adults}", headers=child)).status_code == 404
    assert (await client.put(f"{LIST}/{teen}", headers=child)).status_code == 204

    # The parent saved an adult title; under the child's limit it is not in the list.
    parent = identity.headers(subject="kid")
    assert (await client.put(f"{LIST}/{adults}", headers=parent)).status_code == 204
    assert await titles(catalog, parent) == ["Adults", "Teen"]
    assert await titles(catalog, child) == ["Teen"]
    strictest = identity.headers(subject="kid", max_rating="ER")
    assert await titles(catalog, strictest) == []
    # A limit the catalog does not know must not open everything.
    unknown = identity.headers(subject="kid", max_rating="PG-13")
    listed = (await client.get("/api/v1/videos", headers=unknown)).json()["items"]
    assert [v["title"] for v in listed] == ["Toddlers"]
