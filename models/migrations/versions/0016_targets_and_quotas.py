"""targets and quotas: named-campaign tags, year targets, ward/organisation quotas, organiser scope

`campaigns.target_emergency_ready` joins the other targets; `organisers.scope` ("area" for everyone
granted before) limits what an organiser's figures cover. The year figures read a year's units from
`ix_donations_figures` alone, a campaign's from `ix_donations_session_figures`, and deferrals from a small
partial index (models/figures.py, bench/report.py).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target_emergency_ready", sa.Integer(), nullable=True))
    with op.batch_alter_table("organisers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=140), server_default="area", nullable=False))
    op.create_table(
        "campaign_tags",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_tags_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "tag", name=op.f("pk_campaign_tags")),
    )
    op.create_index("ix_campaign_tags_tag", "campaign_tags", ["tag"], unique=False)
    op.create_table(
        "year_targets",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("target_units", sa.Integer(), nullable=True),
        sa.Column("target_repeat_share", sa.Float(), nullable=True),
        sa.Column("target_350_share", sa.Float(), nullable=True),
        sa.Column("target_reserve_donors", sa.Integer(), nullable=True),
        sa.Column("target_emergency_ready", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_year_targets")),
    )
    op.create_table(
        "quotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("headcount", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('ward', 'organisation')", name=op.f("ck_quotas_kind")),
        sa.CheckConstraint("(campaign_id IS NULL) <> (year IS NULL)", name=op.f("ck_quotas_owner")),
        sa.CheckConstraint("units IS NULL OR units >= 0", name=op.f("ck_quotas_units")),
        sa.CheckConstraint("headcount IS NULL OR headcount > 0", name=op.f("ck_quotas_headcount")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_quotas_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotas")),
    )
    op.create_index("ix_quotas_campaign_id", "quotas", ["campaign_id"], unique=False)
    op.create_index("ix_quotas_year", "quotas", ["year"], unique=False)
    op.create_index(
        "ix_donations_figures",
        "donations",
        ["donated_on", "self_reported", "volume_ml", "session_id", "donor_id"],
        unique=False,
    )
    op.create_index(
        "ix_donations_session_figures",
        "donations",
        ["session_id", "self_reported", "donated_on", "volume_ml", "donor_id"],
        unique=False,
    )
    op.create_index(
        "ix_signups_deferred",
        "signups",
        ["session_id", "deferral_reason"],
        unique=False,
        sqlite_where=sa.text("status = 'deferred'"),
        postgresql_where=sa.text("status = 'deferred'"),
    )


def downgrade() -> None:
    op.drop_index("ix_signups_deferred", table_name="signups")
    op.drop_index("ix_donations_session_figures", table_name="donations")
    op.drop_index("ix_donations_figures", table_name="donations")
    op.drop_index("ix_quotas_year", table_name="quotas")
    op.drop_index("ix_quotas_campaign_id", table_name="quotas")
    op.drop_table("quotas")
    op.drop_table("year_targets")
    op.drop_index("ix_campaign_tags_tag", table_name="campaign_tags")
    op.drop_table("campaign_tags")
    with op.batch_alter_table("organisers", schema=None) as batch_op:
        batch_op.drop_column("scope")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("target_emergency_ready")
