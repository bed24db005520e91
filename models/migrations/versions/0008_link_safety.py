"""link safety: link notices bound to their recipients, birth-date failures, approvals, outbox rows about a donor

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unlinked_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True))
    # Chats linked before this revision: their account's creation is the best known link time.
    op.execute("UPDATE channel_accounts SET linked_at = created_at WHERE donor_id IS NOT NULL")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about_donor_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_outbox_about_donor_id_donors", "donors", ["about_donor_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index("ix_outbox_about_donor_id", ["about_donor_id"], unique=False)

    op.create_table(
        "link_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("donor_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["channel_accounts.id"],
            name=op.f("fk_link_notices_account_id_channel_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["donor_id"], ["donors.id"], name=op.f("fk_link_notices_donor_id_donors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_notices")),
    )
    op.create_index("ix_link_notices_donor_id", "link_notices", ["donor_id"], unique=False)

    op.create_table(
        "link_failures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_failures")),
    )
    op.create_index("ix_link_failures_phone_at", "link_failures", ["phone", "at"], unique=False)
    op.create_index(
        "ix_link_failures_platform_user_at", "link_failures", ["platform", "user_id", "at"], unique=False
    )

    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("donor_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("action IN ('erase', 'phone', 'mydata')", name=op.f("ck_approvals_action")),
        sa.CheckConstraint("status IN ('pending', 'allowed', 'refused')", name=op.f("ck_approvals_status")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["channel_accounts.id"],
            name=op.f("fk_approvals_account_id_channel_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["donor_id"], ["donors.id"], name=op.f("fk_approvals_donor_id_donors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
    )
    op.create_index("ix_approvals_account_id_action", "approvals", ["account_id", "action"], unique=False)
    op.create_index("ix_approvals_donor_id", "approvals", ["donor_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_approvals_donor_id", table_name="approvals")
    op.drop_index("ix_approvals_account_id_action", table_name="approvals")
    op.drop_table("approvals")
    op.drop_index("ix_link_failures_platform_user_at", table_name="link_failures")
    op.drop_index("ix_link_failures_phone_at", table_name="link_failures")
    op.drop_table("link_failures")
    op.drop_index("ix_link_notices_donor_id", table_name="link_notices")
    op.drop_table("link_notices")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_about_donor_id")
        batch_op.drop_constraint("fk_outbox_about_donor_id_donors", type_="foreignkey")
        batch_op.drop_column("about_donor_id")
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.drop_column("linked_at")
        batch_op.drop_column("unlinked_by")
