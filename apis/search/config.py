"""Settings of the search service: where Typesense is and how queries are bounded."""

from __future__ import annotations

from pydantic import Field

from codeflix.settings import CommonSettings


class SearchSettings(CommonSettings):
    """The common settings (``CODEFLIX_TYPESENSE_URL`` / ``_API_KEY`` among them) and search's own.

    Search keeps no database: its data is the search index, fed by the catalog's events.
    """

    service_name: str = "search"
    search_collection: str = Field(
        default="videos", description="alias of the video collection searches read"
    )
    search_state_collection: str = Field(
        default="search_state",
        description="collection of what search knows of the catalog, with a version each",
    )
    catalog_url: str | None = Field(
        default=None,
        description="where `codeflix search reindex` reads the catalog; default "
        "CODEFLIX_PUBLIC_URL",
    )
    search_timeout_seconds: float = Field(
        default=2.0, gt=0, description="how long a call to Typesense may take"
    )
    search_event_retry_seconds: list[float] = Field(
        default=[1.0, 5.0, 30.0, 120.0],
        min_length=1,
        description="delays before an event that failed (Typesense away) is tried again; "
        "the last one repeats",
    )
    search_retry_after_seconds: int = Field(
        default=5, ge=1, description="Retry-After of the 503 answered while Typesense is down"
    )

    @property
    def catalog_base_url(self) -> str:
        return (self.catalog_url or self.public_url).rstrip("/")


def get_settings(**overrides: object) -> SearchSettings:
    """The search settings from ``CODEFLIX_*`` variables, with explicit overrides on top."""
    return SearchSettings(**overrides)  # type: ignore[arg-type]
