"""Event contracts: the envelope every Codeflix event travels in, and one model per event.

An event is an :class:`Envelope` whose ``data`` matches the pydantic model registered for its
``(type, version)``. These models are the single source of truth: producers build events with
:func:`new_event`, consumers get envelopes that already passed :func:`decode_event`, and a
message whose shape is unknown or wrong is dead-lettered with the reason.

To add an event, declare its data model here with ``@event_model("thing.happened", 1)``.
Changing the shape of a published version is a breaking change: add version 2 instead (the
schema snapshot test under ``tests/unit/event_schemas`` enforces it).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from codeflix.observability import get_correlation_id, new_correlation_id


class InvalidEvent(ValueError):
    """A message that is not a valid Codeflix event; ``reason`` is a short snake_case code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class UnknownEvent(InvalidEvent):
    """No data model is registered for the event's ``(type, version)``."""

    def __init__(self, type_: str, version: int) -> None:
        super().__init__("unknown_event", f"no data model for event {type_!r} version {version}")


class EventData(BaseModel):
    """Base of every event's data model."""

    model_config = ConfigDict(frozen=True)


EVENT_MODELS: dict[tuple[str, int], type[EventData]] = {}
M = TypeVar("M", bound=type[EventData])


def event_model(type_: str, version: int = 1) -> Callable[[M], M]:
    """Register a data model as the shape of ``(type_, version)``."""

    def register(model: M) -> M:
        key = (type_, version)
        if key in EVENT_MODELS:
            raise ValueError(f"event {type_!r} version {version} is already registered")
        EVENT_MODELS[key] = model
        return model

    return register


def data_model(type_: str, version: int) -> type[EventData]:
    """The data model of ``(type_, version)``; raises :class:`UnknownEvent`."""
    try:
        return EVENT_MODELS[(type_, version)]
    except KeyError:
        raise UnknownEvent(type_, version) from None


class Envelope(BaseModel):
    """What travels on the bus: metadata plus the event's data as a JSON object."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = Field(min_length=1, max_length=200)
    version: int = Field(ge=1)
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    producer: str = Field(min_length=1, max_length=200)
    correlation_id: str | None = Field(default=None, max_length=200)
    subject: str = Field(min_length=1, max_length=200)
    data: dict[str, Any]

    def parse_data(self) -> EventData:
        """The data as its registered model; raises :class:`InvalidEvent` when it does not fit."""
        model = data_model(self.type, self.version)
        try:
            return model.model_validate(self.data)
        except ValidationError as e:
            raise InvalidEvent("invalid_data", _first_errors(e)) from None

    def to_json(self) -> bytes:
        """The wire form: UTF-8 JSON."""
        return self.model_dump_json().encode()


def decode_event(body: bytes) -> Envelope:
    """Parse and fully validate a message body (envelope and data) or raise InvalidEvent."""
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InvalidEvent("bad_json", f"body is not JSON: {e}") from None
    if not isinstance(raw, dict):
        raise InvalidEvent("bad_envelope", "body is not a JSON object")
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as e:
        raise InvalidEvent("bad_envelope", _first_errors(e)) from None
    envelope.parse_data()
    return envelope


def new_event(
    type_: str,
    data: EventData | dict[str, Any],
    *,
    subject: str,
    producer: str,
    version: int = 1,
    event_id: uuid.UUID | None = None,
) -> Envelope:
    """A new event carrying the current correlation id (or a fresh one); data is validated.

    ``event_id`` makes the id deterministic, e.g. derived from the event being handled, so a
    retried handler publishes the same event again rather than a second one.
    """
    model = data_model(type_, version)
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    try:
        parsed = model.model_validate(payload)
    except ValidationError as e:
        raise InvalidEvent("invalid_data", _first_errors(e)) from None
    return Envelope(
        id=event_id or uuid.uuid4(),
        type=type_,
        version=version,
        producer=producer,
        correlation_id=get_correlation_id() or new_correlation_id(),
        subject=subject,
        data=parsed.model_dump(mode="json"),
    )


def event_schemas() -> dict[str, dict[str, Any]]:
    """JSON schema of every registered event's data, keyed ``<type>.v<version>``."""
    return {
        f"{type_}.v{version}": model.model_json_schema()
        for (type_, version), model in sorted(EVENT_MODELS.items())
    }


def _first_errors(error: ValidationError, limit: int = 3) -> str:
    parts = []
    for item in error.errors()[:limit]:
        where = ".".join(str(p) for p in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


# -- Encoding ---------------------------------------------------------------------------------
MediaKind = Literal["video", "trailer"]


@event_model("video.uploaded", 1)
class VideoUploaded(EventData):
    """A master is complete in storage and waits to be encoded."""

    video_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,100}$")
    kind: MediaKind = "video"
    source_key: str = Field(
        min_length=1, max_length=1024, description="storage key of the uploaded master"
    )
    size_bytes: int | None = Field(default=None, ge=0)
    heights: list[Annotated[int, Field(ge=16, le=4320)]] | None = Field(
        default=None, max_length=12, description="ladder heights; None = auto"
    )


