"""Playback's tables: playable videos, their ratings, entitlements, viewing progress, the inbox.

Tables and indexes are created only when missing: databases made before the playback service
had migrations already hold them (their tables came from the models at start-up).

Revision ID: 0001
Revises:
Create Date: 2026-12-01 18:28:10.284100

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "entitlements",
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("subscription_id", sa.String(length=64), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("max_height", sa.Integer(), nullable=True),
        sa.Column("active_until", sa.Float(), nullable=False),
        sa.Column("event_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
        if_not_exists=True,
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
        if_not_exists=True,
    )
    op.create_table(
        "playable_videos",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("catalog_event_at", sa.Float(), nullable=True),
        sa.Column("media_status", sa.String(length=16), nullable=False),
        sa.Column("hls_prefix", sa.String(length=512), nullable=True),
        sa.Column("master_key", sa.String(length=512), nullable=True),
        sa.Column("poster_key", sa.String(length=512), nullable=True),
        sa.Column("thumbnails_key", sa.String(length=512), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("renditions", sa.JSON(), nullable=False),
        sa.Column("media_event_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("video_id"),
        if_not_exists=True,
    )
    op.create_table(
        "video_ratings",
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("rating", sa.String(length=4), nullable=False),
        sa.Column("event_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("video_id"),
        if_not_exists=True,
    )
    op.create_table(
        "viewing_progress",
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("video_id", sa.String(length=64), nullable=False),
        sa.Column("position_seconds", sa.Float(), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "video_id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_viewing_progress_updated_at"),
        "viewing_progress",
        ["updated_at"],
        unique=False,
        if_not_exists=True,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_viewing_progress_updated_at"), table_name="viewing_progress")
    op.drop_table("viewing_progress")
    op.drop_table("video_ratings")
    op.drop_table("playable_videos")
    op.drop_table("inbox")
    op.drop_table("entitlements")
