"""channel_accounts.unlinked_from: a chat the profile's owner removed may not link to it again

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unlinked_from", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.drop_column("unlinked_from")
