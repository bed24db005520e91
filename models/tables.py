"""ORM tables. Times are stored in UTC; personal data lives only in `donors` and `donations`.

Erasure (models.donors.erase) deletes the person and keeps anonymous counts: donations, sign-ups and
call-out answers whose donor columns are NULL (see docs/ARCHITECTURE.md, "Data and privacy").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
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
    Time,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from domain import limits


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
    full_name: Mapped[str] = mapped_column(String(limits.FULL_NAME))
    phone: Mapped[str] = mapped_column(String(limits.PHONE), unique=True)  # E.164
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(limits.SEX))
    blood_abo: Mapped[str | None] = mapped_column(String(limits.BLOOD_ABO))
    blood_rh: Mapped[str | None] = mapped_column(String(limits.BLOOD_RH))
    weight_kg: Mapped[float | None] = mapped_column(Float)
    ward: Mapped[str | None] = mapped_column(String(limits.WARD))
    organisation: Mapped[str | None] = mapped_column(String(limits.ORGANISATION))
    # school / company / agency / none (domain.organisations); None: not asked yet (registered before it
    # was asked). Sector-only sessions are offered only to donors of their type.
    organisation_type: Mapped[str | None] = mapped_column(String(limits.ORGANISATION_TYPE))
    is_reserve: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(limits.LANGUAGE), default="vi")
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # "Can donate again from": kept only after a separate, explicit opt-in at the self-check.
    eligible_from: Mapped[date | None] = mapped_column(Date)
    eligible_from_opt_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Call-outs: /vangmat pauses them until this day (inclusive).
    away_until: Mapped[date | None] = mapped_column(Date)
    # The latest donation, copied from `donations` by models.callouts.refresh_last_donation (after every
    # donation write) so that matching a call-out never scans the donations table.
    last_donation_on: Mapped[date | None] = mapped_column(Date)
    last_donation_kind: Mapped[str | None] = mapped_column(String(limits.DONATION_KIND))
    # Reminders, ward invitations and "eligible again" nudges (/nhacnho turns them off).
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
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
        CheckConstraint(
            "organisation_type IS NULL OR organisation_type IN ('school', 'company', 'agency', 'none')",
            name="organisation_type",
        ),
        Index("ix_donors_ward_reserve", "ward", "is_reserve"),
        # Call-out matching walks one (group, ward) at a time in last-donation order: models/callout_matching.
        Index("ix_donors_callout", "is_reserve", "blood_abo", "blood_rh", "ward", "last_donation_on", "id"),
    )


class ChannelAccount(Base):
    """One chat identity (platform + user id), linked to a donor once registered."""

    __tablename__ = "channel_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(limits.PLATFORM))
    user_id: Mapped[str] = mapped_column(String(limits.USER_ID))
    chat_id: Mapped[str] = mapped_column(String(limits.CHAT_ID))
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id", ondelete="SET NULL"))
    unreachable_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The profile whose owner took this chat off it ("not me"): the chat may not link to it again, as
    # long as the chat that removed it (`unlinked_by`) is still on the profile (see models/donors.may_link).
    unlinked_from: Mapped[int | None] = mapped_column(Integer)
    unlinked_by: Mapped[int | None] = mapped_column(Integer)
    # When this chat was linked to its donor: an older chat may take a younger one off the profile, never
    # the other way round, and a chat linked recently needs an older one's approval for sensitive actions.
    linked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    donor: Mapped[Donor | None] = relationship(back_populates="accounts")
    organiser: Mapped[Organiser | None] = relationship(back_populates="account")

    __table_args__ = (
        UniqueConstraint("platform", "user_id", name="uq_channel_accounts_platform_user"),
        Index("ix_channel_accounts_donor_id", "donor_id"),
    )


class Donation(Base):
    """A donation recorded at a drive, or reported by the donor at registration.

    `donor_id` is NULL once the donor erased their data: a donation recorded at a drive stays, without
    anyone's identity, so the campaign's numbers do not change (models.donors.erase).
    """

    __tablename__ = "donations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id", ondelete="CASCADE"))
    donated_on: Mapped[date] = mapped_column(Date)
    volume_ml: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(limits.DONATION_KIND), default="whole_blood")
    place: Mapped[str | None] = mapped_column(String(limits.PLACE))
    self_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("drive_sessions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    donor: Mapped[Donor | None] = relationship(back_populates="donations")

    __table_args__ = (
        CheckConstraint("volume_ml IS NULL OR volume_ml IN (250, 350, 450)", name="volume"),
        CheckConstraint(
            "kind IN ('whole_blood', 'apheresis_red_cells', 'apheresis_platelets', 'apheresis_plasma')",
            name="kind",
        ),
        Index("ix_donations_donor_id_donated_on", "donor_id", "donated_on"),
    )


class Campaign(Base):
    """A blood drive campaign ("Kinh Môn ngàn trái tim vàng" 2020): targets and several sessions."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(limits.KEY), unique=True)  # stable id for idempotent imports
    name: Mapped[str] = mapped_column(String(limits.CAMPAIGN_NAME))
    organising_unit: Mapped[str | None] = mapped_column(String(limits.ORGANISING_UNIT))
    year: Mapped[int] = mapped_column(Integer)
    target_units: Mapped[int | None] = mapped_column(Integer)
    target_repeat_share: Mapped[float | None] = mapped_column(Float)  # 0..1
    target_350_share: Mapped[float | None] = mapped_column(Float)  # 0..1
    target_reserve_donors: Mapped[int | None] = mapped_column(Integer)
    slogan: Mapped[str | None] = mapped_column(String(limits.SLOGAN))
    description: Mapped[str | None] = mapped_column(String(limits.DESCRIPTION))
    poster_path: Mapped[str | None] = mapped_column(String(limits.PATH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    sessions: Mapped[list[DriveSession]] = relationship(
        back_populates="campaign", order_by="DriveSession.day"
    )


class DriveSession(Base):
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

    campaign: Mapped[Campaign] = relationship(back_populates="sessions")
    signups: Mapped[list[Signup]] = relationship(back_populates="session")

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
    session_id: Mapped[int] = mapped_column(ForeignKey("drive_sessions.id", ondelete="CASCADE"))
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

    session: Mapped[DriveSession] = relationship(back_populates="signups")

    __table_args__ = (
        UniqueConstraint("session_id", "donor_id", name="uq_signups_session_donor"),
        CheckConstraint(
            "status IN ('active', 'cancelled', 'checked_in', 'donated', 'deferred')", name="status"
        ),
        CheckConstraint("feeling IS NULL OR feeling IN ('fine', 'dizzy', 'bruise', 'other')", name="feeling"),
        Index("ix_signups_session_slot", "session_id", "slot_start", "status"),
        Index("ix_signups_donor_id", "donor_id"),
    )


class Conversation(Base):
    """The dialogue in progress in one chat, so a restart or another instance continues it."""

    __tablename__ = "conversations"

    platform: Mapped[str] = mapped_column(String(limits.PLATFORM), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(limits.CHAT_ID), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(limits.FLOW))
    step: Mapped[str | None] = mapped_column(String(limits.STEP))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str | None] = mapped_column(String(limits.LANGUAGE))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Organiser(Base):
    """A channel account with an organiser role; checked on every organiser command."""

    __tablename__ = "organisers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("channel_accounts.id", ondelete="CASCADE"), unique=True
    )
    role: Mapped[str] = mapped_column(String(limits.ROLE))
    unit: Mapped[str | None] = mapped_column(String(limits.ORGANISER_UNIT))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    account: Mapped[ChannelAccount] = relationship(back_populates="organiser")

    __table_args__ = (CheckConstraint("role IN ('organiser', 'admin')", name="role"),)


class AuditEntry(Base):
    """Who did what as an organiser: ids and action names, never phones or health data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(limits.ACTOR))  # "telegram:123" or "cli:<os user>"
    action: Mapped[str] = mapped_column(String(limits.ACTION))
    target: Mapped[str | None] = mapped_column(String(limits.TARGET))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_audit_log_at", "at"),)


class Outbox(Base):
    """A push waiting to be sent, being sent, or done: one row per message and chat account.

    `key` is the idempotency key (`reminder:{session}:{donor}:{offset}:{account}`), so planning the same
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

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_outbox_claim", "status", "priority", "due_at"),
        Index("ix_outbox_account_id", "account_id"),
        Index("ix_outbox_batch", "batch"),
        Index("ix_outbox_about_donor_id", "about_donor_id"),
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


__all__ = [
    "AnnouncementRow",
    "Approval",
    "AuditEntry",
    "Base",
    "Callout",
    "CalloutRecipient",
    "Campaign",
    "ChannelAccount",
    "Conversation",
    "Donation",
    "Donor",
    "DriveSession",
    "LinkFailure",
    "LinkNotice",
    "Organiser",
    "Outbox",
    "Signup",
    "utcnow",
]
