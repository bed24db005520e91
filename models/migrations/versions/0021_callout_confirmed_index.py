"""call-out matching: an index of the donors whose blood group the lab confirmed (asked first)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["is_reserve", "blood_abo", "blood_rh", "ward", "last_donation_on", "id"]


def upgrade() -> None:
    op.create_index(
        "ix_donors_callout_confirmed",
        "donors",
        COLUMNS,
        sqlite_where=sa.text("blood_confirmed_on IS NOT NULL"),
        postgresql_where=sa.text("blood_confirmed_on IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_donors_callout_confirmed", table_name="donors")
