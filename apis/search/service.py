"""Search queries, suggestions and synonyms, over the index; nothing here knows of FastAPI."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apis.search import schemas
from apis.search.fields import QUERY_BY, QUERY_WEIGHTS
from apis.search.index import SearchQueryError, TypesenseIndex
from codeflix.problems import NotFound, UnprocessableContent
from codeflix.ratings import allowed_ratings

SORTS = {
    "relevance": "_text_match:desc,created_at:desc",
    "year": "launch_year:asc,_text_match:desc",
    "-year": "launch_year:desc,_text_match:desc",
    "title": "sort_title:asc",
    "-title": "sort_title:desc",
}
# Typesense marks matches with these private-use characters; the snippet is then HTML-escaped
# and only they become <mark> tags, so catalog text can never inject markup into a page.
_MARK_START, _MARK_END = "\ue000", "\ue001"
HIGHLIGHT = {"highlight_start_tag": _MARK_START, "highlight_end_tag": _MARK_END}


def _marked(snippet: str) -> str:
    """Safe HTML: the snippet's text escaped, its matches in ``<mark>…</mark>``."""
    escaped = html.escape(snippet, quote=True)
    return escaped.replace(_MARK_START, "<mark>").replace(_MARK_END, "</mark>")


_FIELD_NAMES = {
    "title": "title",
    "cast_names": "cast_members",
    "genre_names": "genres",
    "category_names": "categories",
    "description": "description",
}
# Characters with a meaning in Typesense's filter syntax are never taken from a query.
_SYNONYM_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


@dataclass(frozen=True)
class SearchQuery:
    q: str
    category: uuid.UUID | None = None
    genre: uuid.UUID | None = None
    cast_member: uuid.UUID | None = None
    year_from: int | None = None
    year_to: int | None = None
    rating: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    max_rating: str | None = None  # the viewer's parental limit, from the token


def _rating_limit(max_rating: str | None) -> str | None:
    if max_rating is None:
        return None
    return "rating:=[" + ",".join(f"`{r}`" for r in allowed_ratings(max_rating)) + "]"


def _filter(query: SearchQuery) -> str:
    # Ids are UUIDs and years ints (validated at the edge), so nothing here can inject syntax.
    clauses = []
    if query.category:
        clauses.append(f"category_ids:=[`{query.category}`]")
    if query.genre:
        clauses.append(f"genre_ids:=[`{query.genre}`]")
    if query.cast_member:
        clauses.append(f"cast_member_ids:=[`{query.cast_member}`]")
    if query.year_from is not None:
        clauses.append(f"launch_year:>={query.year_from}")
    if query.year_to is not None:
        clauses.append(f"launch_year:<={query.year_to}")
    if query.rating:
        clauses.append(f"rating:=`{query.rating}`")
    if (limit := _rating_limit(query.max_rating)) is not None:
        clauses.append(limit)
    return " && ".join(clauses)


def _named(refs: list[dict[str, str]]) -> list[schemas.Named]:
    return [schemas.Named(id=uuid.UUID(r["id"]), name=r["name"]) for r in refs]


def _highlights(hit: dict[str, Any]) -> list[schemas.Highlight]:
    found: list[schemas.Highlight] = []
    for h in hit.get("highlights", []):
        field = _FIELD_NAMES.get(h["field"])
        if field is None:
            continue
        snippets = h.get("snippets") or ([h["snippet"]] if "snippet" in h else [])
        found.extend(schemas.Highlight(field=field, snippet=_marked(s)) for s in snippets)
    return found


def _hit(hit: dict[str, Any]) -> schemas.SearchHit:
    doc = hit["document"]
    return schemas.SearchHit(
        id=uuid.UUID(doc["id"]),
        title=doc["title"],
        description=doc.get("description"),
        launch_year=doc["launch_year"],
        duration=doc["duration"],
        rating=doc["rating"],
        opened=doc["opened"],
        categories=_named(doc.get("categories", [])),
        genres=_named(doc.get("genres", [])),
        cast_members=_named(doc.get("cast", [])),
        media=doc["media"],
        created_at=doc.get("created_at_iso")
        or datetime.fromtimestamp(doc["created_at"] / 1e6, UTC),
        highlights=_highlights(hit),
    )


