"""Alembic environment of the subscription service, on the connection ``database.py`` gives."""

from __future__ import annotations

from alembic import context

from apis.subscription.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table="alembic_version_subscription",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
