"""notes imported from other journals: stars, tags, energy, and their photos

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 11:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("entries") as batch:
        batch.add_column(
            sa.Column("starred", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("energy", sa.SmallInteger(), nullable=True))
    op.create_table(
        "imported_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("file_unique_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "file_unique_id"),
    )
    op.create_index(op.f("ix_imported_files_user_id"), "imported_files", ["user_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_imported_files_user_id"), table_name="imported_files")
    op.drop_table("imported_files")
    with op.batch_alter_table("entries") as batch:
        batch.drop_column("energy")
        batch.drop_column("tags")
        batch.drop_column("starred")
