"""outbox routing: one push per person, its chat chosen when it is sent

`outbox.to_donor_id` marks a push to a person (any of their chats); the delivery loop picks the chat at
claim time by `channel_accounts.last_seen_at` (the chat they wrote from last) or the configured platform.
Rows queued before keep going to their one chat (`to_donor_id` NULL).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("to_donor_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_outbox_to_donor_id_donors", "donors", ["to_donor_id"], ["id"], ondelete="CASCADE"
        )
        # Deleting a donor (/xoa) finds their rows without a scan.
        batch_op.create_index("ix_outbox_to_donor_id", ["to_donor_id"], unique=False)
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_to_donor_id")
        batch_op.drop_constraint("fk_outbox_to_donor_id_donors", type_="foreignkey")
        batch_op.drop_column("to_donor_id")
