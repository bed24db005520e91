"""how a donor consented (chat or a paper form, who took it) and whether the lab confirmed the blood group

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Everyone registered so far consented in the chat.
    with op.batch_alter_table("donors", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consent_source", sa.String(length=16), nullable=False, server_default="chat")
        )
        batch_op.add_column(sa.Column("consent_taken_by", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("consent_form_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("blood_confirmed_on", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_donors_consent_source"),
            "consent_source IN ('chat', 'desk_paper', 'import_paper')",
        )


def downgrade() -> None:
    with op.batch_alter_table("donors", schema=None) as batch_op:
        batch_op.drop_constraint("ck_donors_consent_source", type_="check")
        batch_op.drop_column("blood_confirmed_on")
        batch_op.drop_column("consent_form_on")
        batch_op.drop_column("consent_taken_by")
        batch_op.drop_column("consent_source")
