"""Pushes: the outbox the delivery loop drains, and the announcements queued into it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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


class Outbox(Base):
    """A push waiting to be sent, being sent, or done: one row per message and person (or chat account).

    `key` is the idempotency key (`reminder:{session}:{donor}:{offset}:p{donor}`), so planning the same
    push twice creates nothing new. The text lives in `payload` and never in `last_error` or the logs.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(limits.OUTBOX_KEY), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(limits.OUTBOX_KIND))
    priority: Mapped[int] = mapped_column(Integer)  # lower is sooner: call-outs 0 ... announcements 5
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"text": str, "choices": [[{label, value}]]}
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(limits.STATUS), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(limits.ERROR))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Not sent after this (a reminder is useless once its session starts): cancelled as "expired".
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    batch: Mapped[str | None] = mapped_column(String(limits.BATCH))  # "announcement:42", for progress counts
    # The donor the text is about (a reminder to them, an organiser's notice naming them): erasing the
    # donor deletes the row, whoever it was addressed to.
    about_donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id", ondelete="CASCADE"))
    # A push to a person rather than to one chat (`models.outbox.enqueue_for_donor`): the delivery loop
    # picks the donor's chat when it claims the row (`models.outbox_claims.route`) and writes it to
    # `account_id`, which until then holds the chat chosen at enqueue. NULL: to `account_id` only.
    to_donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id", ondelete="CASCADE"))

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_outbox_claim", "status", "priority", "due_at"),
        Index("ix_outbox_account_id", "account_id"),
        Index("ix_outbox_batch", "batch"),
        Index("ix_outbox_about_donor_id", "about_donor_id"),
        Index("ix_outbox_to_donor_id", "to_donor_id"),
    )


class AnnouncementRow(Base):
    """An organiser's announcement: its own number (#12 in /tiendo and `donorbot announce progress`), who
    sent it, to whom, and how many donors and chats it was queued for (the rows are in the outbox, batch
    `announcement:{id}`; the text only there)."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(limits.ACTOR))  # "telegram:123" or "cli:<os user>"
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"audience", "wards", "reserve_only"}
    donors: Mapped[int] = mapped_column(Integer, default=0)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_announcements_actor_id", "actor", "id"),)
