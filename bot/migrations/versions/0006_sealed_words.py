"""every word a user wrote sealed with their own data key (bot.crypto)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:00:00

"""

import datetime as dtm
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Give users a data key, then seal what they wrote before (see bot.crypto.backfill)."""
    from bot.crypto.backfill import seal_plain_rows

    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
    seal_plain_rows(op.get_bind(), _vault(), dtm.datetime.now(dtm.UTC))


def downgrade() -> None:
    """Open every sealed value again (the key is needed), then drop the users' key ids."""
    from bot.crypto.backfill import open_sealed_rows

    open_sealed_rows(op.get_bind(), _vault())
    with op.batch_alter_table("users") as batch:
        batch.drop_column("key_id")


def _vault() -> Any:
    """The vault attached to the connection's engine (the bot's, or a command's)."""
    from bot.crypto.sealing import vault_or_none

    return vault_or_none(op.get_bind())
