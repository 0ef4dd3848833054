"""Alembic environment of the catalog service, run by ``codeflix.migrations.upgrade``."""

from apis.catalog.models import Base
from codeflix.migrations import run_migrations

run_migrations(Base.metadata)
