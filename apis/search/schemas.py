"""What the search API answers: hits carry what browse carries, plus highlights."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Rating = Literal["ER", "L", "10", "12", "14", "16", "18"]
Sort = Literal["relevance", "year", "-year", "title", "-title"]


class MediaView(BaseModel):
    """As browse shows it; ``playable``: still encoding, but it can be watched already."""

    status: Literal["pending", "processing", "playable", "ready", "failed"]
    duration_seconds: float | None = None
    poster: str | None = None
    thumbnails: str | None = None


class Named(BaseModel):
    id: uuid.UUID
    name: str


class Highlight(BaseModel):
    """Where the query matched: the field and its text with matches in ``<mark>…</mark>``."""

    field: str
    snippet: str


class SearchHit(BaseModel):
    id: uuid.UUID
    title: str
    description: str | None
    launch_year: int
    duration: int
    rating: Rating
    opened: bool
    categories: list[Named]
    genres: list[Named]
    cast_members: list[Named]
    media: dict[Literal["video", "trailer", "banner", "thumbnail"], MediaView]
    created_at: datetime
    highlights: list[Highlight] = Field(default_factory=list)


class FacetValue(BaseModel):
    value: str = Field(description="what to pass as the filter of the same name")
    label: str
    count: int


class Facets(BaseModel):
    category: list[FacetValue]
    genre: list[FacetValue]
    year: list[FacetValue]
    rating: list[FacetValue]


class SearchPage(BaseModel):
    """One page of results; ``page`` counts from 1, ``found`` is the total number of hits."""

    items: list[SearchHit]
    found: int
    page: int
    per_page: int
    next_page: int | None
    facets: Facets


class Suggestion(BaseModel):
    id: uuid.UUID
    title: str
    highlight: str


class Suggestions(BaseModel):
    items: list[Suggestion]


class SynonymIn(BaseModel):
    """Words searched as one another; with ``root``, only ``root`` is widened to them."""

    synonyms: list[str] = Field(min_length=1, max_length=50)
    root: str | None = Field(default=None, max_length=200)


class SynonymOut(SynonymIn):
    id: str


class SynonymList(BaseModel):
    items: list[SynonymOut]
