"""Blood donors' clubs (câu lạc bộ hiến máu, "Ngân hàng máu sống", families, school and company teams),
their members, and the wrong join codes chats sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain import limits
from models.tables.base import Base, UtcDateTime, utcnow


class Club(Base):
    """A club an organiser created; donors join it with its code (`domain.clubs`)."""

    __tablename__ = "clubs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(limits.CLUB_KEY), unique=True)  # "clb-hien-mau-tam-luu"
    name: Mapped[str] = mapped_column(String(limits.CLUB_NAME))
    kind: Mapped[str] = mapped_column(String(limits.CLUB_KIND), default="club")
    ward: Mapped[str | None] = mapped_column(String(limits.WARD))  # one of [area] wards, or none
    join_code: Mapped[str] = mapped_column(String(limits.CLUB_CODE), unique=True)  # "CLB7K2MQX"
    created_by: Mapped[str] = mapped_column(String(limits.ACTOR))  # "telegram:123" or "cli:<os user>"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN ('club', 'living_bank', 'family', 'school', 'company')", name="kind"),
        Index("ix_clubs_ward", "ward"),
    )


class ClubMember(Base):
    """A donor in a club (a donor may be in several); erased with the donor."""

    __tablename__ = "club_members"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    club_id: Mapped[int] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"))
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(limits.CLUB_ROLE), default="member")
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(limits.CLUB_SOURCE), default="chat")

    __table_args__ = (
        UniqueConstraint("club_id", "donor_id", name="uq_club_members_club_donor"),
        CheckConstraint("role IN ('member', 'leader')", name="role"),
        CheckConstraint("source IN ('chat', 'import', 'organiser')", name="source"),
        Index("ix_club_members_donor_id", "donor_id"),
    )


class ClubJoinFailure(Base):
    """A join code sent from a chat that matched no club (counted for the lock-out; erased with the chat)."""

    __tablename__ = "club_join_failures"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(limits.PLATFORM))
    user_id: Mapped[str] = mapped_column(String(limits.USER_ID))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_club_join_failures_platform_user_at", "platform", "user_id", "at"),)
