"""The catalog service's schema, shaped by its Alembic migrations (`migrations/`)."""

from __future__ import annotations

from pathlib import Path

from codeflix.migrations import ServiceSchema

SCHEMA = ServiceSchema("catalog", Path(__file__).resolve().parent / "migrations")
