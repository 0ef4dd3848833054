"""Search documents and query parameters, without Typesense."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from apis.search.documents import rename, sort_title, state_key, video_document
from apis.search.service import SearchQuery, _facets, search_parameters
from codeflix.events import VideoState

A, B, C = (str(uuid.uuid4()) for _ in range(3))


def video(**changes: object) -> VideoState:
    data: dict[str, object] = {
        "id": str(uuid.uuid4()), "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "updated_at": datetime(2026, 1, 2, tzinfo=UTC), "title": "Ação", "description": None,
        "launch_year": 2001, "duration": 90, "rating": "12", "opened": True, "published": True,
        "categories": [A, B], "genres": [], "cast_members": [C],
        "media": {"video": {"status": "uploading", "raw_location": "raw/secret.mp4"},
                  "banner": {"status": "ready", "encoded_location": "img/banner.jpg",
                             "error": "internal detail"}},
    }  # fmt: skip
    data.update(changes)
    return VideoState.model_validate(data)


def test_a_document_carries_names_in_the_videos_order_and_nothing_internal() -> None:
    names = {state_key("category", B): "Drama", state_key("category", A): "Ação",
             state_key("cast_member", C): "Ana"}  # fmt: skip
    doc = video_document(video(), names, version=7)
    assert doc["categories"] == [{"id": A, "name": "Ação"}, {"id": B, "name": "Drama"}]
    assert doc["category_facet"] == [f"{A}:Ação", f"{B}:Drama"]
    assert doc["cast_names"] == ["Ana"] and doc["version"] == 7
    assert doc["media"]["video"] == {"status": "pending"}  # an upload in flight
    assert "raw/secret.mp4" not in str(doc) and "internal detail" not in str(doc)
    assert "description" not in doc  # optional field left out rather than null


def test_a_stream_watchable_while_it_encodes_is_playable_as_browse_shows_it() -> None:
    encoding = {"status": "processing", "encoded_location": "videos/x/hls/master.m3u8",
                "duration_seconds": 12.5, "poster": "videos/x/poster.jpg"}  # fmt: skip
    doc = video_document(video(media={"video": encoding}), {}, version=3)
    expected = {"status": "playable", "duration_seconds": 12.5, "poster": "videos/x/poster.jpg",
                "thumbnails": None}  # fmt: skip
    assert doc["media"]["video"] == expected
    still = video_document(video(media={"video": {"status": "processing"}}), {}, version=4)
    assert still["media"]["video"] == {"status": "processing"}  # nothing to watch yet


def test_an_id_without_a_known_name_stays_filterable_but_out_of_text_and_facets() -> None:
    doc = video_document(video(), {}, version=1)
    assert doc["category_ids"] == [A, B]
    assert doc["category_names"] == [] and doc["category_facet"] == []


def test_rename_replaces_one_name_keeps_the_order_and_can_remove_it() -> None:
    names = {state_key("category", A): "Ação", state_key("category", B): "Drama"}
    doc = video_document(video(), names, version=1)
    renamed = rename(doc, "category", A, "Aventura")
    assert renamed["category_names"] == ["Aventura", "Drama"]
    assert renamed["category_facet"] == [f"{A}:Aventura", f"{B}:Drama"]
    removed = rename(renamed, "category", B, None)
    assert removed["category_names"] == ["Aventura"] and removed["category_ids"] == [A, B]
    back = rename(removed, "category", B, "Drama")
    assert back["category_names"] == ["Aventura", "Drama"]
    assert doc["category_names"] == ["Ação", "Drama"]  # the original is left alone


def test_sort_title_folds_case_and_accents() -> None:
    assert sorted(["Bunny", "ação", "Acid"], key=sort_title) == ["ação", "Acid", "Bunny"]
    assert sort_title("CORAÇÃO") == "coracao"


def test_filters_are_built_from_validated_values_only() -> None:
    category = uuid.uuid4()
    params = search_parameters(
        SearchQuery(q="  ", category=category, year_from=1990, year_to=2000, rating="16")
    )
    assert params["q"] == "*"
    assert params["filter_by"] == (
        f"category_ids:=[`{category}`] && launch_year:>=1990 && launch_year:<=2000 && rating:=`16`"
    )
    assert "filter_by" not in search_parameters(SearchQuery(q="bunny"))
    assert search_parameters(SearchQuery(q="x", sort="-year"))["sort_by"].startswith(
        "launch_year:desc"
    )


def test_facets_give_ids_to_filter_by_and_names_to_show() -> None:
    result = {"facet_counts": [
        {"field_name": "category_facet", "counts": [{"value": f"{A}:Ação: a saga", "count": 2}]},
        {"field_name": "launch_year", "counts": [{"value": "1999", "count": 1},
                                                 {"value": "2008", "count": 3}]},
    ]}  # fmt: skip
    facets = _facets(result)
    assert facets.category[0].value == A and facets.category[0].label == "Ação: a saga"
    assert [f.value for f in facets.year] == ["2008", "1999"]
    assert facets.genre == [] and facets.rating == []
