"""Viewers' saved titles ("my list").

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 15:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "my_list",
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("video_id", sa.Uuid(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["video_id"],
            ["videos.id"],
            name=op.f("fk_my_list_video_id_videos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "video_id", name=op.f("pk_my_list")),
    )
    with op.batch_alter_table("my_list", schema=None) as batch_op:
        batch_op.create_index("ix_my_list_user_id_added_at", ["user_id", "added_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("my_list", schema=None) as batch_op:
        batch_op.drop_index("ix_my_list_user_id_added_at")
    op.drop_table("my_list")
