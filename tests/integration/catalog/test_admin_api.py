"""Admin API of the catalog: CRUD, validation, referential rules, ETags, pages and events."""

from __future__ import annotations

import asyncio
import uuid

from tests.support.catalog import CatalogHarness

VIDEO = {"title": "Big Buck Bunny", "launch_year": 2008, "duration": 10, "rating": "L"}


async def seed(catalog: CatalogHarness) -> tuple[dict, dict, dict]:
    category = await catalog.create("categories", {"name": "Animation"})
    genre = await catalog.create("genres", {"name": "Comedy", "categories": [category["id"]]})
    video = await catalog.create(
        "videos", {**VIDEO, "categories": [category["id"]], "genres": [genre["id"]]}
    )
    return category, genre, video


async def test_crud_of_every_resource_with_etags_and_events(catalog: CatalogHarness) -> None:
    client, admin = catalog.client, catalog.admin
    for path, body, change in (
        ("categories", {"name": "Drama", "description": "Serious"}, {"is_active": False}),
        ("cast-members", {"name": "Ada", "type": "actor"}, {"type": "director"}),
        ("genres", {"name": "Noir"}, {"name": "Neo-noir"}),
        ("videos", VIDEO, {"published": True, "title": "Bunny"}),
    ):
        created = await client.post(f"/api/v1/admin/{path}", json=body, headers=admin)
        assert created.status_code == 201, created.text
        url = created.headers["location"]
        assert url == f"/api/v1/admin/{path}/{created.json()['id']}"
        read = await client.get(url, headers=admin)
        assert read.json() == created.json()
        tag = read.headers["etag"]
        changed = await client.patch(url, json=change, headers={**admin, "If-Match": tag})
        assert changed.status_code == 200, changed.text
        assert changed.headers["etag"] != tag
        assert all(changed.json()[k] == v for k, v in change.items())
        stale = await client.patch(url, json=change, headers={**admin, "If-Match": tag})
        assert stale.status_code == 412
        assert stale.headers["content-type"] == "application/problem+json"
        assert (await client.delete(url, headers=admin)).status_code == 204
        assert (await client.get(url, headers=admin)).status_code == 404
    kind = {"categories": "category", "cast-members": "cast_member", "genres": "genre"}
    for prefix in [*kind.values(), "video"]:
        for action in ("created", "updated", "deleted"):
            await catalog.wait_for_event(lambda e, t=f"{prefix}.{action}": e.type == t)


async def test_patch_needs_if_match(catalog: CatalogHarness) -> None:
    category = await catalog.create("categories", {"name": "Drama"})
    url = f"/api/v1/admin/categories/{category['id']}"
    response = await catalog.client.patch(url, json={"name": "X"}, headers=catalog.admin)
    assert response.status_code == 428
    assert response.json()["errors"][0]["loc"] == ["header", "If-Match"]


async def test_validation_names_every_offending_field(catalog: CatalogHarness) -> None:
    body = {"title": "", "launch_year": 1500, "duration": -1, "rating": "99", "colour": "red"}
    response = await catalog.client.post("/api/v1/admin/videos", json=body, headers=catalog.admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {tuple(e["loc"][1:]) for e in response.json()["errors"]}
    assert {("title",), ("launch_year",), ("duration",), ("rating",), ("colour",)} <= fields
    for hostile in ([], "null", {"name": None}, {"name": "x" * 256}, {"name": "   "}):
        response = await catalog.client.post(
            "/api/v1/admin/categories", json=hostile, headers=catalog.admin
        )
        assert response.status_code == 422, hostile
    category = await catalog.create("categories", {"name": "Drama"})
    response = await catalog.client.patch(
        f"/api/v1/admin/categories/{category['id']}",
        json={"name": None},
        headers={**catalog.admin, "If-Match": '"1"'},
    )
    assert response.status_code == 422
    response = await catalog.client.get(
        "/api/v1/admin/categories/not-a-uuid", headers=catalog.admin
    )
    assert response.status_code == 422


async def test_referential_rules(catalog: CatalogHarness) -> None:
    client, admin = catalog.client, catalog.admin
    missing = str(uuid.uuid4())
    response = await client.post(
        "/api/v1/admin/genres", json={"name": "Noir", "categories": [missing]}, headers=admin
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "categories", 0]
    category, genre, video = await seed(catalog)
    other = await catalog.create("categories", {"name": "Documentary"})
    response = await client.post(
        "/api/v1/admin/videos",
        json={
            **VIDEO,
            "categories": [other["id"]],
            "genres": [genre["id"]],
            "cast_members": [missing],
        },
        headers=admin,
    )
    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["errors"]]
    assert ["body", "genres", 0] in locs and ["body", "cast_members", 0] in locs
    response = await client.delete(f"/api/v1/admin/categories/{category['id']}", headers=admin)
    assert response.status_code == 409
    problem = response.json()
    assert "Comedy" in problem["detail"] and "Big Buck Bunny" in problem["detail"]
    assert {u["type"] for u in problem["used_by"]} == {"genre", "video"}
    response = await client.delete(f"/api/v1/admin/genres/{genre['id']}", headers=admin)
    assert response.status_code == 409 and "Big Buck Bunny" in response.json()["detail"]
    tag = (await client.get(f"/api/v1/admin/genres/{genre['id']}", headers=admin)).headers["etag"]
    response = await client.patch(
        f"/api/v1/admin/genres/{genre['id']}",
        json={"categories": [other["id"]]},
        headers={**admin, "If-Match": tag},
    )
    assert response.status_code == 409
    await client.delete(f"/api/v1/admin/videos/{video['id']}", headers=admin)
    await client.delete(f"/api/v1/admin/genres/{genre['id']}", headers=admin)
    response = await client.delete(f"/api/v1/admin/categories/{category['id']}", headers=admin)
    assert response.status_code == 204


