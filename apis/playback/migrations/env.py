"""Alembic environment of the playback service, run by ``codeflix.migrations.upgrade``."""

from apis.playback.models import Base
from codeflix.migrations import run_migrations

run_migrations(Base.metadata)
