"""The fields of search's two Typesense collections, and how a query weighs them."""

from __future__ import annotations

from typing import Any

# Relevance weights: a match in the title counts most, then cast, genres and categories, then
# the description. Default locale: Typesense folds accents ("acao" finds "Ação") and
# tolerates typos; a field with locale "pt" would do neither in this server version.
QUERY_BY = ("title", "cast_names", "genre_names", "category_names", "description")
QUERY_WEIGHTS = (8, 4, 2, 2, 1)

VIDEO_FIELDS: list[dict[str, Any]] = [
    {"name": "title", "type": "string"},
    {"name": "sort_title", "type": "string", "sort": True},
    {"name": "description", "type": "string", "optional": True},
    {"name": "cast_names", "type": "string[]"},
    {"name": "genre_names", "type": "string[]"},
    {"name": "category_names", "type": "string[]"},
    {"name": "category_ids", "type": "string[]"},
    {"name": "genre_ids", "type": "string[]"},
    {"name": "cast_member_ids", "type": "string[]"},
    # "<id>:<name>" so a facet count names the value and gives the id to filter by.
    {"name": "category_facet", "type": "string[]", "facet": True},
    {"name": "genre_facet", "type": "string[]", "facet": True},
    {"name": "launch_year", "type": "int32", "facet": True, "sort": True},
    {"name": "rating", "type": "string", "facet": True},
    {"name": "created_at", "type": "int64", "sort": True},
]
STATE_FIELDS: list[dict[str, Any]] = [
    {"name": "kind", "type": "string", "facet": True},
    {"name": "key", "type": "string"},
    {"name": "version", "type": "int64"},
    {"name": "deleted", "type": "bool"},
    # When this process wrote it (not when the event happened): a rebuild catches up on
    # every record written since it started.
    {"name": "applied_at", "type": "int64"},
]