@event_model("video.encoding.started", 1)
class VideoEncodingStarted(EventData):
    video_id: str
    kind: MediaKind = "video"
    attempt: int = Field(ge=1, description="1 on the first try, more after a redelivery")


@event_model("video.encoding.progressed", 1)
class VideoEncodingProgressed(EventData):
    video_id: str
    kind: MediaKind = "video"
    chunks_done: int = Field(ge=0)
    chunks_total: int = Field(ge=0)
    percent: float = Field(ge=0, le=100)
    rung: str | None = None
    eta_seconds: float | None = None


@event_model("encoder.status", 1)
class EncoderStatus(EventData):
    """What an encoder worker sees of its Ray cluster, every few seconds (not kept anywhere:
    consumers hold the latest one for as long as it is fresh)."""

    worker: str = Field(min_length=1, max_length=200, description="host:pid of the worker")
    ray_connected: bool = Field(description="False until the worker's first job joins Ray")
    nodes: int = Field(ge=0, description="alive Ray nodes offering CPUs")
    cpus_total: float = Field(ge=0)
    cpus_busy: float = Field(ge=0)
    jobs_running: int = Field(ge=0, description="encodes this worker runs now")
    interval_seconds: float = Field(gt=0, description="when the next report is due")


class Rendition(BaseModel):
    name: str
    width: int
    height: int
    bandwidth: int
    average_bandwidth: int | None = None
    codecs: str
    frame_rate: float | None = None
    playlist: str = Field(description="media playlist key relative to hls_prefix")


class AudioTrack(BaseModel):
    name: str
    language: str | None = None
    default: bool = True
    playlist: str = Field(description="media playlist key relative to hls_prefix")


@event_model("video.encoding.completed", 1)
class VideoEncodingCompleted(EventData):
    """The HLS tree is complete in storage; keys are relative to the store root."""

    video_id: str
    kind: MediaKind = "video"
    hls_prefix: str = Field(description="storage key of the folder holding the HLS tree")
    master_playlist_key: str
    duration_seconds: float
    renditions: list[Rendition]
    audio: list[AudioTrack] = Field(default_factory=list)
    poster_key: str | None = None
    thumbnails_key: str | None = Field(default=None, description="WebVTT of the seek previews")
    chunks_total: int = Field(ge=0)
    chunks_encoded: int = Field(ge=0, description="chunks encoded by the run that finished")


@event_model("video.encoding.playable", 1)
class VideoEncodingPlayable(EventData):
    """Every rendition has its first segments: the master playlist is written and the stream
    can be watched while the encode goes on (its media playlists are EVENT playlists that grow
    until ``video.encoding.completed``). Keys are relative to the store root."""

    video_id: str
    kind: MediaKind = "video"
    hls_prefix: str = Field(description="storage key of the folder holding the HLS tree")
    master_playlist_key: str
    duration_seconds: float = Field(description="of the whole title, as planned")
    renditions: list[Rendition] = Field(
        description="bandwidths measured on the first segments; the completed event's are final"
    )
    audio: list[AudioTrack] = Field(default_factory=list)


@event_model("video.encoding.failed", 1)
class VideoEncodingFailed(EventData):
    video_id: str
    kind: MediaKind = "video"
    reason: str = Field(description="snake_case code, e.g. no_video_stream, zero_duration")
    message: str


# -- Subtitles --------------------------------------------------------------------------------
class SubtitleTrack(BaseModel):
    """One subtitle language of a title, as the encoder packages it."""

    language: str = Field(
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$", description="BCP 47 tag, e.g. pt-BR"
    )
    label: str = Field(min_length=1, max_length=100, description="the name players show")
    default: bool = False
    forced: bool = False
    source_key: str = Field(
        min_length=1, max_length=1024, description="storage key of the WebVTT source"
    )


@event_model("video.subtitles.changed", 1)
class VideoSubtitlesChanged(EventData):
    """A title's subtitles were added, replaced or removed; ``tracks`` is the whole new set."""

    video_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,100}$")
    tracks: list[SubtitleTrack] = Field(default_factory=list, max_length=100)


# -- Catalog ----------------------------------------------------------------------------------
# Each change of the catalog carries the resource's whole new state, so a consumer can keep its
# own copy (search documents, playback's playable videos) without calling the catalog back.
class CatalogResource(EventData):
    id: str
    created_at: datetime
    updated_at: datetime


