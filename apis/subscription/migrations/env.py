"""Alembic environment of the subscription service: runs on the connection ``database.py`` gives."""

from apis.subscription.models import Base
from codeflix.migrations import run_migrations

run_migrations(Base.metadata, version_table="alembic_version_subscription")
