"""The catalog's tables: categories, genres, cast members, videos, their media and uploads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from codeflix.inbox import add_inbox_table
from codeflix.outbox import add_outbox_table

MEDIA_KINDS = ("video", "trailer", "banner", "thumbnail")
# What the tus endpoint takes: the media slots, and subtitle tracks (one per language).
UPLOAD_KINDS = (*MEDIA_KINDS, "subtitle")
# playable: still encoding, but the stream can be watched from its start already.
MEDIA_STATUSES = ("pending", "uploading", "processing", "playable", "ready", "failed")
RATINGS = ("ER", "L", "10", "12", "14", "16", "18")
CAST_MEMBER_TYPES = ("actor", "director")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite forgets the zone, so it is put back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# The catalog's events wait in its own outbox; consumed events are remembered in its inbox.
add_outbox_table(Base.metadata)
add_inbox_table(Base.metadata)


def _link(name: str, owner: str, owners: str, target: str, targets: str) -> Table:
    """A many-to-many table; the service refuses to delete a target that is still linked."""
    return Table(
        name,
        Base.metadata,
        Column(
            f"{owner}_id", Uuid, ForeignKey(f"{owners}.id", ondelete="CASCADE"), primary_key=True
        ),
        Column(f"{target}_id", Uuid, ForeignKey(f"{targets}.id"), primary_key=True, index=True),
    )


genre_categories = _link("genre_categories", "genre", "genres", "category", "categories")
video_categories = _link("video_categories", "video", "videos", "category", "categories")
video_genres = _link("video_genres", "video", "videos", "genre", "genres")
video_cast_members = _link("video_cast_members", "video", "videos", "cast_member", "cast_members")


class Resource:
    """Columns every administered resource has; ``version`` makes its ETag."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # SQLAlchemy bumps it on every UPDATE and adds ``WHERE version = <read>``, so two writers
    # racing on the same ETag cannot both win.
    version: Mapped[int] = mapped_column(Integer)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Category(Resource, Base):
    __tablename__ = "categories"

    name: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Genre(Resource, Base):
    __tablename__ = "genres"

    name: Mapped[str] = mapped_column(String(255), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    categories: Mapped[list[Category]] = relationship(secondary=genre_categories, lazy="selectin")


class CastMember(Resource, Base):
    __tablename__ = "cast_members"

    name: Mapped[str] = mapped_column(String(255), index=True)
    type: Mapped[str] = mapped_column(String(16))


class Video(Resource, Base):
    __tablename__ = "videos"

    title: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    launch_year: Mapped[int] = mapped_column(Integer, index=True)
    duration: Mapped[int] = mapped_column(Integer)
    rating: Mapped[str] = mapped_column(String(4))
    opened: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    categories: Mapped[list[Category]] = relationship(secondary=video_categories, lazy="selectin")
    genres: Mapped[list[Genre]] = relationship(secondary=video_genres, lazy="selectin")
    cast_members: Mapped[list[CastMember]] = relationship(
        secondary=video_cast_members, lazy="selectin"
    )
    media: Mapped[list[MediaSlot]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="MediaSlot.kind"
    )
    subtitles: Mapped[list[SubtitleTrack]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="SubtitleTrack.language"
    )

    def slot(self, kind: str) -> MediaSlot:
        """The media slot of ``kind``, created pending on first use."""
        for slot in self.media:
            if slot.kind == kind:
                return slot
        slot = MediaSlot(kind=kind, status="pending")
        self.media.append(slot)
        return slot


class MediaSlot(Base):
    """One of a video's media (its master, trailer, banner, thumbnail) and where it stands."""

    __tablename__ = "media_slots"

    video_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    raw_location: Mapped[str | None] = mapped_column(Text, default=None)
    encoded_location: Mapped[str | None] = mapped_column(Text, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    # What the encoder produced: duration_seconds, renditions, poster, thumbnails.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The upload whose master is being encoded and the last encoding event applied to it, so
    # late, repeated or stale events of an older master change nothing.
    upload_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SubtitleTrack(Base):
    """One subtitle language of a video: its label, flags and where its latest upload stands.

    ``location`` is the converted WebVTT source (``videos/<id>/subtitles/<language>.vtt``);
    only ``ready`` tracks are packaged into the title's HLS tree.
    """

    __tablename__ = "subtitle_tracks"

    video_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(35), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    default: Mapped[bool] = mapped_column(Boolean, default=False)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="uploading")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    location: Mapped[str | None] = mapped_column(Text, default=None)
    upload_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Upload(Base):
    """A tus upload of one medium: how far it got and where its bytes are."""

    __tablename__ = "uploads"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    video_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("videos.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="receiving")
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    # Backend bookkeeping: the S3 multipart upload id, its parts and the pending tail.
    storage_state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ListEntry(Base):
    """A title a viewer saved to "my list" (the viewer is the token's subject)."""

    __tablename__ = "my_list"

    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    video_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_my_list_user_id_added_at", "user_id", "added_at"),)
