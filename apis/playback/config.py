"""Settings of the playback service: its database, grant lifetime and signing keys."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from apis.playback.grants import GrantSigner, SigningKey, derive_secret, timestamp
from codeflix.settings import ServiceSettings


class SigningKeySetting(BaseModel):
    """One entry of ``CODEFLIX_GRANT_SIGNING_KEYS`` (JSON list)."""

    id: str
    secret: str = Field(min_length=16)
    retired_at: datetime | None = None


class PlaybackSettings(ServiceSettings):
    service_name: str = "playback"
    grant_ttl_seconds: int = Field(
        default=6 * 3600, ge=60, le=48 * 3600, description="how long a grant plays"
    )
    grant_signing_keys: list[SigningKeySetting] = Field(
        default_factory=list,
        description=(
            'grant keys as JSON, e.g. [{"id": "2026-11", "secret": "..."}, {"id": '
            '"2026-10", "secret": "...", "retired_at": "2026-11-01T00:00:00Z"}]; '
            "unset: one key derived from CODEFLIX_SECRET_KEY"
        ),
    )
    grant_active_key: str | None = Field(
        default=None, description="id of the key that signs new grants; default the first live one"
    )
    media_base_url: str | None = Field(
        default=None, description="where viewers reach the media edge; default CODEFLIX_PUBLIC_URL"
    )
    media_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        le=300,
        description="how long the Python media edge keeps a segment, init segment or image it "
        "read in memory (0: read every request from the store); playlists are never kept",
    )
    media_cache_objects: int = Field(
        default=64,
        ge=1,
        le=4096,
        description="how many such objects a process keeps at most (each at most 4 MB)",
    )

    def grant_signer(self) -> GrantSigner:
        """The signer built from the configured keys (or one derived from the secret key)."""
        if self.grant_signing_keys:
            keys = [
                SigningKey(
                    k.id,
                    k.secret.encode(),
                    timestamp(k.retired_at) if k.retired_at is not None else None,
                )
                for k in self.grant_signing_keys
            ]
        else:
            keys = [SigningKey("k1", derive_secret(self.secret_key, "k1"))]
        live = [k.key_id for k in keys if k.retired_at is None]
        active = self.grant_active_key or (live[0] if live else "")
        return GrantSigner(keys, active_key_id=active, max_ttl_seconds=self.grant_ttl_seconds)

    @property
    def edge_base_url(self) -> str:
        return (self.media_base_url or self.public_url).rstrip("/")


def get_settings(**overrides: object) -> PlaybackSettings:
    return PlaybackSettings(**overrides)  # type: ignore[arg-type]
