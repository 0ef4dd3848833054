"""Alembic environment of the subscription service, run by ``codeflix.migrations.upgrade``."""

from apis.subscription.models import Base
from codeflix.migrations import run_migrations

run_migrations(Base.metadata)
