"""anonymous counts: erasure keeps donations, sign-ups and call-out answers without the person

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # After /xoa these rows stay as counts: their donor (and the chat, the check-in code) become NULL.
    with op.batch_alter_table("donations", schema=None) as batch_op:
        batch_op.alter_column("donor_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.alter_column("donor_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("code", existing_type=sa.String(length=12), nullable=True)
    with op.batch_alter_table("callout_recipients", schema=None) as batch_op:
        batch_op.alter_column("donor_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Anonymous rows cannot point at anyone again: they are dropped (the counts go with them).
    op.execute("DELETE FROM callout_recipients WHERE donor_id IS NULL OR account_id IS NULL")
    op.execute("DELETE FROM signups WHERE donor_id IS NULL OR code IS NULL")
    op.execute("DELETE FROM donations WHERE donor_id IS NULL")
    with op.batch_alter_table("callout_recipients", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("donor_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.alter_column("code", existing_type=sa.String(length=12), nullable=False)
        batch_op.alter_column("donor_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("donations", schema=None) as batch_op:
        batch_op.alter_column("donor_id", existing_type=sa.Integer(), nullable=False)
