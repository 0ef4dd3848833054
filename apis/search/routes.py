"""Search for signed-in viewers; synonyms for catalog admins."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from apis.search import schemas, service
from apis.search.deps import CatalogAdmin, IndexDep
from codeflix.auth import CurrentUser
from codeflix.ratings import max_rating_of

router = APIRouter(prefix="/api/v1")
# Longer queries are refused (422) rather than sent on: no title needs more.
MAX_QUERY_CHARS = 200
Q = Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="what to look for")]
Year = Annotated[int | None, Query(ge=1800, le=2200)]


@router.get("/search")
async def search(
    index: IndexDep,
    user: CurrentUser,
    q: Q = "",
    category: uuid.UUID | None = None,
    genre: uuid.UUID | None = None,
    cast_member: uuid.UUID | None = None,
    year_from: Year = None,
    year_to: Year = None,
    rating: schemas.Rating | None = None,
    sort: schemas.Sort = "relevance",
    page: Annotated[int, Query(ge=1, le=500)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> schemas.SearchPage:
    """Search published videos (typos tolerated, accents folded, facets and highlights)."""
    query = service.SearchQuery(
        q=q,
        category=category,
        genre=genre,
        cast_member=cast_member,
        year_from=year_from,
        year_to=year_to,
        rating=rating,
        sort=sort,
        page=page,
        per_page=per_page,
        max_rating=max_rating_of(user.claims),
    )
    return await service.search(index=index, query=query)


@router.get("/search/suggest")
async def suggest(
    index: IndexDep,
    user: CurrentUser,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)],
    limit: Annotated[int, Query(ge=1, le=10)] = 5,
) -> schemas.Suggestions:
    """A few titles for search-as-you-type."""
    return await service.suggest(
        index=index, q=q, limit=limit, max_rating=max_rating_of(user.claims)
    )


@router.get("/admin/search/synonyms")
async def list_synonyms(index: IndexDep, admin: CatalogAdmin) -> schemas.SynonymList:
    """Every synonym rule."""
    return await service.list_synonyms(index=index)


@router.put("/admin/search/synonyms/{synonym_id}")
async def put_synonym(
    synonym_id: str, synonym: schemas.SynonymIn, index: IndexDep, admin: CatalogAdmin
) -> schemas.SynonymOut:
    """Create or replace a synonym rule."""
    return await service.put_synonym(index=index, synonym_id=synonym_id, synonym=synonym)


@router.delete("/admin/search/synonyms/{synonym_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_synonym(synonym_id: str, index: IndexDep, admin: CatalogAdmin) -> Response:
    """Remove a synonym rule."""
    await service.delete_synonym(index=index, synonym_id=synonym_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
