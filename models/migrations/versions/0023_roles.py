"""roles with scopes: club leaders and desk staff; a ward organiser's call-out asks its ward only

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = "role IN ('admin', 'organiser', 'club_leader', 'desk')"  # domain.roles.ROLES
OLD = "role IN ('organiser', 'admin')"


def _check(table: str, condition: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_role"), type_="check")
        batch_op.create_check_constraint(op.f(f"ck_{table}_role"), condition)


def upgrade() -> None:
    _check("organisers", ROLES)
    _check("invites", ROLES)
    # Every call-out so far asked its wards first and then the others.
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wards_only", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.drop_column("wards_only")
    # Club leaders and desk staff lose the role: the old constraint knows only these two.
    op.execute("DELETE FROM organisers WHERE role NOT IN ('organiser', 'admin')")
    op.execute("DELETE FROM invites WHERE role NOT IN ('organiser', 'admin')")
    _check("organisers", OLD)
    _check("invites", OLD)
