"""Announcements: one organiser text pushed to many donors through the outbox. Never commits.

An announcement is
- a row of `announcements`, whose id is its number (#12: a sequence of its own, not shared with the audit
  log), with who sent it, the audience and the counts (never the recipients, never the text),
- an audit-log entry `announcement.create` naming it (`announcement:{id}`), and
- one outbox row per matching donor with a reachable chat: kind `announcement` (the lowest priority, so
  call-outs and reminders overtake it), key `announcement:{id}:p{donor_id}` and
  `batch = "announcement:{id}"`, which `outbox.progress` counts. The row is the person's (`to_donor_id`):
  the delivery loop picks their chat when it sends (the one they used last, the other one when that is
  blocked), so someone on Telegram and Zalo gets it once.

The rows are written by one `INSERT ... SELECT ... ON CONFLICT DO NOTHING`, so 10,000 recipients cost one
statement, not 10,000 round trips.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import String, case, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from domain import ids
from domain.text import clean_input
from models import audit, outbox
from models.tables import AnnouncementRow, ChannelAccount, Donor, Outbox

ACTION: Final = "announcement.create"
KIND: Final = "announcement"
MAX_TEXT: Final = 1500
"""Well under Telegram's 4,096 and Zalo's 2,000 characters, so one announcement is one message."""
_ID = re.compile(r"^\s*(?:announcement:|#)?\s*([0-9]+)\s*$")


class AnnouncementError(ValueError):
    """The text or the audience cannot be announced; the message says why."""


@dataclass(frozen=True)
class Audience:
    """Who gets it: every registered donor, or only these wards, or one organisation's donors (an
    organisation's organiser: their scope), and/or only reserve donors."""

    wards: tuple[str, ...] = ()
    reserve_only: bool = False
    organisation: str | None = None  # as the donors' profiles spell it (as `models.figures` compares)

    @property
    def name(self) -> str:
        """`all`, `wards`, `organisation`, `reserve`, `reserve_wards` or `reserve_organisation` (for the
        audit log and the texts)."""
        if self.organisation is not None:
            return "reserve_organisation" if self.reserve_only else "organisation"
        if self.wards:
            return "reserve_wards" if self.reserve_only else "wards"
        return "reserve" if self.reserve_only else "all"

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.wards:
            found.append(Donor.ward.in_(self.wards))
        if self.organisation is not None:
            found.append(Donor.organisation == self.organisation)
        if self.reserve_only:
            found.append(Donor.is_reserve.is_(True))
        return found

    def details(self) -> dict[str, object]:
        found: dict[str, object] = {
            "audience": self.name,
            "wards": list(self.wards),
            "reserve_only": self.reserve_only,
        }
        if self.organisation is not None:  # an organisation is no person: its name may be logged
            found["organisation"] = self.organisation
        return found

    @classmethod
    def from_details(cls, details: dict[str, Any]) -> Audience:
        organisation = details.get("organisation")
        return cls(
            wards=tuple(str(w) for w in details.get("wards") or ()),
            reserve_only=bool(details.get("reserve_only")),
            organisation=str(organisation) if organisation is not None else None,
        )


@dataclass(frozen=True)
class Reach:
    """How many donors match and how many of their chat accounts can be written to."""

    donors: int
    accounts: int


@dataclass(frozen=True)
class Announcement:
    id: int
    at: datetime
    actor: str
    audience: Audience
    donors: int
    queued: int

    @property
    def batch(self) -> str:
        return batch_of(self.id)


@dataclass(frozen=True)
class Progress:
    """Outbox counts of one announcement; `waiting` is pending + sending."""

    sent: int
    failed: int
    waiting: int
    cancelled: int

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.waiting + self.cancelled

    @property
    def share_sent(self) -> float:
        return self.sent / self.total if self.total else 0.0

    @property
    def done(self) -> bool:
        return self.waiting == 0


def batch_of(announcement_id: int) -> str:
    return f"announcement:{announcement_id}"


def parse_id(text: str) -> int | None:
    """ "42", "#42" or "announcement:42" → 42."""
    match = _ID.match(text)
    return ids.parse_id(match.group(1)) if match else None  # announcements.id is an INTEGER


def clean_text(text: str) -> str:
    """The organiser's words as they will be sent (outer blank space trimmed, and no control, bidi or
    zero-width characters: `domain.text.clean_input`, as for anything typed in a chat); refuses empty or
    long."""
    cleaned = clean_input(text).strip()
    if not cleaned:
        raise AnnouncementError("the text is empty")
    if len(cleaned) > MAX_TEXT:
        raise AnnouncementError(f"the text has {len(cleaned)} characters; at most {MAX_TEXT} fit")
    return cleaned


def _reachable(audience: Audience) -> list[ColumnElement[bool]]:
    return [ChannelAccount.unreachable_at.is_(None), *audience.conditions()]


