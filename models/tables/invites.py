"""Invite codes for organisers (`donorbot organiser invite`) and the wrong codes chats sent.

A code is stored only as its hash (`domain.invites.code_hash`); the row keeps what the code grants, who
made it, and when it was used, by which chat account, or revoked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from domain import limits
from models.tables.base import Base, UtcDateTime, utcnow
from models.tables.people import ROLE_CHECK


class Invite(Base):
    """A one-time code that makes the chat account that sends it an organiser with this role and scope."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(limits.INVITE_HASH), unique=True)
    role: Mapped[str] = mapped_column(String(limits.ROLE))
    unit: Mapped[str | None] = mapped_column(String(limits.ORGANISER_UNIT))
    scope: Mapped[str] = mapped_column(String(limits.SCOPE), default="area")
    created_by: Mapped[str] = mapped_column(String(limits.ACTOR))  # "cli:<os user>", as in the audit log
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The chat account that became the organiser; it stays after that person's /xoa (an organiser's
    # account is kept, see models.erasure), and is NULL only once the role is removed with the account.
    used_by: Mapped[int | None] = mapped_column(ForeignKey("channel_accounts.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        CheckConstraint(ROLE_CHECK, name="role"),
        Index("ix_invites_expires_at", "expires_at"),
    )


class InviteFailure(Base):
    """A code sent from a chat that matched no invite (counted for the lock-out; erased with the chat)."""

    __tablename__ = "invite_failures"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(limits.PLATFORM))
    user_id: Mapped[str] = mapped_column(String(limits.USER_ID))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_invite_failures_platform_user_at", "platform", "user_id", "at"),)
