"""Bulk seeding of the catalog from a JSON file (``codeflix catalog import``).

The file names things by a ``ref`` of its own choosing and links them by those refs::

    {"categories": [{"ref": "anim", "name": "Animation"}],
     "genres": [{"ref": "comedy", "name": "Comedy", "categories": ["anim"]}],
     "cast_members": [{"ref": "ada", "name": "Ada Lovelace", "type": "director"}],
     "videos": [{"title": "Big Buck Bunny", "launch_year": 2008, "duration": 10,
                 "rating": "L", "categories": ["anim"], "genres": ["comedy"],
                 "cast_members": ["ada"], "published": true}]}

Importing is idempotent: what already exists (same name, or same title and year) is reused,
so running the same file twice creates nothing new. Every change goes through the same
service functions (and events) as the admin API.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog import schemas, service, videos
from apis.catalog.models import CastMember, Category, Genre, Video

Ref = str


class ImportItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: Ref | None = None


class CategoryItem(ImportItem, schemas.CategoryCreate):
    pass


class GenreItem(ImportItem):
    name: schemas.Name
    is_active: bool = True
    categories: list[Ref] = []


class CastMemberItem(ImportItem, schemas.CastMemberCreate):
    pass


class VideoItem(ImportItem):
    title: schemas.Name
    description: schemas.Description | None = None
    launch_year: schemas.Year
    duration: schemas.Minutes
    rating: schemas.Rating
    opened: bool = False
    published: bool = False
    categories: list[Ref] = []
    genres: list[Ref] = []
    cast_members: list[Ref] = []


class CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    categories: list[CategoryItem] = Field(default=[], max_length=10_000)
    genres: list[GenreItem] = Field(default=[], max_length=10_000)
    cast_members: list[CastMemberItem] = Field(default=[], max_length=10_000)
    videos: list[VideoItem] = Field(default=[], max_length=100_000)


class UnknownRef(ValueError):
    """The file refers to something it does not define."""


def _resolve(refs: dict[str, uuid.UUID], names: list[Ref], where: str) -> list[uuid.UUID]:
    resolved = []
    for name in names:
        if name in refs:
            resolved.append(refs[name])
            continue
        try:
            resolved.append(uuid.UUID(name))  # an id already in the catalog
        except ValueError:
            raise UnknownRef(f"{where}: no ref {name!r} in the file") from None
    return resolved


async def import_catalog(*, session: AsyncSession, document: CatalogFile) -> Counter[str]:
    """Create what the document describes and is not there yet.

    Returns counts such as ``{"categories created": 2, "videos existing": 1}``.
    """
    counts: Counter[str] = Counter()
    refs: dict[str, uuid.UUID] = {}

    async def existing(model: Any, **where: Any) -> Any:
        return await session.scalar(select(model).filter_by(**where).limit(1))

    for item in document.categories:
        row = await existing(Category, name=item.name)
        if row is None:
            body = schemas.CategoryCreate(**item.model_dump(exclude={"ref"}))
            row = await service.create_category(session=session, category_in=body)
            counts["categories created"] += 1
        else:
            counts["categories existing"] += 1
        refs[item.ref or item.name] = row.id
    for i, genre in enumerate(document.genres):
        row = await existing(Genre, name=genre.name)
        if row is None:
            genre_in = schemas.GenreCreate(
                name=genre.name,
                is_active=genre.is_active,
                categories=_resolve(refs, genre.categories, f"genres[{i}]"),
            )
            row = await service.create_genre(session=session, genre_in=genre_in)
            counts["genres created"] += 1
        else:
            counts["genres existing"] += 1
        refs[genre.ref or genre.name] = row.id
    for member in document.cast_members:
        row = await existing(CastMember, name=member.name, type=member.type)
        if row is None:
            member_in = schemas.CastMemberCreate(name=member.name, type=member.type)
            row = await service.create_cast_member(session=session, member_in=member_in)
            counts["cast members created"] += 1
        else:
            counts["cast members existing"] += 1
        refs[member.ref or member.name] = row.id
    for i, video in enumerate(document.videos):
        if await existing(Video, title=video.title, launch_year=video.launch_year) is not None:
            counts["videos existing"] += 1
            continue
        where = f"videos[{i}]"
        values = video.model_dump(exclude={"ref", "categories", "genres", "cast_members"})
        video_in = schemas.VideoCreate(
            **values,
            categories=_resolve(refs, video.categories, where),
            genres=_resolve(refs, video.genres, where),
            cast_members=_resolve(refs, video.cast_members, where),
        )
        await videos.create_video(session=session, video_in=video_in)
        counts["videos created"] += 1
    return counts
