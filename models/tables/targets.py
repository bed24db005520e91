"""What a campaign or a year is judged against: named-campaign tags, year targets, ward and organisation
quotas (`domain.figures`, `models.figures`). One donation is one unit ("đơn vị máu")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from domain import limits
from models.tables.base import Base, UtcDateTime, utcnow


class CampaignTag(Base):
    """A campaign tagged with a national campaign (`domain.figures.Tag`: "chu-nhat-do", "7-4", …)."""

    __tablename__ = "campaign_tags"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(limits.TAG), primary_key=True)

    __table_args__ = (Index("ix_campaign_tags_tag", "tag"),)


class YearTarget(Base):
    """A year's targets (a district's "chỉ tiêu năm"), whatever campaigns the year has."""

    __tablename__ = "year_targets"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    target_units: Mapped[int | None] = mapped_column(Integer)
    target_repeat_share: Mapped[float | None] = mapped_column(Float)  # 0..1
    target_350_share: Mapped[float | None] = mapped_column(Float)  # 0..1
    target_reserve_donors: Mapped[int | None] = mapped_column(Integer)
    target_emergency_ready: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Quota(Base):
    """Units asked of one ward or organisation for a campaign or a year, and its headcount (staff or
    members) for "at least 20 % of the staff donated". Exactly one of `campaign_id` and `year` is set;
    one row per (campaign or year, kind, name) is kept by ``models.quotas.set_quota``."""

    __tablename__ = "quotas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    year: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(limits.QUOTA_KIND))
    name: Mapped[str] = mapped_column(String(limits.ORGANISATION))
    units: Mapped[int | None] = mapped_column(Integer)
    headcount: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN ('ward', 'organisation')", name="kind"),
        CheckConstraint("(campaign_id IS NULL) <> (year IS NULL)", name="owner"),
        CheckConstraint("units IS NULL OR units >= 0", name="units"),
        CheckConstraint("headcount IS NULL OR headcount > 0", name="headcount"),
        Index("ix_quotas_campaign_id", "campaign_id"),
        Index("ix_quotas_year", "year"),
    )
