"""Settings of the encoder worker (``CODEFLIX_ENCODER_*`` plus the common ones)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from codeflix.bus.port import DEAD_LETTER_EXCHANGE, EXCHANGE
from codeflix.settings import CommonSettings


class EncoderSettings(CommonSettings):
    encoder_queue: str = Field(default="encoder.uploads", description="queue of video.uploaded")
    encoder_subtitles_queue: str = Field(
        default="encoder.subtitles", description="queue of video.subtitles.changed"
    )
    encoder_concurrency: int = Field(default=1, ge=1, le=64, description="jobs run at once")
    encoder_progress_interval: float = Field(
        default=2.0, ge=0, description="seconds between two progressed events of a job"
    )
    encoder_status_interval: float = Field(
        default=10.0, gt=0, description="seconds between two encoder.status events"
    )
    encoder_max_attempts: int = Field(default=3, ge=1, description="tries before giving up")
    encoder_max_workers: int | None = Field(default=None, ge=1, description="Ray tasks per job")
    encoder_local_cpus: int | None = Field(
        default=None, ge=1, description="CPUs of the local Ray when no CODEFLIX_RAY_ADDRESS"
    )
    encoder_quality: Literal["per-title", "fixed"] = Field(
        default="per-title",
        description="per-title: bitrates from trial encodes of the master; fixed: bits per pixel",
    )
    encoder_metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="port of the standalone worker's /healthz, /readyz and /metrics "
        "(0: any free one); unset: none",
    )
    amqp_exchange: str = EXCHANGE
    amqp_dead_letter_exchange: str = DEAD_LETTER_EXCHANGE


def get_settings(**overrides: object) -> EncoderSettings:
    return EncoderSettings(**overrides)  # type: ignore[arg-type]
