"""Playback's own copy of what it needs from other services: which videos can be played.

Filled from catalog events (published or not, deleted) and encoder events (where the HLS tree
is, poster, thumbnails). Each half remembers the time of the event it last applied so a late,
older event never overwrites a newer state.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from codeflix.inbox import add_inbox_table

MEDIA_READY = "ready"
# Still encoding, but its stream (growing EVENT playlists) can be watched from the start.
MEDIA_PLAYABLE = "playable"
GRANTABLE_STATUSES = (MEDIA_PLAYABLE, MEDIA_READY)


class Base(DeclarativeBase):
    metadata = MetaData()


class PlayableVideo(Base):
    __tablename__ = "playable_videos"

    video_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    catalog_event_at: Mapped[float | None] = mapped_column(Float, nullable=True)

    media_status: Mapped[str] = mapped_column(String(16), default="pending")
    # Key prefix of the HLS tree in the object store, ending with "/" ("videos/<id>/hls/").
    hls_prefix: Mapped[str | None] = mapped_column(String(512), nullable=True)
    # Storage keys (from the store's root) of the master playlist, poster and seek previews.
    master_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    poster_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    thumbnails_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    duration_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    renditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    media_event_at: Mapped[float | None] = mapped_column(Float, nullable=True)

    @property
    def previewable(self) -> bool:
        """Encoded and still in the catalog: admins may watch it, published or not."""
        return (
            not self.deleted
            and self.media_status in GRANTABLE_STATUSES
            and bool(self.hls_prefix and self.master_key)
        )

    @property
    def playable(self) -> bool:
        return self.published and self.previewable


class VideoRating(Base):
    """The catalog's age rating of a video, for the viewers' parental limits (a table of its
    own so that an existing database gains it on start-up)."""

    __tablename__ = "video_ratings"

    video_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rating: Mapped[str] = mapped_column(String(4))
    event_at: Mapped[float] = mapped_column(Float)


class ViewingProgress(Base):
    """How far one viewer got in one video, for "Continue watching" and resuming."""

    __tablename__ = "viewing_progress"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    video_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position_seconds: Mapped[float] = mapped_column(Float)
    duration_seconds: Mapped[float] = mapped_column(Float)
    # Unix seconds of the last report (the app's clock), newest first in the row.
    updated_at: Mapped[float] = mapped_column(Float, index=True)


class SubscriberEntitlement(Base):
    """Who may watch: the latest subscription event of each viewer (see ``subscriptions.py``)."""

    __tablename__ = "entitlements"

    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(64))
    plan_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    max_height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active_until: Mapped[float] = mapped_column(Float)  # unix seconds
    event_at: Mapped[float] = mapped_column(Float)  # when the applied event happened


# The consumers' record of the events they have applied, in the same database.
add_inbox_table(Base.metadata)
