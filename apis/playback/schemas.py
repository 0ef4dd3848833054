"""What the playback API answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class PlaybackGrantPublic(BaseModel):
    """Signed URLs that let one viewer play one video until ``expires_at``."""

    video_id: str
    manifest_url: str
    expires_at: datetime
    poster_url: str | None
    thumbnails_url: str | None
    max_height: int | None = None
