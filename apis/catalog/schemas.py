"""What the catalog's API reads and writes (pydantic); names carry their role."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from codeflix.text import check_storable_text

# Checked for storable text after the constraints: before them, pydantic would measure the
# length before stripping.
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    AfterValidator(check_storable_text),
]
Description = Annotated[
    str, StringConstraints(max_length=10_000), AfterValidator(check_storable_text)
]
Rating = Literal["ER", "L", "10", "12", "14", "16", "18"]
CastMemberType = Literal["actor", "director"]
MediaKind = Literal["video", "trailer", "banner", "thumbnail"]
UploadKind = Literal["video", "trailer", "banner", "thumbnail", "subtitle"]


def _unique(ids: list[uuid.UUID]) -> list[uuid.UUID]:
    return list(dict.fromkeys(ids))


IdList = Annotated[list[uuid.UUID], Field(max_length=100), AfterValidator(_unique)]
YEAR_RANGE = (1888, 2100)
Year = Annotated[int, Field(ge=YEAR_RANGE[0], le=YEAR_RANGE[1])]
Minutes = Annotated[int, Field(ge=0, le=100_000)]


class Strict(BaseModel):
    """Unknown fields are an error, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class Patch(Strict):
    """A partial update: only the fields sent change, and none of them may be null."""

    @model_validator(mode="after")
    def _no_nulls(self) -> Patch:
        nullable = {"description"}
        nulls = [n for n in self.model_fields_set if getattr(self, n) is None and n not in nullable]
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set)


class ResourcePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime


# -- categories ---------------------------------------------------------------------------------
class CategoryCreate(Strict):
    name: Name
    description: Description | None = None
    is_active: bool = True


class CategoryUpdate(Patch):
    name: Name | None = None
    description: Description | None = None
    is_active: bool | None = None


class CategoryPublic(ResourcePublic):
    name: str
    description: str | None
    is_active: bool


# -- genres -------------------------------------------------------------------------------------
class GenreCreate(Strict):
    name: Name
    is_active: bool = True
    categories: IdList = []


class GenreUpdate(Patch):
    name: Name | None = None
    is_active: bool | None = None
    categories: IdList | None = None


class GenrePublic(ResourcePublic):
    name: str
    is_active: bool
    categories: list[uuid.UUID]


# -- cast members -------------------------------------------------------------------------------
class CastMemberCreate(Strict):
    name: Name
    type: CastMemberType


class CastMemberUpdate(Patch):
    name: Name | None = None
    type: CastMemberType | None = None


class CastMemberPublic(ResourcePublic):
    name: str
    type: CastMemberType


# -- videos -------------------------------------------------------------------------------------
class VideoCreate(Strict):
    title: Name
    description: Description | None = None
    launch_year: Year
    duration: Minutes
    rating: Rating
    opened: bool = False
    published: bool = False
    categories: IdList = []
    genres: IdList = []
    cast_members: IdList = []


class VideoUpdate(Patch):
    title: Name | None = None
    description: Description | None = None
    launch_year: Year | None = None
    duration: Minutes | None = None
    rating: Rating | None = None
    opened: bool | None = None
    published: bool | None = None
    categories: IdList | None = None
    genres: IdList | None = None
    cast_members: IdList | None = None


class RenditionAdmin(BaseModel):
    """One rung of an encoded ladder, for the admin's rendition table."""

    name: str
    width: int
    height: int
    bandwidth: int = Field(description="peak bits per second, as the master playlist says")
    average_bandwidth: int | None = Field(default=None, description="bits per second")
    codecs: str
    frame_rate: float | None = None
    playlist: str = Field(description="media playlist key relative to the HLS tree")
    size_bytes: int | None = Field(
        default=None, description="bytes of the rung's init and segments (None: not known)"
    )


class MediaAdmin(BaseModel):
    """A media slot as admins see it: where the bytes are and what went wrong.

    ``playable``: the master is still encoding, but its stream can be watched from the start
    (``encoded_location`` is its master playlist; renditions as measured so far).
    """

    status: Literal["pending", "uploading", "processing", "playable", "ready", "failed"]
    raw_location: str | None = None
    encoded_location: str | None = None
    error: str | None = None
    duration_seconds: float | None = None
    renditions: list[RenditionAdmin] | None = None
    poster: str | None = Field(default=None, description="storage key of the poster image")
    thumbnails: str | None = Field(
        default=None, description="storage key of the seek-preview WebVTT"
    )
    sprites: list[str] | None = Field(
        default=None, description="storage keys of the sprite sheets the WebVTT points into"
    )


class SubtitleAdmin(BaseModel):
    """A subtitle track as admins see it; only ``ready`` tracks are in the title's stream."""

    language: str = Field(description="BCP 47 tag, e.g. pt-BR")
    label: str
    default: bool
    forced: bool
    status: Literal["uploading", "ready", "failed"]
    error: str | None = None


class VideoPublic(ResourcePublic):
    title: str
    description: str | None
    launch_year: int
    duration: int
    rating: Rating
    opened: bool
    published: bool
    categories: list[uuid.UUID]
    genres: list[uuid.UUID]
    cast_members: list[uuid.UUID]
    media: dict[MediaKind, MediaAdmin]
    subtitles: list[SubtitleAdmin] = Field(default_factory=list)


# -- browsing (any signed-in user) --------------------------------------------------------------
class MediaView(BaseModel):
    """A media slot as viewers see it: no storage locations, no internal error text.

    ``playable``: still encoding, but it can be watched (a player may wait at the edge of
    what is encoded so far).
    """

    status: Literal["pending", "processing", "playable", "ready", "failed"]
    duration_seconds: float | None = None
    poster: str | None = None
    thumbnails: str | None = None


class VideoView(BaseModel):
    id: uuid.UUID
    title: str
    description: str | None
    launch_year: int
    duration: int
    rating: Rating
    opened: bool
    categories: list[uuid.UUID]
    genres: list[uuid.UUID]
    cast_members: list[uuid.UUID]
    media: dict[MediaKind, MediaView]
    created_at: datetime


class CategoryView(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None


class GenreView(BaseModel):
    id: uuid.UUID
    name: str
    categories: list[uuid.UUID]


# -- pages --------------------------------------------------------------------------------------
Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[Item]
    next_cursor: str | None = None


class ListItem(BaseModel):
    """A title of the viewer's list and when it was added."""

    added_at: datetime
    video: VideoView


# -- the admin dashboard ------------------------------------------------------------------------
class MediaStatusCounts(BaseModel):
    """Videos by the status of their master (an upload in progress counts as pending)."""

    pending: int
    processing: int
    playable: int = Field(description="still encoding, watchable already")
    ready: int
    failed: int


class EncodeCounts(BaseModel):
    running: int = Field(description="encodes the encoder reports progress of")
    waiting: int = Field(description="masters announced, no progress reported yet")


class FailedMedia(BaseModel):
    video_id: uuid.UUID
    title: str
    kind: MediaKind
    error: str | None
    failed_at: datetime


class EncoderLoad(BaseModel):
    """The encoder's latest report of its Ray cluster."""

    nodes: int
    cpus_total: float
    cpus_busy: float
    reported_at: datetime


class CatalogStats(BaseModel):
    videos_by_media_status: MediaStatusCounts
    encodes: EncodeCounts
    failed_last_24h: list[FailedMedia]
    encoder: EncoderLoad | None = Field(
        description="null until an encoder reported, or when its last report is overdue"
    )
