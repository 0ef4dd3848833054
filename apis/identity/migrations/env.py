"""Alembic environment of the identity service, run by ``codeflix.migrations.upgrade``."""

from apis.identity.models import Base
from codeflix.migrations import run_migrations

run_migrations(Base.metadata)
