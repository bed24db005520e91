"""a drive day's roster read from one index: the sign-ups' donor and check-in time join its columns

`ix_signups_session_slot` (session_id, slot_start, status) becomes `ix_signups_roster` with `donor_id` and
`checked_in_at` after them. The roster (`models.rosters`) reads every sign-up of a day in slot order and
then looked each one up in the table: 500 lookups for a 500-person day. Over bench/web.py's 1,000,000
donors its query went from 11.6 to 10.6 million instructions (valgrind; the rest is the donors, their
earlier donations and the sort). The figures' counts by status read the wider index as the narrower one.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_signups_roster", "signups", ["session_id", "slot_start", "status", "donor_id", "checked_in_at"]
    )
    op.drop_index("ix_signups_session_slot", table_name="signups")


def downgrade() -> None:
    op.create_index("ix_signups_session_slot", "signups", ["session_id", "slot_start", "status"])
    op.drop_index("ix_signups_roster", table_name="signups")
