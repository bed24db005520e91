"""Blood drives: a campaign's drive days (`drive_sessions`) and the donors' sign-ups to them."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain import limits
from models.tables.base import Base, UtcDateTime, utcnow


class Campaign(Base):
    """A blood drive campaign ("Kinh Môn ngàn trái tim vàng" 2020): targets and several sessions."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(limits.KEY), unique=True)  # stable id for idempotent imports
    name: Mapped[str] = mapped_column(String(limits.CAMPAIGN_NAME))
    organising_unit: Mapped[str | None] = mapped_column(String(limits.ORGANISING_UNIT))
    year: Mapped[int] = mapped_column(Integer)
    first_day: Mapped[date | None] = mapped_column(Date)  # asked by /taochiendich; plan files leave it out
    last_day: Mapped[date | None] = mapped_column(Date)
    target_units: Mapped[int | None] = mapped_column(Integer)
    target_repeat_share: Mapped[float | None] = mapped_column(Float)  # 0..1
    target_350_share: Mapped[float | None] = mapped_column(Float)  # 0..1
    target_reserve_donors: Mapped[int | None] = mapped_column(Integer)
    # Reserve donors who could give today (not away, past their interval): "≥ 100 ready for emergencies".
    target_emergency_ready: Mapped[int | None] = mapped_column(Integer)
    slogan: Mapped[str | None] = mapped_column(String(limits.SLOGAN))
    description: Mapped[str | None] = mapped_column(String(limits.DESCRIPTION))
    poster_path: Mapped[str | None] = mapped_column(String(limits.PATH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    drive_days: Mapped[list[DriveDay]] = relationship(back_populates="campaign", order_by="DriveDay.day")

    __table_args__ = (
        CheckConstraint("first_day IS NULL OR last_day IS NULL OR last_day >= first_day", name="days"),
    )


class DriveDay(Base):
    """One blood day of a campaign: a date, a place, opening hours, capacity and time slots."""

    __tablename__ = "drive_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(limits.KEY))  # unique within the campaign, for imports
    round: Mapped[int] = mapped_column(Integer, default=1)
    day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    place_name: Mapped[str] = mapped_column(String(limits.PLACE))
    address: Mapped[str | None] = mapped_column(String(limits.ADDRESS))
    ward: Mapped[str | None] = mapped_column(String(limits.WARD))
    map_url: Mapped[str | None] = mapped_column(String(limits.URL))
    capacity: Mapped[int] = mapped_column(Integer)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    audience: Mapped[str] = mapped_column(String(limits.AUDIENCE), default="open")  # or a sector: "education"
    status: Mapped[str] = mapped_column(String(limits.STATUS), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="drive_days")
    signups: Mapped[list[Signup]] = relationship(back_populates="drive_day")

    __table_args__ = (
        UniqueConstraint("campaign_id", "key", name="uq_drive_sessions_campaign_key"),
        CheckConstraint("capacity > 0", name="capacity"),
        CheckConstraint("slot_minutes > 0", name="slot_minutes"),
        CheckConstraint("end_time > start_time", name="hours"),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status"),
        Index("ix_drive_sessions_day", "day"),
    )


class Signup(Base):
    """A donor's place in a session's time slot, with the check-in code and the result.

    After the donor erased their data, a sign-up that is history (checked in, with a result, or of a
    past day) stays as a count: `donor_id` and `code` NULL, and nothing about the person's health.
    """

    __tablename__ = "signups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    drive_day_id: Mapped[int] = mapped_column(  # the column keeps its name of migration 0002
        "session_id", ForeignKey("drive_sessions.id", ondelete="CASCADE")
    )
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id", ondelete="CASCADE"))
    slot_start: Mapped[time] = mapped_column(Time)
    code: Mapped[str | None] = mapped_column(String(limits.CHECKIN_CODE), unique=True)
    status: Mapped[str] = mapped_column(String(limits.STATUS), default="active")
    checked_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    result_volume_ml: Mapped[int | None] = mapped_column(Integer)
    deferral_reason: Mapped[str | None] = mapped_column(String(limits.DEFERRAL_REASON))
    # The donor's answer to the follow-up the day after a donation: fine, dizzy, bruise, other.
    feeling: Mapped[str | None] = mapped_column(String(limits.FEELING))
    feeling_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    drive_day: Mapped[DriveDay] = relationship(back_populates="signups")

    __table_args__ = (
        UniqueConstraint("session_id", "donor_id", name="uq_signups_session_donor"),
        CheckConstraint(
            "status IN ('active', 'cancelled', 'checked_in', 'donated', 'deferred')", name="status"
        ),
        CheckConstraint("feeling IS NULL OR feeling IN ('fine', 'dizzy', 'bruise', 'other')", name="feeling"),
        # A day's sign-ups in slot order, with what the roster reads of each (migration 0025).
        Index("ix_signups_roster", "session_id", "slot_start", "status", "donor_id", "checked_in_at"),
        Index("ix_signups_donor_id", "donor_id"),
        # The figures' deferrals by reason (models/figures): a few rows, found without reading the rest.
        Index(
            "ix_signups_deferred",
            "session_id",
            "deferral_reason",
            sqlite_where=text("status = 'deferred'"),
            postgresql_where=text("status = 'deferred'"),
        ),
    )
