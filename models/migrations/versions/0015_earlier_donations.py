"""donations before the bot: donors.earlier_donations and when an organiser corrected it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Donors registered before: NULL (not said); /hoso lets them say it, an organiser may correct it.
    with op.batch_alter_table("donors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("earlier_donations", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("earlier_checked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_donors_earlier_donations"),
            "earlier_donations IS NULL OR (earlier_donations >= 0 AND earlier_donations <= 500)",
        )


def downgrade() -> None:
    with op.batch_alter_table("donors", schema=None) as batch_op:
        batch_op.drop_constraint("ck_donors_earlier_donations", type_="check")
        batch_op.drop_column("earlier_checked_at")
        batch_op.drop_column("earlier_donations")
