"""Who: donors (the personal data lives here and in `donations`), their chat accounts and the dialogue in
progress in each chat, organisers, and what organisers did (the audit log)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain import limits
from domain.roles import ROLES
from models.tables.base import Base, UtcDateTime, utcnow


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
    # How the consent was given: "chat" (the bot's consent step), "desk_paper" (a paper form signed at
    # the check-in desk) or "import_paper" (a paper form behind a list an organiser imported). For a
    # paper consent, who recorded it (an actor, "telegram:123" or "cli:<user>") and the form's date.
    consent_source: Mapped[str] = mapped_column(
        String(limits.CONSENT_SOURCE), default="chat", server_default="chat"
    )
    consent_taken_by: Mapped[str | None] = mapped_column(String(limits.ACTOR))
    consent_form_on: Mapped[date | None] = mapped_column(Date)
    # The blood group as the lab found it: the day it was confirmed (then blood_abo/blood_rh are the lab's);
    # None while the group is the donor's own word. Call-out matching prefers confirmed groups.
    blood_confirmed_on: Mapped[date | None] = mapped_column(Date)
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
    # Donations before the bot (domain/milestones.py): stated by the donor (None: not said, or "not
    # sure"), or corrected by an organiser (`donorbot donor earlier-count`) at `earlier_checked_at`,
    # after which the donor's /hoso no longer changes it. Who corrected it is in the audit log.
    earlier_donations: Mapped[int | None] = mapped_column(Integer)
    earlier_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
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
        CheckConstraint("consent_source IN ('chat', 'desk_paper', 'import_paper')", name="consent_source"),
        CheckConstraint(
            "earlier_donations IS NULL OR (earlier_donations >= 0 AND earlier_donations <= 500)",
            name="earlier_donations",
        ),
        Index("ix_donors_ward_reserve", "ward", "is_reserve"),
        # Call-out matching walks one (group, ward) at a time in last-donation order: models/callout_matching.
        Index("ix_donors_callout", "is_reserve", "blood_abo", "blood_rh", "ward", "last_donation_on", "id"),
        # ... and the donors whose group the lab confirmed, asked first in their ward (migration 0020).
        Index(
            "ix_donors_callout_confirmed",
            "is_reserve",
            "blood_abo",
            "blood_rh",
            "ward",
            "last_donation_on",
            "id",
            sqlite_where=text("blood_confirmed_on IS NOT NULL"),
            postgresql_where=text("blood_confirmed_on IS NOT NULL"),
        ),
        # The honour list's donors with donations stated before the bot (models/honours), without a scan.
        Index(
            "ix_donors_earlier_stated",
            "id",
            sqlite_where=text("earlier_donations > 0"),
            postgresql_where=text("earlier_donations > 0"),
        ),
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
    # long as the chat that removed it (`unlinked_by`) is still on the profile (see models/accounts.may_link).
    unlinked_from: Mapped[int | None] = mapped_column(Integer)
    unlinked_by: Mapped[int | None] = mapped_column(Integer)
    # When this chat was linked to its donor: an older chat may take a younger one off the profile, never
    # the other way round, and a chat linked recently needs an older one's approval for sensitive actions.
    linked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the person last wrote from this chat (`models.accounts.seen`): a push to them goes to the chat
    # they used last (`delivery.prefer_channel`). NULL: not since this was recorded.
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    donor: Mapped[Donor | None] = relationship(back_populates="accounts")
    organiser: Mapped[Organiser | None] = relationship(back_populates="account")

    __table_args__ = (
        UniqueConstraint("platform", "user_id", name="uq_channel_accounts_platform_user"),
        # A donor's chats; "has a reachable chat" (the call-out preview, the emergency-ready count) is
        # answered from this index alone (migration 0017).
        Index("ix_channel_accounts_reachable", "donor_id", "unreachable_at"),
    )


class Donation(Base):
    """A donation recorded at a drive, or reported by the donor at registration.

    `donor_id` is NULL once the donor erased their data: a donation recorded at a drive stays, without
    anyone's identity, so the campaign's numbers do not change (models.erasure.erase).
    """

    __tablename__ = "donations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id", ondelete="CASCADE"))
    donated_on: Mapped[date] = mapped_column(Date)
    volume_ml: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(limits.DONATION_KIND), default="whole_blood")
    place: Mapped[str | None] = mapped_column(String(limits.PLACE))
    self_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    drive_day_id: Mapped[int | None] = mapped_column(  # the column keeps its name of migration 0002
        "session_id", ForeignKey("drive_sessions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    donor: Mapped[Donor | None] = relationship(back_populates="donations")

    __table_args__ = (
        CheckConstraint("volume_ml IS NULL OR volume_ml IN (250, 350, 450)", name="volume"),
        CheckConstraint(
            "kind IN ('whole_blood', 'apheresis_red_cells', 'apheresis_platelets', 'apheresis_plasma')",
            name="kind",
        ),
        # A donor's history; with self_reported, their counts (models/honours) never read the table.
        Index("ix_donations_donor_id_donated_on", "donor_id", "donated_on", "self_reported"),
        # The year figures (models/figures) read a year's units from this index alone, never the table.
        Index("ix_donations_figures", "donated_on", "self_reported", "volume_ml", "session_id", "donor_id"),
        # ... and a campaign's from this one (its drive days' donations), never the table either.
        Index(
            "ix_donations_session_figures",
            "session_id",
            "self_reported",
            "donated_on",
            "volume_ml",
            "donor_id",
        ),
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
    # On a chat without buttons: the [label, value] pairs the last messages numbered 1, 2, … (see
    # handlers/numbered.py); a typed "2" or the words of a label pick one.
    choices: Mapped[list[list[str]] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


ROLE_CHECK = "role IN (" + ", ".join(f"'{role}'" for role in ROLES) + ")"
"""The roles of `domain.roles`, for the CHECK of `organisers.role` and `invites.role` (migration 0020)."""


class Organiser(Base):
    """A channel account with an organiser role; checked on every organiser command."""

    __tablename__ = "organisers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("channel_accounts.id", ondelete="CASCADE"), unique=True
    )
    role: Mapped[str] = mapped_column(String(limits.ROLE))
    unit: Mapped[str | None] = mapped_column(String(limits.ORGANISER_UNIT))
    # What their work covers (`domain.figures.Scope`): "area", "ward:<name>", "organisation:<name>",
    # "club:<key>" or "drive_day:<id>"; which scopes fit which role is `domain.roles`.
    scope: Mapped[str] = mapped_column(String(limits.SCOPE), default="area", server_default="area")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    account: Mapped[ChannelAccount] = relationship(back_populates="organiser")

    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role"),)


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
