"""Settings of the catalog service."""

from __future__ import annotations

from pydantic import Field

from codeflix.settings import ServiceSettings

GB = 1024**3
MB = 1024**2


class CatalogSettings(ServiceSettings):
    """The common settings, the catalog's database and its upload limits (bytes per media kind)."""

    service_name: str = "catalog"
    max_video_bytes: int = Field(default=50 * GB, description="largest master of a video")
    max_trailer_bytes: int = Field(default=1 * GB, description="largest master of a trailer")
    max_image_bytes: int = Field(default=10 * MB, description="largest banner or thumbnail")
    max_subtitle_bytes: int = Field(default=2 * MB, description="largest WebVTT or SRT file")
    # A few bytes of PNG can declare gigapixels; images are refused by their declared size
    # before anything decodes them. Pillow refuses anything past ~89 M pixels on its own.
    max_image_pixels: int = Field(
        default=40_000_000, gt=0, le=89_000_000, description="most pixels of a banner or thumbnail"
    )
    # S3 parts are at least 5 MB; bytes of a PATCH beyond the last full part wait in a small
    # "tail" object until the next PATCH, so this is also the most an upload holds in memory.
    upload_part_bytes: int = Field(default=8 * MB, ge=5 * MB)
    upload_max_idle_hours: float = Field(
        default=7 * 24, gt=0, description="an upload no PATCH touched for this long is dropped"
    )
    live_keepalive_seconds: float = Field(
        default=15,
        gt=0,
        description="a live stream sends a comment after this long without events",
    )
    live_queue_size: int = Field(
        default=256, ge=1, description="events a live stream may fall behind before it is dropped"
    )
    browse_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="how long a process reuses a browse page it read (its own writes clear it)",
    )
    browse_cache_stale_seconds: float = Field(
        default=10.0,
        ge=0,
        le=300,
        description="after that, how long the old page is still answered while it is read again "
        "in the background (no request waits for the database when a page's time runs out)",
    )
    migrate_on_start: bool = Field(
        default=True, description="apply the Alembic migrations when the service starts"
    )

    def max_bytes(self, kind: str) -> int:
        """The size limit of an upload of ``kind``."""
        if kind == "video":
            return self.max_video_bytes
        if kind == "trailer":
            return self.max_trailer_bytes
        if kind == "subtitle":
            return self.max_subtitle_bytes
        return self.max_image_bytes


def get_settings(**overrides: object) -> CatalogSettings:
    """The catalog's settings from ``CODEFLIX_*`` variables, with explicit overrides on top."""
    return CatalogSettings(**overrides)  # type: ignore[arg-type]