async def reach(session: AsyncSession, audience: Audience) -> Reach:
    """Donors of the audience with at least one reachable chat account, and those accounts."""
    row = (
        await session.execute(
            select(func.count(func.distinct(Donor.id)), func.count(ChannelAccount.id))
            .select_from(ChannelAccount)
            .join(Donor, Donor.id == ChannelAccount.donor_id)
            .where(*_reachable(audience))
        )
    ).one()
    return Reach(donors=int(row[0]), accounts=int(row[1]))


async def create(
    session: AsyncSession,
    *,
    text: str,
    audience: Audience,
    actor: str,
    now: datetime,
    due_at: datetime | None = None,
) -> Announcement:
    """Writes the audit entry and one outbox row per matching donor with a reachable chat."""
    text = clean_text(text)
    counted = await reach(session, audience)
    row = AnnouncementRow(actor=actor, audience=audience.details(), donors=counted.donors, created_at=now)
    session.add(row)
    await session.flush()
    batch = batch_of(row.id)
    queued = await _enqueue_all(
        session, batch=batch, audience=audience, text=text, due_at=due_at or now, now=now
    )
    row.queued = queued
    details = {**audience.details(), "batch": batch, "donors": counted.donors, "queued": queued}
    await audit.record(  # counts and ids only
        session, actor=actor, action=ACTION, target=batch, details=details, now=now
    )
    await session.flush()
    return _announcement(row)


async def _enqueue_all(
    session: AsyncSession, *, batch: str, audience: Audience, text: str, due_at: datetime, now: datetime
) -> int:
    """One `INSERT ... SELECT`: a row per donor, key `{batch}:p{donor_id}` (`outbox.routed_key`), its
    `account_id` the donor's first reachable chat; for someone with several, the delivery loop chooses
    among them when it sends (`to_donor_id`)."""
    table = Outbox.__table__.c
    rows = (
        select(
            (literal(f"{batch}:p", String) + ChannelAccount.donor_id.cast(String)).label("key"),
            func.min(ChannelAccount.id).label("account_id"),
            literal(KIND, String).label("kind"),
            literal(outbox.PRIORITY[KIND]).label("priority"),
            literal(outbox.payload_of(text), table.payload.type).label("payload"),
            literal(due_at, table.due_at.type).label("due_at"),
            literal("pending", String).label("status"),
            literal(0).label("attempts"),
            literal(batch, String).label("batch"),
            literal(now, table.created_at.type).label("created_at"),
            # addressed to the donor: erasing them removes the row, even from an organiser's kept account
            ChannelAccount.donor_id.label("about_donor_id"),
            # routed when sent only for people with a choice of chats: most have one, and the claim
            # then reads nothing more (bench/broadcast.py)
            case((func.count(ChannelAccount.id) > 1, ChannelAccount.donor_id), else_=None).label(
                "to_donor_id"
            ),
        )
        .select_from(ChannelAccount)
        .join(Donor, Donor.id == ChannelAccount.donor_id)
        .where(*_reachable(audience))  # a WHERE keeps SQLite's parser apart from ON CONFLICT
        .group_by(ChannelAccount.donor_id)
        .order_by(ChannelAccount.donor_id)
    )
    columns = [c.name for c in rows.selected_columns]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(Outbox)
        .from_select(columns, rows, include_defaults=False)
        .on_conflict_do_nothing(index_elements=[Outbox.key])
    )
    result = await session.execute(statement)
    return int(cast(CursorResult[Any], result).rowcount)


def _announcement(row: AnnouncementRow) -> Announcement:
    return Announcement(
        id=row.id,
        at=row.created_at,
        actor=row.actor,
        audience=Audience.from_details(dict(row.audience or {})),
        donors=row.donors,
        queued=row.queued,
    )


async def find(session: AsyncSession, announcement_id: int) -> Announcement | None:
    row = await session.get(AnnouncementRow, announcement_id)
    return None if row is None else _announcement(row)


async def latest(session: AsyncSession, *, actor: str | None = None) -> Announcement | None:
    """The newest announcement (of this actor, if given)."""
    statement = select(AnnouncementRow)
    if actor is not None:
        statement = statement.where(AnnouncementRow.actor == actor)
    row = await session.scalar(statement.order_by(AnnouncementRow.id.desc()).limit(1))
    return None if row is None else _announcement(row)


async def progress(session: AsyncSession, announcement_id: int) -> Progress:
    counts = await outbox.progress(session, batch_of(announcement_id))
    return Progress(
        sent=counts["sent"],
        failed=counts["failed"],
        waiting=counts["pending"] + counts["sending"],
        cancelled=counts["cancelled"],
    )


__all__ = [
    "ACTION",
    "MAX_TEXT",
    "Announcement",
    "AnnouncementError",
    "Audience",
    "Progress",
    "Reach",
    "batch_of",
    "clean_text",
    "create",
    "find",
    "latest",
    "parse_id",
    "progress",
    "reach",
]
