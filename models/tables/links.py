"""Linking a chat to a profile safely: notices to the profile's other chats, wrong birth dates typed,
and approvals an older chat gives or refuses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain import limits
from models.tables.base import Base, UtcDateTime, utcnow


class LinkNotice(Base):
    """A profile got a new chat by phone and birth date; its older chats were told (`recipients`).

    The "Not me" button of the notice names this row, so only a chat that received it can take the new
    chat off the profile (never the other way round).
    """

    __tablename__ = "link_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id", ondelete="CASCADE"))
    recipients: Mapped[list[int]] = mapped_column(JSON, default=list)  # channel account ids
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_link_notices_donor_id", "donor_id"),)


class LinkFailure(Base):
    """A wrong birth date typed to link a chat to the profile with this phone (kept for the lock-out)."""

    __tablename__ = "link_failures"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    phone: Mapped[str] = mapped_column(String(limits.PHONE))  # E.164, the profile's ("" for none)
    platform: Mapped[str] = mapped_column(String(limits.PLATFORM))
    user_id: Mapped[str] = mapped_column(String(limits.USER_ID))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_link_failures_phone_at", "phone", "at"),
        Index("ix_link_failures_platform_user_at", "platform", "user_id", "at"),
    )


class Approval(Base):
    """A chat linked recently asked for a sensitive action; an older chat of the profile decides."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(limits.APPROVAL_ACTION))
    status: Mapped[str] = mapped_column(String(limits.STATUS), default="pending")
    decided_by: Mapped[int | None] = mapped_column(Integer)  # channel account id
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        CheckConstraint("action IN ('erase', 'phone', 'mydata')", name="action"),
        CheckConstraint("status IN ('pending', 'allowed', 'refused')", name="status"),
        Index("ix_approvals_account_id_action", "account_id", "action"),
        Index("ix_approvals_donor_id", "donor_id"),
    )