def _facets(result: dict[str, Any]) -> schemas.Facets:
    counts = {f["field_name"]: f["counts"] for f in result.get("facet_counts", [])}

    def split(field: str) -> list[schemas.FacetValue]:
        values = []
        for c in counts.get(field, []):
            ref_id, _, label = str(c["value"]).partition(":")
            values.append(schemas.FacetValue(value=ref_id, label=label, count=c["count"]))
        return values

    def plain(field: str) -> list[schemas.FacetValue]:
        return [
            schemas.FacetValue(value=str(c["value"]), label=str(c["value"]), count=c["count"])
            for c in counts.get(field, [])
        ]

    return schemas.Facets(
        category=split("category_facet"),
        genre=split("genre_facet"),
        year=sorted(plain("launch_year"), key=lambda v: v.value, reverse=True),
        rating=plain("rating"),
    )


def search_parameters(query: SearchQuery) -> dict[str, Any]:
    """The Typesense search parameters of ``query``."""
    parameters: dict[str, Any] = {
        "q": query.q.strip() or "*",
        "query_by": ",".join(QUERY_BY),
        "query_by_weights": ",".join(str(w) for w in QUERY_WEIGHTS),
        "sort_by": SORTS[query.sort],
        "facet_by": "category_facet,genre_facet,launch_year,rating",
        "max_facet_values": 20,
        "page": query.page,
        "per_page": query.per_page,
        "highlight_fields": ",".join(QUERY_BY),
        "exclude_fields": "sort_title,category_facet,genre_facet",
        **HIGHLIGHT,
    }
    filter_by = _filter(query)
    if filter_by:
        parameters["filter_by"] = filter_by
    return parameters


async def search(*, index: TypesenseIndex, query: SearchQuery) -> schemas.SearchPage:
    """Published videos matching ``query``, with facet counts and highlights."""
    try:
        result = await index.search(search_parameters(query))
    except SearchQueryError as e:
        raise UnprocessableContent(f"the search was refused: {e}") from e
    found = int(result["found"])
    more = query.page * query.per_page < found
    return schemas.SearchPage(
        items=[_hit(h) for h in result["hits"]],
        found=found,
        page=query.page,
        per_page=query.per_page,
        next_page=query.page + 1 if more else None,
        facets=_facets(result),
    )


async def suggest(
    *, index: TypesenseIndex, q: str, limit: int, max_rating: str | None = None
) -> schemas.Suggestions:
    """A few titles that start like ``q``, for search-as-you-type, within a parental limit."""
    rating_limit = _rating_limit(max_rating)
    result = await index.search(
        {
            **({"filter_by": rating_limit} if rating_limit else {}),
            "q": q.strip() or "*",
            "query_by": "title",
            "prefix": "true",
            "per_page": limit,
            "include_fields": "id,title",
            "highlight_fields": "title",
            **HIGHLIGHT,
        }
    )
    items = []
    for hit in result["hits"]:
        snippet = next((h.get("snippet") for h in hit.get("highlights", [])), None)
        doc = hit["document"]
        items.append(
            schemas.Suggestion(
                id=uuid.UUID(doc["id"]),
                title=doc["title"],
                highlight=_marked(snippet or doc["title"]),
            )
        )
    return schemas.Suggestions(items=items)


# -- synonyms ---------------------------------------------------------------------------------
def _synonym(raw: dict[str, Any]) -> schemas.SynonymOut:
    return schemas.SynonymOut(id=raw["id"], synonyms=raw["synonyms"], root=raw.get("root") or None)


def _check_id(synonym_id: str) -> None:
    if not _SYNONYM_ID.match(synonym_id):
        raise UnprocessableContent("a synonym id is 1-100 letters, digits, '_' or '-'")


async def list_synonyms(*, index: TypesenseIndex) -> schemas.SynonymList:
    return schemas.SynonymList(items=[_synonym(s) for s in await index.synonyms()])


async def put_synonym(
    *, index: TypesenseIndex, synonym_id: str, synonym: schemas.SynonymIn
) -> schemas.SynonymOut:
    _check_id(synonym_id)
    words = [w.strip() for w in synonym.synonyms if w.strip()]
    if len(words) < (1 if synonym.root else 2):
        raise UnprocessableContent("synonyms need two words, or a root and one word")
    body: dict[str, Any] = {"synonyms": words}
    if synonym.root:
        body["root"] = synonym.root.strip()
    return _synonym(await index.put_synonym(synonym_id, body))


async def delete_synonym(*, index: TypesenseIndex, synonym_id: str) -> None:
    _check_id(synonym_id)
    if not await index.delete_synonym(synonym_id):
        raise NotFound(f"no synonym with id {synonym_id}")
