"""invites: one-time codes that make a chat account an organiser, and the wrong codes chats sent

`invites` keeps the hash of each code (never the code), what it grants, who made it, and when it was
used (by which chat account) or revoked; `invite_failures` counts wrong codes per chat for the lock-out.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=120), nullable=True),
        sa.Column("scope", sa.String(length=140), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('organiser', 'admin')", name=op.f("ck_invites_role")),
        sa.ForeignKeyConstraint(
            ["used_by"],
            ["channel_accounts.id"],
            name=op.f("fk_invites_used_by_channel_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invites_code_hash")),
    )
    op.create_index("ix_invites_expires_at", "invites", ["expires_at"], unique=False)
    op.create_table(
        "invite_failures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite_failures")),
    )
    op.create_index(
        "ix_invite_failures_platform_user_at", "invite_failures", ["platform", "user_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_invite_failures_platform_user_at", table_name="invite_failures")
    op.drop_table("invite_failures")
    op.drop_index("ix_invites_expires_at", table_name="invites")
    op.drop_table("invites")
