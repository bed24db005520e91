"""Emergency call-outs for a blood group, and the donors each one messaged (with their answers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain import limits
from models.tables.base import Base, UtcDateTime, utcnow


class Callout(Base):
    """An emergency call-out: blood groups and units needed at a place before a deadline, sent in waves."""

    __tablename__ = "callouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_accounts.id", ondelete="SET NULL")
    )
    groups: Mapped[list[str]] = mapped_column(JSON)  # group codes needed: ["O+"]
    # The donor groups asked when the organiser widened it to compatible groups (["O+", "O-"]);
    # None: as config.toml says (the group needed, or [callouts.compatibility] with widen_red_cells).
    donor_groups: Mapped[list[str] | None] = mapped_column(JSON)
    component: Mapped[str] = mapped_column(String(limits.COMPONENT))
    units_needed: Mapped[int] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(limits.PLACE))
    address: Mapped[str | None] = mapped_column(String(limits.ADDRESS))
    contact: Mapped[str | None] = mapped_column(String(limits.CONTACT))  # shown to donors who accept
    deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    wards: Mapped[list[str] | None] = mapped_column(JSON)  # None: all wards
    # Clubs first (services.callouts.waves): the first wave asks only members of these clubs (club ids;
    # [] for every club), later waves everyone. None: no club first.
    first_clubs: Mapped[list[int] | None] = mapped_column(JSON)
    # Only donors of `wards` (a ward organiser's call-out, domain.roles); False: `wards` are asked first.
    wards_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(limits.STATUS), default="open")
    waves_sent: Mapped[int] = mapped_column(Integer, default=0)
    next_wave_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    tally_chat_id: Mapped[str | None] = mapped_column(String(limits.CHAT_ID))
    # the organiser's message that shows the live tally (edited in place as donors answer)
    tally_message_id: Mapped[str | None] = mapped_column(String(limits.MESSAGE_ID))
    matched: Mapped[int | None] = mapped_column(Integer)  # donors matching when it was sent
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    filled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        CheckConstraint("component IN ('whole_blood', 'platelets')", name="component"),
        CheckConstraint("units_needed > 0", name="units_needed"),
        CheckConstraint("status IN ('open', 'filled', 'closed', 'expired')", name="status"),
        CheckConstraint("waves_sent >= 0", name="waves_sent"),
        Index("ix_callouts_status_next_wave_at", "status", "next_wave_at"),
    )


class CalloutRecipient(Base):
    """One donor messaged by a call-out (through one chat account), and their answer.

    After the donor erased their data the answer stays as a count: `donor_id` and `account_id` NULL.
    """

    __tablename__ = "callout_recipients"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    callout_id: Mapped[int] = mapped_column(ForeignKey("callouts.id", ondelete="CASCADE"))
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("channel_accounts.id", ondelete="CASCADE"))
    wave: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(limits.STATUS), default="messaged")
    messaged_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("callout_id", "donor_id", name="uq_callout_recipients_callout_donor"),
        CheckConstraint("status IN ('messaged', 'accepted', 'declined', 'cancelled')", name="status"),
        CheckConstraint("wave > 0", name="wave"),
        # How many call-outs reached a donor in the last 30 days (the fatigue limit).
        Index("ix_callout_recipients_donor_messaged", "donor_id", "messaged_at"),
        Index("ix_callout_recipients_account_id", "account_id"),
    )