async def test_cursor_pages_filters_and_sorts(catalog: CatalogHarness) -> None:
    for i in range(23):
        await catalog.create("categories", {"name": f"Cat {i:02d}", "is_active": i % 2 == 0})
    expected = [f"Cat {i:02d}" for i in range(23)]
    for sort, order in (("-name", expected[::-1]), ("created_at", expected)):
        seen, cursor = [], None
        while True:
            params = {"limit": 10, "sort": sort, **({"cursor": cursor} if cursor else {})}
            response = await catalog.client.get(
                "/api/v1/admin/categories", params=params, headers=catalog.admin
            )
            page = response.json()
            seen += [c["name"] for c in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == order, sort
    active = await catalog.client.get(
        "/api/v1/admin/categories",
        params={"is_active": "false", "name": "cat 1"},
        headers=catalog.admin,
    )
    assert [c["name"] for c in active.json()["items"]] == [f"Cat {i}" for i in (11, 13, 15, 17, 19)]
    first = await catalog.client.get(
        "/api/v1/admin/categories", params={"limit": 5}, headers=catalog.admin
    )
    cursor = first.json()["next_cursor"]
    for params in (
        {"cursor": "garbage!!"},
        {"cursor": cursor, "sort": "-created_at"},
        {"limit": 0},
        {"limit": 101},
        {"sort": "password"},
        {"name": "%' OR 1=1 --"},
    ):
        response = await catalog.client.get(
            "/api/v1/admin/categories", params=params, headers=catalog.admin
        )
        if "name" in params:
            assert response.status_code == 200 and response.json()["items"] == []
        else:
            assert response.status_code == 422, params


async def test_video_filters(catalog: CatalogHarness) -> None:
    category, genre, _video = await seed(catalog)
    actor = await catalog.create("cast-members", {"name": "Ada", "type": "actor"})
    other = await catalog.create(
        "videos",
        {
            **VIDEO,
            "title": "Sintel",
            "launch_year": 2010,
            "rating": "12",
            "cast_members": [actor["id"]],
        },
    )

    async def titles(**params: object) -> list[str]:
        response = await catalog.client.get(
            "/api/v1/admin/videos", params=params, headers=catalog.admin
        )
        return [v["title"] for v in response.json()["items"]]

    assert await titles(category=category["id"]) == ["Big Buck Bunny"]
    assert await titles(genre=genre["id"]) == ["Big Buck Bunny"]
    assert await titles(cast_member=actor["id"]) == ["Sintel"]
    assert await titles(year=2010) == ["Sintel"]
    assert await titles(rating="L") == ["Big Buck Bunny"]
    assert await titles(sort="title") == ["Big Buck Bunny", "Sintel"]
    assert await titles(sort="-launch_year") == ["Sintel", "Big Buck Bunny"]
    assert other["media"]["video"]["status"] == "pending"


async def test_only_catalog_admins_administer(catalog: CatalogHarness) -> None:
    response = await catalog.client.get("/api/v1/admin/videos")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    response = await catalog.client.get(
        "/api/v1/admin/videos", headers={"Authorization": "Bearer not.a.token"}
    )
    assert response.status_code == 401
    response = await catalog.client.post(
        "/api/v1/admin/categories", json={"name": "X"}, headers=catalog.viewer
    )
    assert response.status_code == 403


async def test_two_writers_with_the_same_etag_one_wins(catalog: CatalogHarness) -> None:
    category = await catalog.create("categories", {"name": "Drama"})
    url = f"/api/v1/admin/categories/{category['id']}"
    tag = (await catalog.client.get(url, headers=catalog.admin)).headers["etag"]
    responses = await asyncio.gather(
        *(
            catalog.client.patch(
                url, json={"name": f"Drama {i}"}, headers={**catalog.admin, "If-Match": tag}
            )
            for i in range(4)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 412, 412, 412]
    [winner] = [r.json()["name"] for r in responses if r.status_code == 200]
    assert (await catalog.client.get(url, headers=catalog.admin)).json()["name"] == winner
