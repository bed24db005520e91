"""clubs: donors' clubs, their members, wrong join codes per chat, and a call-out's "clubs first"

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clubs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("ward", sa.String(length=80), nullable=True),
        sa.Column("join_code", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('club', 'living_bank', 'family', 'school', 'company')", name=op.f("ck_clubs_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clubs")),
        sa.UniqueConstraint("key", name=op.f("uq_clubs_key")),
        sa.UniqueConstraint("join_code", name=op.f("uq_clubs_join_code")),
    )
    op.create_index("ix_clubs_ward", "clubs", ["ward"], unique=False)
    op.create_table(
        "club_members",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("donor_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.CheckConstraint("role IN ('member', 'leader')", name=op.f("ck_club_members_role")),
        sa.CheckConstraint("source IN ('chat', 'import', 'organiser')", name=op.f("ck_club_members_source")),
        sa.ForeignKeyConstraint(
            ["club_id"], ["clubs.id"], name=op.f("fk_club_members_club_id_clubs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["donor_id"], ["donors.id"], name=op.f("fk_club_members_donor_id_donors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_club_members")),
        sa.UniqueConstraint("club_id", "donor_id", name="uq_club_members_club_donor"),
    )
    op.create_index("ix_club_members_donor_id", "club_members", ["donor_id"], unique=False)
    op.create_table(
        "club_join_failures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_club_join_failures")),
    )
    op.create_index(
        "ix_club_join_failures_platform_user_at",
        "club_join_failures",
        ["platform", "user_id", "at"],
        unique=False,
    )
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_clubs", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.drop_column("first_clubs")
    op.drop_index("ix_club_join_failures_platform_user_at", table_name="club_join_failures")
    op.drop_table("club_join_failures")
    op.drop_index("ix_club_members_donor_id", table_name="club_members")
    op.drop_table("club_members")
    op.drop_index("ix_clubs_ward", table_name="clubs")
    op.drop_table("clubs")
