"""Alembic environment of the catalog: runs on the connection handed over by ``database.py``."""

from __future__ import annotations

from alembic import context

from apis.catalog.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table="alembic_version_catalog",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