class CatalogResourceDeleted(EventData):
    id: str


class CategoryState(CatalogResource):
    name: str
    description: str | None = None
    is_active: bool


@event_model("category.created", 1)
class CategoryCreated(CategoryState):
    pass


@event_model("category.updated", 1)
class CategoryUpdated(CategoryState):
    pass


@event_model("category.deleted", 1)
class CategoryDeleted(CatalogResourceDeleted):
    pass


class GenreState(CatalogResource):
    name: str
    is_active: bool
    categories: list[str] = Field(description="ids of the genre's categories")


@event_model("genre.created", 1)
class GenreCreated(GenreState):
    pass


@event_model("genre.updated", 1)
class GenreUpdated(GenreState):
    pass


@event_model("genre.deleted", 1)
class GenreDeleted(CatalogResourceDeleted):
    pass


class CastMemberState(CatalogResource):
    name: str
    type: Literal["actor", "director"]


@event_model("cast_member.created", 1)
class CastMemberCreated(CastMemberState):
    pass


@event_model("cast_member.updated", 1)
class CastMemberUpdated(CastMemberState):
    pass


@event_model("cast_member.deleted", 1)
class CastMemberDeleted(CatalogResourceDeleted):
    pass


class MediaState(BaseModel):
    """One medium of a video; keys are storage keys relative to the store root.

    A master still encoding whose stream viewers can already start (the catalog's
    ``playable``, after ``video.encoding.playable``) is ``processing`` with its master playlist
    in ``encoded_location``: version 1 keeps the statuses it was published with.
    """

    status: Literal["pending", "uploading", "processing", "ready", "failed"]
    raw_location: str | None = Field(default=None, description="key of the uploaded file")
    encoded_location: str | None = Field(
        default=None, description="key of the HLS master playlist (video, trailer) or image"
    )
    error: str | None = None
    duration_seconds: float | None = None
    poster: str | None = Field(default=None, description="key of the poster image")
    thumbnails: str | None = Field(default=None, description="key of the seek-preview WebVTT")

    @property
    def playable_while_encoding(self) -> bool:
        return self.status == "processing" and self.encoded_location is not None


class VideoState(CatalogResource):
    title: str
    description: str | None = None
    launch_year: int
    duration: int = Field(description="minutes")
    rating: Literal["ER", "L", "10", "12", "14", "16", "18"]
    opened: bool
    published: bool
    categories: list[str]
    genres: list[str]
    cast_members: list[str]
    media: dict[Literal["video", "trailer", "banner", "thumbnail"], MediaState]


@event_model("video.created", 1)
class VideoCreated(VideoState):
    pass


@event_model("video.updated", 1)
class VideoUpdated(VideoState):
    """Any change of a video, its media included (e.g. its master became ready)."""


@event_model("video.deleted", 1)
class VideoDeleted(CatalogResourceDeleted):
    pass


# -- Subscription -----------------------------------------------------------------------------
# Every change of a subscription's standing carries what a consumer needs to decide whether the
# viewer may watch, and how tall a rendition: playback keeps its entitlements from these alone.
class SubscriptionState(EventData):
    subscription_id: str
    user_id: str = Field(min_length=1, max_length=200)
    plan_id: str
    status: Literal["trialing", "active", "past_due", "canceled", "expired"]
    max_height: int | None = Field(description="tallest rendition the plan plays; None = any")
    active_until: datetime = Field(description="when watching stops unless a newer event says")


@event_model("subscription.activated", 1)
class SubscriptionActivated(SubscriptionState):
    """A subscription started playing: its first payment confirmed or its trial began."""


@event_model("subscription.renewed", 1)
class SubscriptionRenewed(SubscriptionState):
    """A new period was paid for."""


@event_model("subscription.past_due", 1)
class SubscriptionPastDue(SubscriptionState):
    """A renewal charge failed; it is retried until the grace period ends (``active_until``)."""


@event_model("subscription.canceled", 1)
class SubscriptionCanceled(SubscriptionState):
    """The subscription ended by cancellation."""


@event_model("subscription.expired", 1)
class SubscriptionExpired(SubscriptionState):
    """The subscription ended because it was not paid."""


@event_model("subscription.payment_failed", 1)
class SubscriptionPaymentFailed(EventData):
    """A renewal charge failed (each failed try, not only the first): the viewer should fix
    the card before ``retry_at``; without a retry left, it ends at ``active_until``."""

    subscription_id: str
    user_id: str = Field(min_length=1, max_length=200)
    plan_id: str
    amount: int = Field(ge=0, description="cents")
    currency: str = Field(min_length=3, max_length=3)
    retry_at: datetime | None = Field(description="the next try; None when none is left")
    active_until: datetime = Field(description="when watching stops unless a charge succeeds")
