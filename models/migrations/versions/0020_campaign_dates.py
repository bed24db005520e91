"""a campaign's first and last day (a campaign created in the chat asks them; a plan file may leave them out)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("last_day", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_campaigns_days"), "first_day IS NULL OR last_day IS NULL OR last_day >= first_day"
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint("ck_campaigns_days", type_="check")
        batch_op.drop_column("last_day")
        batch_op.drop_column("first_day")
