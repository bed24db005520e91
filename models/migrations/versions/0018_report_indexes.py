"""report indexes: self_reported in the donor history index, two small partial indexes

The year report at a province's size (issue 15, bench/report.py --full):
- `ix_donations_donor_id_donated_on` gains `self_reported`, so the year's milestones and the honour list
  count a donor's desk and self-reported donations from the index alone instead of one table row per
  donation (the earlier-donation probes use the same first two columns as before);
- `ix_channel_accounts_donor_id` gains `unreachable_at` (as `ix_channel_accounts_reachable`), so the
  "has a reachable chat" check of the emergency-ready count and the call-out preview is answered from
  the index alone, not from a `channel_accounts` row per reserve donor (a partial index WHERE
  unreachable_at IS NULL was not enough: SQLite still read the row to test the column);
- `ix_donors_earlier_stated` holds the donors who stated donations before the bot, the honour list's
  second kind of candidate, found without reading every donor.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_donations_donor_id_donated_on", table_name="donations")
    op.create_index(
        "ix_donations_donor_id_donated_on",
        "donations",
        ["donor_id", "donated_on", "self_reported"],
        unique=False,
    )
    op.drop_index("ix_channel_accounts_donor_id", table_name="channel_accounts")
    op.create_index(
        "ix_channel_accounts_reachable", "channel_accounts", ["donor_id", "unreachable_at"], unique=False
    )
    op.create_index(
        "ix_donors_earlier_stated",
        "donors",
        ["id"],
        unique=False,
        sqlite_where=sa.text("earlier_donations > 0"),
        postgresql_where=sa.text("earlier_donations > 0"),
    )


def downgrade() -> None:
    op.drop_index("ix_donors_earlier_stated", table_name="donors")
    op.drop_index("ix_channel_accounts_reachable", table_name="channel_accounts")
    op.create_index("ix_channel_accounts_donor_id", "channel_accounts", ["donor_id"], unique=False)
    op.drop_index("ix_donations_donor_id_donated_on", table_name="donations")
    op.create_index("ix_donations_donor_id_donated_on", "donations", ["donor_id", "donated_on"], unique=False)
