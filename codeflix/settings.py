"""Settings read from ``CODEFLIX_*`` environment variables.

Every settings object is built by a function, never at import time, so tests and the embedded
platform can build as many as they like with different values. An unset variable falls back to
the embedded default (SQLite files and media under ``./var``, the in-process bus, a local Ray).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development-only secrets. Anything but a development environment refuses to start with them.
DEFAULT_SECRET = "codeflix-development-secret-change-me"


class SettingsError(ValueError):
    """A setting has a value Codeflix refuses to run with."""


class CommonSettings(BaseSettings):
    """What every Codeflix process shares: where data lives and how to reach the backbone."""

    model_config = SettingsConfigDict(env_prefix="CODEFLIX_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    storage_url: str | None = Field(
        default=None, description="fsspec URL of the media store; default file://<data_dir>/media"
    )
    storage_options: dict[str, Any] = Field(
        default_factory=dict,
        description="fsspec options as JSON, e.g. an S3 endpoint_url and credentials",
    )
    amqp_url: str | None = Field(
        default=None, description="RabbitMQ URL; unset means the in-process bus"
    )
    typesense_url: str | None = Field(
        default=None, description="Typesense URL; unset means a server started by `codeflix up`"
    )
    typesense_api_key: str = DEFAULT_SECRET
    ray_address: str | None = Field(default=None, description="Ray cluster; unset = local Ray")
    secret_key: str = DEFAULT_SECRET
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str | None = Field(
        default=None, description="SMTP server; unset: embedded server or <data_dir>/mail"
    )
    smtp_port: int = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_from: str = "Codeflix <no-reply@codeflix.localhost>"
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="largest request body (JSON, forms) a service reads; tus uploads excepted",
    )
    max_requests_in_flight: int = Field(
        default=32,
        ge=1,
        description="requests a process works on at a time; more are answered 503 at once "
        "(streamed media excepted)",
    )
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _refuse_default_secrets_outside_development(self) -> CommonSettings:
        if self.environment != "development":
            defaults = [
                name for name in self.secret_fields() if getattr(self, name) == DEFAULT_SECRET
            ]
            if defaults:
                names = ", ".join(f"CODEFLIX_{n.upper()}" for n in defaults)
                raise SettingsError(
                    f"{names} still hold the development default; set a real secret "
                    f"for the {self.environment} environment"
                )
        return self

    def secret_fields(self) -> list[str]:
        """Names of the fields that must not keep their development default outside development."""
        return ["secret_key", "typesense_api_key"]

    @cached_property
    def media_url(self) -> str:
        """The object store URL, defaulting to ``<data_dir>/media`` on the local disk."""
        if self.storage_url:
            return self.storage_url
        return f"file://{(self.data_dir / 'media').resolve()}"


class ServiceSettings(CommonSettings):
    """Settings of one service: the common ones plus its own database.

    A subclass sets ``service_name``; its database URL is read from
    ``CODEFLIX_<SERVICE>_DATABASE_URL`` and defaults to a SQLite file under ``data_dir``.
    """

    service_name: str = "service"
    database_url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _read_service_database_url(cls, values: dict[str, object]) -> dict[str, object]:
        import os  # read here, when settings are built, never at import time

        name = cls.model_fields["service_name"].default
        env_name = f"CODEFLIX_{str(name).upper()}_DATABASE_URL"
        if isinstance(values, dict) and not values.get("database_url") and env_name in os.environ:
            values = {**values, "database_url": os.environ[env_name]}
        return values

    @cached_property
    def db_url(self) -> str:
        """The database URL, defaulting to ``<data_dir>/<service>.db`` (SQLite)."""
        if self.database_url:
            return self.database_url
        path = (self.data_dir / f"{self.service_name}.db").resolve()
        return f"sqlite+aiosqlite:///{path}"


def common_settings(**overrides: object) -> CommonSettings:
    """Build the common settings from the environment, with explicit overrides on top."""
    return CommonSettings(**overrides)  # type: ignore[arg-type]
