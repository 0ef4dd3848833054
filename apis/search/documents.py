"""Search documents: what a published video looks like in the index, built from its catalog
state and the names of what it refers to."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from codeflix.events import MediaState, VideoState

# An upload in flight is nothing a viewer can watch yet (as browse shows it).
_VIEWER_STATUS = {"uploading": "pending"}
MEDIA_KINDS = ("video", "trailer", "banner", "thumbnail")


def state_key(kind: str, resource_id: str) -> str:
    """The id of a record in the state collection, e.g. ``category:<uuid>``."""
    return f"{kind}:{resource_id}"


def micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def sort_title(title: str) -> str:
    """Lower case without accents, so "Ação" sorts with "Acao" and before "Bunny"."""
    folded = unicodedata.normalize("NFKD", title.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def media_view(media: MediaState | None) -> dict[str, Any]:
    """A media slot as viewers see it: no storage locations, no internal error text."""
    if media is None:
        return {"status": "pending"}
    # Version 1 of the event tells a stream watchable while it encodes as ``processing`` with a
    # master playlist; viewers see it as browse shows it, ``playable``.
    state: str = "playable" if media.playable_while_encoding else media.status
    status = _VIEWER_STATUS.get(state, state)
    if status not in ("ready", "playable"):
        return {"status": status}
    return {
        "status": status,
        "duration_seconds": media.duration_seconds,
        "poster": media.poster,
        "thumbnails": media.thumbnails,
    }


def video_document(video: VideoState, names: Mapping[str, str], *, version: int) -> dict[str, Any]:
    """The document of a published video, from the state a catalog event carries.

    ``names`` maps state keys (``category:<id>``, ``genre:<id>``, ``cast_member:<id>``) to
    names; an id without a name (its event has not arrived, or it is inactive) is left out of
    the text and the facets and filled in when its event comes.
    """
    return _document(
        {
            "id": video.id,
            "title": video.title,
            "description": video.description,
            "launch_year": video.launch_year,
            "duration": video.duration,
            "rating": video.rating,
            "opened": video.opened,
            "categories": video.categories,
            "genres": video.genres,
            "cast_members": video.cast_members,
            "created_at": video.created_at,
            "media": {kind: media_view(video.media.get(kind)) for kind in MEDIA_KINDS},  # type: ignore[call-overload]
        },
        names,
        version=version,
    )


def view_document(
    view: Mapping[str, Any], names: Mapping[str, str], *, version: int
) -> dict[str, Any]:
    """The document of a published video, from what the catalog's browse API shows."""
    media = {kind: view.get("media", {}).get(kind) or {"status": "pending"} for kind in MEDIA_KINDS}
    return _document(
        {**view, "created_at": datetime.fromisoformat(view["created_at"]), "media": media},
        names,
        version=version,
    )


def _document(
    video: Mapping[str, Any], names: Mapping[str, str], *, version: int
) -> dict[str, Any]:
    def named(kind: str, ids: list[str]) -> list[dict[str, str]]:
        return [
            {"id": i, "name": names[state_key(kind, i)]} for i in ids if state_key(kind, i) in names
        ]

    ids = {k: [str(i) for i in video[k]] for k in ("categories", "genres", "cast_members")}
    categories = named("category", ids["categories"])
    genres = named("genre", ids["genres"])
    cast = named("cast_member", ids["cast_members"])
    created_at: datetime = video["created_at"]
    document: dict[str, Any] = {
        "id": str(video["id"]),
        "title": video["title"],
        "sort_title": sort_title(video["title"]),
        "cast_names": [c["name"] for c in cast],
        "genre_names": [g["name"] for g in genres],
        "category_names": [c["name"] for c in categories],
        "category_ids": ids["categories"],
        "genre_ids": ids["genres"],
        "cast_member_ids": ids["cast_members"],
        "category_facet": [f"{c['id']}:{c['name']}" for c in categories],
        "genre_facet": [f"{g['id']}:{g['name']}" for g in genres],
        "launch_year": video["launch_year"],
        "rating": video["rating"],
        "created_at": micros(created_at),
        "created_at_iso": created_at.isoformat(),
        # Stored, not indexed: what a hit shows besides the indexed fields.
        "duration": video["duration"],
        "opened": video["opened"],
        "categories": categories,
        "genres": genres,
        "cast": cast,
        "media": video["media"],
        "version": version,
    }
    if video.get("description"):
        document["description"] = video["description"]
    return document


def rename(document: dict[str, Any], kind: str, ref_id: str, name: str | None) -> dict[str, Any]:
    """The document with the category, genre or cast member ``ref_id`` renamed (or, with
    ``name=None``, left out because it was deleted or deactivated)."""
    field = {"category": "categories", "genre": "genres", "cast_member": "cast"}[kind]
    ids = document[{"category": "category_ids", "genre": "genre_ids"}.get(kind, "cast_member_ids")]
    refs = [r for r in document.get(field, []) if r["id"] != ref_id]
    if name is not None:
        refs.append({"id": ref_id, "name": name})
    refs.sort(key=lambda r: ids.index(r["id"]) if r["id"] in ids else len(ids))
    updated = {**document, field: refs}
    names = [r["name"] for r in refs]
    if kind == "category":
        updated["category_names"] = names
        updated["category_facet"] = [f"{r['id']}:{r['name']}" for r in refs]
    elif kind == "genre":
        updated["genre_names"] = names
        updated["genre_facet"] = [f"{r['id']}:{r['name']}" for r in refs]
    else:
        updated["cast_names"] = names
    return updated
