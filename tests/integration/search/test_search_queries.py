"""Searching the published catalog on a real Typesense: typos, prefixes, accents, synonyms,
facets, filters, sorting, pagination and the problems a bad query gets."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.search.conftest import SearchHarness, ref_state, video_state

ANIMATION, DRAMA = str(uuid.uuid4()), str(uuid.uuid4())
COMEDY = str(uuid.uuid4())
ANA, JOSE = str(uuid.uuid4()), str(uuid.uuid4())


async def seed(search: SearchHarness) -> dict[str, str]:
    await search.send("category.created", ref_state(ANIMATION, "Animação", is_active=True))
    await search.send("category.created", ref_state(DRAMA, "Drama", is_active=True))
    await search.send("genre.created", ref_state(COMEDY, "Comédia", is_active=True,
                                                 categories=[ANIMATION]))  # fmt: skip
    await search.send("cast_member.created", ref_state(ANA, "Ana Souza", type="actor"))
    await search.send("cast_member.created", ref_state(JOSE, "José Lima", type="director"))
    videos = {
        "bunny": video_state(title="Big Buck Bunny", launch_year=2008, rating="L",
                             categories=[ANIMATION], genres=[COMEDY], cast_members=[ANA],
                             description="A giant rabbit takes revenge."),
        "acao": video_state(title="Ação na Cidade", launch_year=1999, rating="16",
                            categories=[DRAMA], cast_members=[JOSE]),
        "coracao": video_state(title="Meu coracao", launch_year=2015, rating="12",
                               categories=[DRAMA], description="Um drama de família."),
        "sintel": video_state(title="Sintel", launch_year=2010, rating="12",
                              categories=[ANIMATION], cast_members=[ANA],
                              description="A girl looks for her dragon, bunny of her heart."),
        "hidden": video_state(title="Bunny Secrets", published=False),
    }  # fmt: skip
    for data in videos.values():
        await search.send("video.created", data)
    return {name: data["id"] for name, data in videos.items()}


async def test_typos_prefixes_and_accents_both_ways(search: SearchHarness) -> None:
    await seed(search)
    assert await search.titles("buny") == ["Big Buck Bunny", "Sintel"]
    assert await search.titles("Sint") == ["Sintel"]
    assert await search.titles("acao") == ["Ação na Cidade"]
    assert await search.titles("coração") == ["Meu coracao"]
    assert await search.titles("jose lima") == ["Ação na Cidade"]


async def test_only_published_videos_are_found(search: SearchHarness) -> None:
    await seed(search)
    assert "Bunny Secrets" not in await search.titles("bunny secrets")


async def test_title_outweighs_description(search: SearchHarness) -> None:
    await seed(search)
    # "bunny" is in Big Buck Bunny's title and only in Sintel's description.
    assert (await search.titles("bunny"))[0] == "Big Buck Bunny"


async def test_hits_carry_what_browse_carries_and_highlights(search: SearchHarness) -> None:
    ids = await seed(search)
    hit = (await search.search(q="bunny"))["items"][0]
    assert hit["id"] == ids["bunny"]
    assert hit["categories"] == [{"id": ANIMATION, "name": "Animação"}]
    assert hit["genres"] == [{"id": COMEDY, "name": "Comédia"}]
    assert hit["cast_members"] == [{"id": ANA, "name": "Ana Souza"}]
    assert hit["media"]["video"] == {
        "status": "ready", "duration_seconds": 596.5, "poster": "videos/x/hls/poster.jpg",
        "thumbnails": None,
    }  # fmt: skip
    assert {"field": "title", "snippet": "Big Buck <mark>Bunny</mark>"} in hit["highlights"]
    # Nothing internal: no storage location of the master, no versions, no sort keys.
    text = str(hit)
    assert "raw/x" not in text and "master.m3u8" not in text
    assert not {"version", "sort_title", "category_facet", "published"} & set(hit)


async def test_highlights_never_carry_markup_from_the_catalog(search: SearchHarness) -> None:
    hostile = video_state(
        title='Rabbit <img src=x onerror="alert(1)"> & friends', launch_year=2001, rating="L"
    )
    await search.send("video.created", hostile)
    hit = (await search.search(q="rabbit"))["items"][0]
    [title] = [h["snippet"] for h in hit["highlights"] if h["field"] == "title"]
    assert title == (
        "<mark>Rabbit</mark> &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; friends"
    )
    assert hit["title"] == hostile["title"]  # the plain field stays plain text
    async with search.client() as client:
        answer = await client.get(
            "/api/v1/search/suggest", params={"q": "rabb"}, headers=search.viewer()
        )
    [suggestion] = answer.json()["items"]
    assert "<img" not in suggestion["highlight"] and "<mark>" in suggestion["highlight"]


async def test_a_parental_limit_hides_titles_rated_above_it(search: SearchHarness) -> None:
    await seed(search)
    limited = search.identity.headers(max_rating="12")
    async with search.client() as client:
        found = await client.get("/api/v1/search", params={"q": ""}, headers=limited)
        suggested = await client.get("/api/v1/search/suggest", params={"q": "aca"}, headers=limited)
        strictest = await client.get(
            "/api/v1/search", params={"q": "", "rating": "16"}, headers=limited
        )
    body = found.json()
    assert sorted(hit["title"] for hit in body["items"]) == [
        "Big Buck Bunny", "Meu coracao", "Sintel"
    ]  # fmt: skip
    assert "16" not in {f["value"] for f in body["facets"]["rating"]}
    assert suggested.json()["items"] == []  # "Ação na Cidade" is rated 16
    assert strictest.json()["items"] == []  # asking for the rating does not lift the limit
    assert "Ação na Cidade" in await search.titles("acao")  # no limit: found


async def test_facets_count_category_genre_year_and_rating(search: SearchHarness) -> None:
    await seed(search)
    facets = (await search.search(q=""))["facets"]
    assert {(f["value"], f["label"], f["count"]) for f in facets["category"]} == {
        (ANIMATION, "Animação", 2), (DRAMA, "Drama", 2)
    }  # fmt: skip
    assert facets["genre"] == [{"value": COMEDY, "label": "Comédia", "count": 1}]
    assert {f["value"]: f["count"] for f in facets["rating"]} == {"L": 1, "16": 1, "12": 2}
    assert [f["value"] for f in facets["year"]] == ["2015", "2010", "2008", "1999"]


async def test_filters_combine(search: SearchHarness) -> None:
    await seed(search)
    assert sorted(await search.titles("", category=ANIMATION)) == ["Big Buck Bunny", "Sintel"]
    assert await search.titles("", genre=COMEDY) == ["Big Buck Bunny"]
    assert sorted(await search.titles("", cast_member=ANA)) == ["Big Buck Bunny", "Sintel"]
    assert await search.titles("", year_from=2009, year_to=2012) == ["Sintel"]
    assert await search.titles("", rating="12", category=DRAMA) == ["Meu coracao"]


async def test_sorts_by_year_and_title(search: SearchHarness) -> None:
    await seed(search)
    assert await search.titles("", sort="year") == [
        "Ação na Cidade", "Big Buck Bunny", "Sintel", "Meu coracao"
    ]  # fmt: skip
    assert await search.titles("", sort="title") == [
        "Ação na Cidade", "Big Buck Bunny", "Meu coracao", "Sintel"
    ]  # fmt: skip
    assert (await search.titles("", sort="-title"))[0] == "Sintel"


async def test_pages_cover_every_hit_once(search: SearchHarness) -> None:
    await seed(search)
    seen, page = [], 1
    while page:
        body = await search.search(q="", sort="title", per_page=3, page=page)
        assert body["found"] == 4
        seen += [hit["title"] for hit in body["items"]]
        page = body["next_page"]
    assert seen == ["Ação na Cidade", "Big Buck Bunny", "Meu coracao", "Sintel"]


async def test_suggest_gives_a_few_titles_as_you_type(search: SearchHarness) -> None:
    await seed(search)
    async with search.client() as client:
        r = await client.get("/api/v1/search/suggest", params={"q": "big b"},
                             headers=search.viewer())  # fmt: skip
    assert r.status_code == 200
    assert [s["title"] for s in r.json()["items"]] == ["Big Buck Bunny"]
    assert "<mark>" in r.json()["items"][0]["highlight"]


async def test_synonyms_are_managed_by_catalog_admins(search: SearchHarness) -> None:
    await seed(search)
    assert await search.titles("rabbit") == ["Big Buck Bunny"]  # its description says so
    async with search.client() as client:
        body = {"synonyms": ["coelho", "bunny", "rabbit"]}
        r = await client.put("/api/v1/admin/search/synonyms/coelho", json=body,
                             headers=search.viewer())  # fmt: skip
        assert r.status_code == 403
        r = await client.put("/api/v1/admin/search/synonyms/coelho", json=body,
                             headers=search.admin())  # fmt: skip
        assert r.status_code == 200, r.text
        assert set(await search.titles("coelho")) == {"Big Buck Bunny", "Sintel"}
        r = await client.get("/api/v1/admin/search/synonyms", headers=search.admin())
        assert r.json()["items"] == [
            {"id": "coelho", "synonyms": ["coelho", "bunny", "rabbit"], "root": None}
        ]
        r = await client.delete("/api/v1/admin/search/synonyms/coelho", headers=search.admin())
        assert r.status_code == 204
        assert await search.titles("coelho") == []
        r = await client.delete("/api/v1/admin/search/synonyms/coelho", headers=search.admin())
        assert r.status_code == 404


async def test_bad_queries_are_422_problems_and_long_ones_are_not_sent(
    search: SearchHarness,
) -> None:
    await seed(search)
    async with search.client() as client:
        # A query string past 8 KiB is refused by every service before routing (414).
        r = await client.get("/api/v1/search", params={"q": "x" * 10_000}, headers=search.viewer())
        assert r.status_code == 414
        assert r.headers["content-type"] == "application/problem+json"
        for params in (
            {"q": "x" * 201},
            {"q": "a", "category": "not-a-uuid"},
            {"q": "a", "year_from": "soon"},
            {"q": "a", "rating": "99"},
            {"q": "a", "sort": "price"},
            {"q": "a", "page": 0},
            {"q": "a", "per_page": 1000},
        ):
            r = await client.get("/api/v1/search", params=params, headers=search.viewer())
            assert r.status_code == 422, params
            assert r.headers["content-type"] == "application/problem+json"
        # Filter syntax in the query is only text to look for.
        r = await client.get("/api/v1/search", params={"q": "bunny && rating:=18"},
                             headers=search.viewer())  # fmt: skip
        assert r.status_code == 200


async def test_search_needs_a_signed_in_viewer(search: SearchHarness) -> None:
    async with search.client() as client:
        r = await client.get("/api/v1/search", params={"q": "bunny"})
    assert r.status_code == 401


async def test_unknown_search_path_is_a_404_problem(search: SearchHarness) -> None:
    async with search.client() as client:
        r = await client.get("/api/v1/search/nothing", headers=search.viewer())
    assert r.status_code == 404
    assert isinstance(r, httpx.Response)
