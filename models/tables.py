"""ORM tables. Times are stored in UTC; personal data lives only in `donors` and `donations`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Donor(Base):
    """A person who consented to be registered as a blood donor."""

    __tablename__ = "donors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    full_name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(6))
    blood_abo: Mapped[str | None] = mapped_column(String(2))
    blood_rh: Mapped[str | None] = mapped_column(String(1))
    weight_kg: Mapped[float | None] = mapped_column(Float)
    ward: Mapped[str | None] = mapped_column(String(80))
    organisation: Mapped[str | None] = mapped_column(String(120))
    is_reserve: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(5), default="vi")
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    accounts: Mapped[list[ChannelAccount]] = relationship(back_populates="donor")
    donations: Mapped[list[Donation]] = relationship(
        back_populates="donor", cascade="all, delete-orphan", order_by="Donation.donated_on"
    )

    __table_args__ = (
        CheckConstraint("sex IN ('male', 'female')", name="sex"),
        CheckConstraint("blood_abo IS NULL OR blood_abo IN ('A', 'B', 'AB', 'O')", name="abo"),
        CheckConstraint("blood_rh IS NULL OR blood_rh IN ('+', '-')", name="rh"),
        Index("ix_donors_ward_reserve", "ward", "is_reserve"),
    )


class ChannelAccount(Base):
    """One chat identity (platform + user id), linked to a donor once registered."""

    __tablename__ = "channel_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id", ondelete="SET NULL"))
    unreachable_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    donor: Mapped[Donor | None] = relationship(back_populates="accounts")
    organiser: Mapped[Organiser | None] = relationship(back_populates="account")

    __table_args__ = (
        UniqueConstraint("platform", "user_id", name="uq_channel_accounts_platform_user"),
        Index("ix_channel_accounts_donor_id", "donor_id"),
    )


class Donation(Base):
    """A donation recorded at a drive, or reported by the donor at registration."""

    __tablename__ = "donations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id", ondelete="CASCADE"))
    donated_on: Mapped[date] = mapped_column(Date)
    volume_ml: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24), default="whole_blood")
    place: Mapped[str | None] = mapped_column(String(160))
    self_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    donor: Mapped[Donor] = relationship(back_populates="donations")

    __table_args__ = (
        CheckConstraint("volume_ml IS NULL OR volume_ml IN (250, 350, 450)", name="volume"),
        CheckConstraint(
            "kind IN ('whole_blood', 'apheresis_red_cells', 'apheresis_platelets', 'apheresis_plasma')",
            name="kind",
        ),
        Index("ix_donations_donor_id_donated_on", "donor_id", "donated_on"),
    )


class Conversation(Base):
    """The dialogue in progress in one chat, so a restart or another instance continues it."""

    __tablename__ = "conversations"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Organiser(Base):
    """A channel account with an organiser role; checked on every organiser command."""

    __tablename__ = "organisers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("channel_accounts.id", ondelete="CASCADE"), unique=True
    )
    role: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    account: Mapped[ChannelAccount] = relationship(back_populates="organiser")

    __table_args__ = (CheckConstraint("role IN ('organiser', 'admin')", name="role"),)


class AuditEntry(Base):
    """Who did what as an organiser: ids and action names, never phones or health data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))  # "telegram:123" or "cli:<os user>"
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_audit_log_at", "at"),)


__all__ = [
    "AuditEntry",
    "Base",
    "ChannelAccount",
    "Conversation",
    "Donation",
    "Donor",
    "Organiser",
    "utcnow",
]
