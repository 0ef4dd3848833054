"""What the playback API answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, FiniteFloat, model_validator


class PlaybackGrantPublic(BaseModel):
    """Signed URLs that let one viewer play one video until ``expires_at``."""

    video_id: str
    manifest_url: str
    expires_at: datetime
    poster_url: str | None
    thumbnails_url: str | None
    max_height: int | None = None


# A week: longer than any title, short enough that a float keeps sub-second precision.
MAX_SECONDS = 7 * 24 * 3600


class ProgressUpdate(BaseModel):
    """Where the player is, sent every few seconds and when the viewer pauses or leaves."""

    position_seconds: FiniteFloat = Field(ge=0, le=MAX_SECONDS, strict=True)
    duration_seconds: FiniteFloat = Field(gt=0, le=MAX_SECONDS, strict=True)

    @model_validator(mode="after")
    def position_within_duration(self) -> ProgressUpdate:
        if self.position_seconds > self.duration_seconds:
            raise ValueError("position_seconds cannot be past duration_seconds")
        return self


class ProgressPublic(BaseModel):
    """One viewer's progress in one video."""

    video_id: str
    position_seconds: float
    duration_seconds: float
    progress: float = Field(description="share watched, 0 to 1")
    finished: bool = Field(description="watched past 95%: no longer in Continue watching")
    updated_at: datetime


class ProgressPage(BaseModel):
    items: list[ProgressPublic]
    next_cursor: str | None
