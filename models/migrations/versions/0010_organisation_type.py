"""organisation type of a donor (school / company / agency / none), for sector-only sessions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Donors registered before: NULL (not asked yet); /hoso lets them say it.
    with op.batch_alter_table("donors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_type", sa.String(length=12), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_donors_organisation_type"),
            "organisation_type IS NULL OR organisation_type IN ('school', 'company', 'agency', 'none')",
        )


def downgrade() -> None:
    with op.batch_alter_table("donors", schema=None) as batch_op:
        batch_op.drop_constraint("ck_donors_organisation_type", type_="check")
        batch_op.drop_column("organisation_type")
