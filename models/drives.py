"""Blood drives: campaign plans, sessions, slot sign-ups, check-in and results. Never commits.

The chat handlers, the `donorbot drive` command and (later) the spreadsheet import all go through these
functions, so there is one write path for each fact: a sign-up can only be taken through `take_slot`, which
never overbooks, and a result only through `record_result`, which never counts a donation twice.
"""

from __future__ import annotations

import random
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from enum import StrEnum
from pathlib import Path

from sqlalchemy import ColumnElement, Select, and_, case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain import limits
from domain.organisations import SECTORS, admits, is_audience
from domain.slots import (
    has_ended,
    moved_slot,
    new_code,
    normalise_code,
    slot_capacity,
    slot_end,
    slot_index,
    slot_starts,
)
from domain.text import clean_input
from models import audit, callouts, outbox
from models.tables import Campaign, Donation, Donor, DriveSession, Signup

CANCELLED = "cancelled"
ACTIVE = "active"
SIGNUP_STATUSES = (ACTIVE, "checked_in", "donated", "deferred", CANCELLED)
VOLUMES = (250, 350, 450)
KINDS = ("whole_blood", "apheresis_red_cells", "apheresis_platelets", "apheresis_plasma")
MAX_ROUND = 20
MAX_CAPACITY = 100_000  # donors in one session
MAX_SLOT_MINUTES = 24 * 60
_SYSTEM_RNG = random.SystemRandom()
_CODE_ATTEMPTS = 20


class PlanError(ValueError):
    """A campaign plan file cannot be used; the message starts with the key path (`sessions[2].start`)."""


class DriveError(Exception):
    """An organiser's change cannot be made: unknown id, end before start, capacity below sign-ups."""


# --------------------------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class SessionPlan:
    """One `[[sessions]]` entry of a plan file: a blood day at one place."""

    key: str
    day: date
    start_time: time
    end_time: time
    place_name: str
    capacity: int
    round: int = 1
    address: str | None = None
    ward: str | None = None
    map_url: str | None = None
    slot_minutes: int = 30
    audience: str = "open"


@dataclass(frozen=True)
class CampaignPlan:
    """The `[campaign]` table of a plan file and its sessions."""

    key: str
    name: str
    year: int
    sessions: tuple[SessionPlan, ...]
    organising_unit: str | None = None
    slogan: str | None = None
    description: str | None = None
    target_units: int | None = None
    target_repeat_share: float | None = None
    target_350_share: float | None = None
    target_reserve_donors: int | None = None
    poster_path: str | None = None


_KEY = re.compile(rf"[a-z0-9][a-z0-9-]{{0,{limits.KEY - 1}}}")
_AUDIENCE_PROBLEM = 'must be "open" or a sector: ' + ", ".join(f'"{name}"' for name in SECTORS)
_HHMM = re.compile(r"(\d{1,2}):(\d{2})")
_SPACES = re.compile(r"\s+")

_CAMPAIGN_KEYS = {
    "key",
    "name",
    "year",
    "organising_unit",
    "slogan",
    "description",
    "target_units",
    "target_repeat_share",
    "target_350_share",
    "target_reserve_donors",
    "poster",
}
_SESSION_KEYS = {
    "key",
    "round",
    "date",
    "start",
    "end",
    "place",
    "address",
    "ward",
    "map_url",
    "capacity",
    "slot_minutes",
    "audience",
}


class _Table:
    """Typed reads from one TOML table; every problem is reported as `<where>.<key>: <problem>`."""

    def __init__(self, raw: object, where: str, allowed: set[str]) -> None:
        if not isinstance(raw, dict):
            raise PlanError(f"{where}: must be a table")
        for name in raw:
            if name not in allowed:
                raise PlanError(f"{where}.{name}: unknown key (check the spelling)")
        self.raw: dict[str, object] = raw
        self.where = where

    def fail(self, name: str, problem: str) -> PlanError:
        return PlanError(f"{self.where}.{name}: {problem}")

    def _get(self, name: str, required: bool) -> object:
        value = self.raw.get(name)
        if value is None and required:
            raise self.fail(name, "missing")
        return value

    def text(self, name: str, *, max_len: int, required: bool = False, multiline: bool = False) -> str | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(name, "must be text in quotes")
        value = clean_input(value)  # as the chat does: no control, bidi or zero-width characters
        cleaned = value.strip() if multiline else _SPACES.sub(" ", value).strip()
        if not cleaned:
            if required:
                raise self.fail(name, "must not be empty")
            return None
        if len(cleaned) > max_len:
            raise self.fail(name, f"is too long ({len(cleaned)} characters, at most {max_len})")
        return cleaned

    def required_text(self, name: str, *, max_len: int) -> str:
        value = self.text(name, max_len=max_len, required=True)
        assert value is not None
        return value

    def key(self, name: str) -> str:
        value = self.required_text(name, max_len=limits.KEY)
        if not _KEY.fullmatch(value):
            raise self.fail(name, "must be lower-case letters, digits and dashes, like r1-tam-luu")
        return value

    def integer(self, name: str, *, minimum: int, maximum: int, required: bool = False) -> int | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, "must be a whole number")
        if not minimum <= value <= maximum:
            raise self.fail(name, f"must be between {minimum} and {maximum}")
        return value

    def share(self, name: str) -> float | None:
        value = self._get(name, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(name, "must be a number between 0 and 1")
        if not 0 <= value <= 1:
            raise self.fail(name, "must be between 0 and 1 (0.6 means 60 %)")
        return float(value)

    def day(self, name: str) -> date:
        value = self._get(name, True)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.fail(name, "must be a date YYYY-MM-DD")

    def hhmm(self, name: str) -> time:
        value = self._get(name, True)
        if isinstance(value, time) and value.second == 0 and value.microsecond == 0:
            return value
        if isinstance(value, str):
            parsed = parse_hhmm(value)
            if parsed is not None:
                return parsed
        raise self.fail(name, "must be HH:MM")


def parse_hhmm(text: str) -> time | None:
    """A time of day written "07:00" or "7:00", or None."""
    match = _HHMM.fullmatch(text.strip())
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def check_session(plan: SessionPlan) -> tuple[str, str] | None:
    """The first thing wrong with a session's values, as (key, problem), or None.

    Shared by the plan file and `donorbot drive add`, so both refuse the same mistakes.
    """
    if not _KEY.fullmatch(plan.key):
        return "key", "must be lower-case letters, digits and dashes, like r1-tam-luu"
    if plan.end_time <= plan.start_time:
        return "end", f"must be after start ({plan.start_time:%H:%M})"
    if plan.capacity < 1:
        return "capacity", "must be at least 1"
    if plan.slot_minutes < 1:
        return "slot_minutes", "must be at least 1"
    if not plan.place_name.strip() or len(plan.place_name) > limits.PLACE:
        return "place", f"must be 1 to {limits.PLACE} characters"
    if not is_audience(plan.audience):
        return "audience", _AUDIENCE_PROBLEM
    for name, value, limit in (
        ("address", plan.address, limits.ADDRESS),
        ("ward", plan.ward, limits.WARD),
        ("map_url", plan.map_url, limits.URL),
    ):
        if value is not None and len(value) > limit:
            return name, f"is too long (at most {limit} characters)"
    return None


def _read_session(raw: object, where: str) -> SessionPlan:
    table = _Table(raw, where, _SESSION_KEYS)
    start = table.hhmm("start")
    end = table.hhmm("end")
    if end <= start:
        raise table.fail("end", f"must be after start ({start:%H:%M})")
    audience = table.text("audience", max_len=limits.AUDIENCE) or "open"
    if not is_audience(audience):
        raise table.fail("audience", _AUDIENCE_PROBLEM)
    plan = SessionPlan(
        key=table.key("key"),
        round=table.integer("round", minimum=1, maximum=MAX_ROUND) or 1,
        day=table.day("date"),
        start_time=start,
        end_time=end,
        place_name=table.required_text("place", max_len=limits.PLACE),
        address=table.text("address", max_len=limits.ADDRESS),
        ward=table.text("ward", max_len=limits.WARD),
        map_url=table.text("map_url", max_len=limits.URL),
        capacity=table.integer("capacity", minimum=1, maximum=MAX_CAPACITY, required=True) or 0,
        slot_minutes=table.integer("slot_minutes", minimum=5, maximum=MAX_SLOT_MINUTES) or 30,
        audience=audience,
    )
    problem = check_session(plan)
    if problem is not None:
        raise table.fail(*problem)
    return plan


def load_plan(path: Path) -> CampaignPlan:
    """Reads and validates a campaign plan file (see examples/kinh-mon-2020.toml for the keys).

    Every problem names its key path, sessions numbered from 1 in file order, so an organiser can find
    the line: `sessions[2].start: must be HH:MM`.
    """
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise PlanError("file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"not valid TOML: {exc}") from None
    for name in raw:
        if name not in ("campaign", "sessions"):
            raise PlanError(f"{name}: unknown key (expected [campaign] and [[sessions]])")
    if "campaign" not in raw:
        raise PlanError("campaign: missing ([campaign] table)")
    table = _Table(raw["campaign"], "campaign", _CAMPAIGN_KEYS)
    raw_sessions = raw.get("sessions")
    if not isinstance(raw_sessions, list) or not raw_sessions:
        raise PlanError("sessions: needs at least one [[sessions]] entry")
    sessions: list[SessionPlan] = []
    seen: set[str] = set()
    for number, entry in enumerate(raw_sessions, start=1):
        where = f"sessions[{number}]"
        plan = _read_session(entry, where)
        if plan.key in seen:
            raise PlanError(f"{where}.key: {plan.key!r} is used by an earlier session")
        seen.add(plan.key)
        sessions.append(plan)
    return CampaignPlan(
        key=table.key("key"),
        name=table.required_text("name", max_len=limits.CAMPAIGN_NAME),
        year=table.integer("year", minimum=2000, maximum=2100, required=True) or 0,
        organising_unit=table.text("organising_unit", max_len=limits.ORGANISING_UNIT),
        slogan=table.text("slogan", max_len=limits.SLOGAN),
        description=table.text("description", max_len=limits.DESCRIPTION, multiline=True),
        target_units=table.integer("target_units", minimum=1, maximum=1_000_000),
        target_repeat_share=table.share("target_repeat_share"),
        target_350_share=table.share("target_350_share"),
        target_reserve_donors=table.integer("target_reserve_donors", minimum=0, maximum=1_000_000),
        poster_path=table.text("poster", max_len=limits.PATH),
        sessions=tuple(sessions),
    )


@dataclass(frozen=True)
class ImportResult:
    """Rows of the campaign and its sessions that an import created, changed or left as they were.

    `affected_donor_ids` are donors with an active sign-up in a session whose date, hours or place the
    import changed, and `affected_sessions` those sessions with their donors: the caller tells them
    (`handlers.notices.session_changed`).
    """

    created: int
    updated: int
    unchanged: int
    affected_donor_ids: tuple[int, ...] = field(default=())
    affected_sessions: tuple[tuple[int, tuple[int, ...]], ...] = field(default=())


def _campaign_values(plan: CampaignPlan) -> dict[str, object]:
    return {
        "name": plan.name,
        "year": plan.year,
        "organising_unit": plan.organising_unit,
        "slogan": plan.slogan,
        "description": plan.description,
        "target_units": plan.target_units,
        "target_repeat_share": plan.target_repeat_share,
        "target_350_share": plan.target_350_share,
        "target_reserve_donors": plan.target_reserve_donors,
        "poster_path": plan.poster_path,
    }


def _session_values(plan: SessionPlan) -> dict[str, object]:
    return {
        "round": plan.round,
        "day": plan.day,
        "start_time": plan.start_time,
        "end_time": plan.end_time,
        "place_name": plan.place_name,
        "address": plan.address,
        "ward": plan.ward,
        "map_url": plan.map_url,
        "capacity": plan.capacity,
        "slot_minutes": plan.slot_minutes,
        "audience": plan.audience,
    }


def _apply(row: object, values: Mapping[str, object]) -> list[str]:
    """Sets the values that differ and returns their names (empty: nothing to write)."""
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    return changed


async def import_plan(
    session: AsyncSession, plan: CampaignPlan, *, actor: str, now: datetime
) -> ImportResult:
    """Creates or updates the campaign (by `key`) and its sessions (by session `key`); idempotent.

    Sessions missing from the file are left alone (an organiser may have added them with the CLI), and
    a session's status is never touched: cancelling is `cancel_session`'s job. When the file changes a
    session's hours, sign-ups move with them (`domain.slots.moved_slot`); a capacity below the sign-ups
    already taken is refused, so an import never overbooks.
    """
    created = updated = unchanged = 0
    affected: dict[int, tuple[int, ...]] = {}
    campaign = await campaign_by_key(session, plan.key)
    if campaign is None:
        campaign = Campaign(key=plan.key, created_at=now, updated_at=now, **_campaign_values(plan))
        session.add(campaign)
        await session.flush()
        created += 1
    elif _apply(campaign, _campaign_values(plan)):
        campaign.updated_at = now
        updated += 1
    else:
        unchanged += 1
    rows = (
        await session.scalars(
            select(DriveSession)
            .where(DriveSession.campaign_id == campaign.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    existing = {row.key: row for row in rows}
    for entry in plan.sessions:
        row = existing.get(entry.key)
        if row is None:
            session.add(
                DriveSession(
                    campaign_id=campaign.id,
                    key=entry.key,
                    status="scheduled",
                    created_at=now,
                    updated_at=now,
                    **_session_values(entry),
                )
            )
            created += 1
            continue
        values = _session_values(entry)
        if all(getattr(row, name) == value for name, value in values.items()):
            unchanged += 1
            continue
        taken = await _taken(session, row.id)
        if entry.capacity < taken:
            raise DriveError(
                f"session {entry.key}: capacity {entry.capacity} is below the {taken} sign-ups already taken"
            )
        moved = (row.day, row.start_time, row.end_time, row.place_name) != (
            entry.day,
            entry.start_time,
            entry.end_time,
            entry.place_name,
        )
        if moved and (donor_ids := tuple(await _active_donor_ids(session, row.id))):
            affected[row.id] = donor_ids
        if (row.day, row.start_time, row.end_time, row.place_name, row.address, row.ward) != (
            entry.day,
            entry.start_time,
            entry.end_time,
            entry.place_name,
            entry.address,
            entry.ward,
        ):
            await _withdraw_session_pushes(session, row)
        await _reslot(
            session, row, start=entry.start_time, end=entry.end_time, slot_minutes=entry.slot_minutes
        )
        _apply(row, values)
        row.updated_at = now
        updated += 1
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="drive.import",
        target=f"campaign:{plan.key}",
        details={"created": created, "updated": updated, "unchanged": unchanged},
        now=now,
    )
    everyone = tuple(sorted({donor for donors in affected.values() for donor in donors}))
    return ImportResult(created, updated, unchanged, everyone, tuple(sorted(affected.items())))


# --------------------------------------------------------------------------------------------- views


@dataclass(frozen=True)
class SessionView:
    """What a donor or organiser sees of a session, with its sign-up counts (no personal data)."""

    id: int
    campaign_name: str
    day: date
    start_time: time
    end_time: time
    place_name: str
    address: str | None
    ward: str | None
    map_url: str | None
    capacity: int
    taken: int
    free: int
    audience: str
    round: int
    status: str = "scheduled"
    slot_minutes: int = 30
    key: str = ""
    campaign_id: int = 0


@dataclass(frozen=True)
class SlotView:
    """One time slot of a session and how many of its places are taken."""

    start: time
    capacity: int
    taken: int

    @property
    def free(self) -> int:
        """Places left; never negative, even if an organiser shortened the hours after sign-ups."""
        return max(self.capacity - self.taken, 0)


def _taken_counts() -> Select[tuple[int, int]]:
    return (
        select(Signup.session_id, func.count(Signup.id).label("taken"))
        .where(Signup.status != CANCELLED)
        .group_by(Signup.session_id)
    )


def _views() -> Select[tuple[DriveSession, str, int]]:
    taken = _taken_counts().subquery()
    return (
        select(DriveSession, Campaign.name, func.coalesce(taken.c.taken, 0))
        .join(Campaign, Campaign.id == DriveSession.campaign_id)
        .outerjoin(taken, taken.c.session_id == DriveSession.id)
    )


def _view(row: DriveSession, campaign_name: str, taken: int) -> SessionView:
    return SessionView(
        id=row.id,
        campaign_name=campaign_name,
        day=row.day,
        start_time=row.start_time,
        end_time=row.end_time,
        place_name=row.place_name,
        address=row.address,
        ward=row.ward,
        map_url=row.map_url,
        capacity=row.capacity,
        taken=int(taken),
        free=max(row.capacity - int(taken), 0),
        audience=row.audience,
        round=row.round,
        status=row.status,
        slot_minutes=row.slot_minutes,
        key=row.key,
        campaign_id=row.campaign_id,
    )


def _not_ended(now: datetime, tz: tzinfo) -> ColumnElement[bool]:
    """Sessions that have not ended at `now`: a later day, or today with the closing hour still to come
    (dates and hours are wall-clock times in the configured zone `tz`)."""
    local = now.astimezone(tz)
    return or_(
        DriveSession.day > local.date(),
        and_(DriveSession.day == local.date(), DriveSession.end_time > local.time().replace(tzinfo=None)),
    )


async def upcoming_sessions(
    session: AsyncSession,
    *,
    now: datetime,
    tz: tzinfo,
    ward: str | None,
    audiences: Collection[str] | None = None,
    limit: int = 10,
) -> list[SessionView]:
    """Scheduled sessions that have not ended at `now` (local time in `tz`): the donor's own ward first
    (nearest), then by date and hour.

    `audiences` None lists every session (organisers); otherwise only those for these audiences ("open"
    and the donor's sectors, `domain.organisations.audiences_for`), so a sector-only blood day is not
    offered to everyone.
    """
    query = _views().where(DriveSession.status == "scheduled", _not_ended(now, tz))
    if audiences is not None:
        query = query.where(DriveSession.audience.in_(sorted(set(audiences))))
    if ward is not None:
        query = query.order_by(case((DriveSession.ward == ward, 0), else_=1))
    query = query.order_by(DriveSession.day, DriveSession.start_time, DriveSession.id)
    rows = (await session.execute(query.limit(limit))).all()
    return [_view(row, name, taken) for row, name, taken in rows]


async def session_view(session: AsyncSession, session_id: int) -> SessionView | None:
    """One session as shown to people, whatever its status or date (the caller checks both)."""
    row = (await session.execute(_views().where(DriveSession.id == session_id))).first()
    return None if row is None else _view(*row)


async def campaign_sessions(session: AsyncSession, campaign_id: int) -> list[SessionView]:
    """Every session of a campaign, past and cancelled ones included, by date and hour (organiser lists)."""
    rows = (
        await session.execute(
            _views()
            .where(DriveSession.campaign_id == campaign_id)
            .order_by(DriveSession.day, DriveSession.start_time, DriveSession.id)
        )
    ).all()
    return [_view(row, name, taken) for row, name, taken in rows]


@dataclass(frozen=True)
class CampaignTotals:
    """A campaign's numbers over all its sessions; they include donors who erased their data since."""

    signups: int  # not cancelled
    donations: int  # recorded at its sessions
    volume_ml: int
    deferred: int


async def campaign_totals(session: AsyncSession, campaign_id: int) -> CampaignTotals:
    """Sign-ups, donations (and their volume) and deferrals of the campaign's sessions."""
    sessions = select(DriveSession.id).where(DriveSession.campaign_id == campaign_id)
    donations, volume = (
        await session.execute(
            select(func.count(Donation.id), func.coalesce(func.sum(Donation.volume_ml), 0)).where(
                Donation.session_id.in_(sessions), Donation.self_reported.is_(False)
            )
        )
    ).one()
    statuses = dict(
        (
            await session.execute(
                select(Signup.status, func.count(Signup.id))
                .where(Signup.session_id.in_(sessions))
                .group_by(Signup.status)
            )
        )
        .tuples()
        .all()
    )
    return CampaignTotals(
        signups=sum(n for status, n in statuses.items() if status != CANCELLED),
        donations=int(donations),
        volume_ml=int(volume),
        deferred=int(statuses.get("deferred", 0)),
    )


def _starts(row: DriveSession) -> list[time]:
    return slot_starts(start=row.start_time, end=row.end_time, slot_minutes=row.slot_minutes)


async def _slot_counts(
    session: AsyncSession, row: DriveSession, *, without: int | None = None
) -> tuple[list[time], list[int], list[int]]:
    """Slot starts, their capacities and the sign-ups counted in each (all but cancelled ones)."""
    starts = _starts(row)
    capacities = slot_capacity(capacity=row.capacity, slots=len(starts))
    taken = [0] * len(starts)
    query = select(Signup.slot_start).where(Signup.session_id == row.id, Signup.status != CANCELLED)
    if without is not None:
        query = query.where(Signup.id != without)
    for at in (await session.scalars(query)).all():
        taken[slot_index(starts, at)] += 1
    return starts, capacities, taken


def _slot_over(row: DriveSession, start: time, *, now: datetime, tz: tzinfo) -> bool:
    end = slot_end(start, slot_minutes=row.slot_minutes, session_end=row.end_time)
    return has_ended(row.day, end, now=now, tz=tz)


async def free_slots(
    session: AsyncSession,
    session_id: int,
    *,
    include_full: bool = False,
    open_at: tuple[datetime, tzinfo] | None = None,
) -> list[SlotView]:
    """The slots a donor can still pick, in time order; `include_full` adds the full ones (organiser view).

    `open_at` (now, the configured zone) leaves out the slots that have ended by then: at 10:00 of a
    07:00–11:00 session the 07:00 slot is not offered. Empty for an unknown session; the status is not
    checked here (`take_slot` does).
    """
    row = await session.get(DriveSession, session_id)
    if row is None:
        return []
    starts, capacities, taken = await _slot_counts(session, row)
    slots = [SlotView(start, cap, n) for start, cap, n in zip(starts, capacities, taken, strict=True)]
    if open_at is not None:
        now, tz = open_at
        slots = [slot for slot in slots if not _slot_over(row, slot.start, now=now, tz=tz)]
    return slots if include_full else [slot for slot in slots if slot.free > 0]


# --------------------------------------------------------------------------------------------- sign-ups


class TakeRefusal(StrEnum):
    """Why a sign-up (or a move to another slot) was not made; the chat turns each into a message."""

    FULL = "full"  # that slot has no place left
    SESSION_FULL = "session_full"  # no place left in the whole session
    NOT_FOUND = "not_found"  # no such session, slot or sign-up
    CANCELLED = "cancelled"  # the session was cancelled
    PAST = "past"  # the session or the slot is over (or the donor already checked in)
    ALREADY = "already"  # the donor already has a sign-up for this session
    NOT_FOR_YOU = "not_for_you"  # a session for a sector the donor does not belong to


async def _lock_session(session: AsyncSession, session_id: int) -> DriveSession | None:
    """Loads the session row for writing; on PostgreSQL `FOR UPDATE` makes concurrent sign-ups queue.

    Counting and inserting happen after the lock, so two donors cannot both take the last place. SQLite
    ignores `FOR UPDATE`; there every transaction is `BEGIN IMMEDIATE` (models.db), which serialises
    writers the same way. `populate_existing` re-reads a row this session may already hold.
    """
    row: DriveSession | None = await session.scalar(
        select(DriveSession)
        .where(DriveSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return row


async def _taken(session: AsyncSession, session_id: int) -> int:
    count = await session.scalar(
        select(func.count(Signup.id)).where(Signup.session_id == session_id, Signup.status != CANCELLED)
    )
    return int(count or 0)


async def _active_donor_ids(session: AsyncSession, session_id: int) -> list[int]:
    """The donors with an active sign-up (anonymous sign-ups of erased donors have none to tell)."""
    return [
        donor_id
        for donor_id in (
            await session.scalars(
                select(Signup.donor_id)
                .where(Signup.session_id == session_id, Signup.status == ACTIVE)
                .order_by(Signup.donor_id)
            )
        ).all()
        if donor_id is not None
    ]


async def _unique_code(session: AsyncSession, rng: random.Random) -> str:
    """A check-in code no sign-up uses yet (the unique index is the last guard)."""
    for _ in range(_CODE_ATTEMPTS):
        code = new_code(rng)
        if await session.scalar(select(Signup.id).where(Signup.code == code)) is None:
            return code
    raise RuntimeError("could not draw an unused sign-up code")


async def active_signup(session: AsyncSession, *, session_id: int, donor_id: int) -> Signup | None:
    """The donor's sign-up for this session unless cancelled (active, checked in or with a result)."""
    signup: Signup | None = await session.scalar(
        select(Signup).where(
            Signup.session_id == session_id, Signup.donor_id == donor_id, Signup.status != CANCELLED
        )
    )
    return signup


async def take_slot(
    session: AsyncSession,
    *,
    session_id: int,
    donor_id: int,
    slot_start: time,
    now: datetime,
    tz: tzinfo,
    rng: random.Random | None = None,
) -> Signup | TakeRefusal:
    """Signs the donor up for a slot, or says why not; never overbooks the slot or the session.

    A slot can be taken until it ends, in local time (`tz`, the configured zone): at 10:00 the 07:00 slot
    of a running session is PAST. A session for a sector is NOT_FOR_YOU unless the donor's organisation
    type belongs to it. A cancelled sign-up of the same donor is re-activated (one row per donor and
    session) with the new slot and a fresh code, so an old code cannot be used.
    """
    row = await _lock_session(session, session_id)
    if row is None:
        return TakeRefusal.NOT_FOUND
    if row.status == CANCELLED:
        return TakeRefusal.CANCELLED
    if has_ended(row.day, row.end_time, now=now, tz=tz):
        return TakeRefusal.PAST
    organisation_type = await session.scalar(select(Donor.organisation_type).where(Donor.id == donor_id))
    if not admits(row.audience, organisation_type):
        return TakeRefusal.NOT_FOR_YOU
    existing: Signup | None = await session.scalar(
        select(Signup).where(Signup.session_id == session_id, Signup.donor_id == donor_id)
    )
    if existing is not None and existing.status != CANCELLED:
        return TakeRefusal.ALREADY
    starts, capacities, taken = await _slot_counts(session, row)
    if slot_start not in starts:
        return TakeRefusal.NOT_FOUND
    if _slot_over(row, slot_start, now=now, tz=tz):
        return TakeRefusal.PAST
    if sum(taken) >= row.capacity:
        return TakeRefusal.SESSION_FULL
    index = starts.index(slot_start)
    if taken[index] >= capacities[index]:
        return TakeRefusal.FULL
    code = await _unique_code(session, rng or _SYSTEM_RNG)
    if existing is None:
        existing = Signup(
            session_id=session_id,
            donor_id=donor_id,
            slot_start=slot_start,
            code=code,
            status=ACTIVE,
            created_at=now,
            updated_at=now,
        )
        session.add(existing)
    else:
        existing.status = ACTIVE
        existing.slot_start = slot_start
        existing.code = code
        existing.checked_in_at = None
        existing.result_volume_ml = None
        existing.deferral_reason = None
        existing.updated_at = now
    await session.flush()
    # Booked: an invitation to this round, or a "you can give again" still waiting, has done its job.
    await outbox.withdraw(session, key_prefix=f"ward:{row.campaign_id}:{row.round}:", about=donor_id)
    await outbox.withdraw(session, key_prefix=f"nudge:{donor_id}:")
    return existing


async def my_signups(
    session: AsyncSession, *, donor_id: int, now: datetime, tz: tzinfo
) -> list[tuple[Signup, SessionView]]:
    """The donor's sign-ups for sessions that have not ended at `now` (local time in `tz`), soonest first;
    a cancelled session is included (its view says so) because the donor should hear it was cancelled
    rather than see the sign-up vanish."""
    taken = _taken_counts().subquery()
    rows = (
        await session.execute(
            select(Signup, DriveSession, Campaign.name, func.coalesce(taken.c.taken, 0))
            .join(DriveSession, DriveSession.id == Signup.session_id)
            .join(Campaign, Campaign.id == DriveSession.campaign_id)
            .outerjoin(taken, taken.c.session_id == DriveSession.id)
            .where(Signup.donor_id == donor_id, Signup.status != CANCELLED, _not_ended(now, tz))
            .order_by(DriveSession.day, Signup.slot_start, Signup.id)
        )
    ).all()
    return [(signup, _view(row, name, count)) for signup, row, name, count in rows]


async def cancel_signup(session: AsyncSession, *, signup_id: int, donor_id: int, now: datetime) -> bool:
    """Frees the donor's place; False when the sign-up is not theirs or no longer active (checked in,
    already cancelled), so a stale button cannot cancel someone else's or a finished sign-up."""
    signup: Signup | None = await session.scalar(
        select(Signup).where(Signup.id == signup_id, Signup.donor_id == donor_id)
    )
    if signup is None or signup.status != ACTIVE:
        return False
    signup.status = CANCELLED
    signup.updated_at = now
    await session.flush()
    # Reminders and notices of changes about this sign-up, still waiting, no longer concern the donor.
    await outbox.withdraw(session, key_prefix=f"reminder:{signup.session_id}:{donor_id}:")
    await outbox.withdraw(session, key_prefix=f"notice:{signup.session_id}:", about=donor_id)
    return True


async def move_signup(
    session: AsyncSession,
    *,
    signup_id: int,
    donor_id: int,
    slot_start: time,
    now: datetime,
    tz: tzinfo,
) -> Signup | TakeRefusal:
    """Moves the donor's active sign-up to another slot of the same session, keeping its code.

    Locks the session like `take_slot`, so a move cannot overbook the slot it goes to. A sign-up already
    checked in (or with a result), or a slot already over (local time in `tz`), is PAST; a cancelled or
    someone else's sign-up is NOT_FOUND.
    """
    signup: Signup | None = await session.scalar(
        select(Signup).where(Signup.id == signup_id, Signup.donor_id == donor_id)
    )
    if signup is None or signup.status == CANCELLED:
        return TakeRefusal.NOT_FOUND
    if signup.status != ACTIVE:
        return TakeRefusal.PAST
    row = await _lock_session(session, signup.session_id)
    if row is None:
        return TakeRefusal.NOT_FOUND
    if row.status == CANCELLED:
        return TakeRefusal.CANCELLED
    if has_ended(row.day, row.end_time, now=now, tz=tz):
        return TakeRefusal.PAST
    starts, capacities, taken = await _slot_counts(session, row, without=signup.id)
    if slot_start not in starts:
        return TakeRefusal.NOT_FOUND
    if slot_start == signup.slot_start:
        return signup
    if _slot_over(row, slot_start, now=now, tz=tz):
        return TakeRefusal.PAST
    index = starts.index(slot_start)
    if taken[index] >= capacities[index]:
        return TakeRefusal.FULL
    signup.slot_start = slot_start
    signup.updated_at = now
    await session.flush()
    # A reminder still waiting names the old time: the planner queues it again with the new one.
    await outbox.withdraw(session, key_prefix=f"reminder:{signup.session_id}:{donor_id}:")
    return signup


# --------------------------------------------------------------------------------------------- check-in


async def signup_by_code(session: AsyncSession, code: str) -> Signup | None:
    """The sign-up with this code as a volunteer typed it ("k7m 2qx", "K7M-2QX"), with its session loaded
    so the caller can check the day and place."""
    cleaned = normalise_code(code)
    if not cleaned:
        return None
    signup: Signup | None = await session.scalar(
        select(Signup).where(Signup.code == cleaned).options(selectinload(Signup.session))
    )
    return signup


class CheckInRefusal(StrEnum):
    """Why `check_in` did not mark the donor as arrived."""

    NOT_FOUND = "not_found"  # no such code, or a cancelled sign-up: the desk registers a walk-in
    OTHER_DAY = "other_day"  # the sign-up is for another day: only with the organiser's explicit override


async def check_in(
    session: AsyncSession,
    *,
    code: str | None = None,
    signup_id: int | None = None,
    actor: str,
    now: datetime,
    today: date,
    any_day: bool = False,
) -> Signup | CheckInRefusal:
    """Marks the donor as arrived (found by the code typed or scanned, or by the sign-up id of an
    override button); idempotent (a second scan changes nothing and logs nothing).

    A sign-up for another day than `today` (the local date) is refused with OTHER_DAY unless `any_day`:
    a donation is dated on the day of its check-in, so a check-in days early would date it in the future
    (and keep the donor out of call-outs). The override is audited with the session's day.
    """
    if signup_id is not None:
        signup: Signup | None = await session.scalar(
            select(Signup).where(Signup.id == signup_id).options(selectinload(Signup.session))
        )
    else:
        signup = await signup_by_code(session, code or "")
    if signup is None or signup.status == CANCELLED or signup.donor_id is None:
        return CheckInRefusal.NOT_FOUND
    if signup.status == ACTIVE:
        other_day = signup.session.day != today
        if other_day and not any_day:
            return CheckInRefusal.OTHER_DAY
        signup.status = "checked_in"
        signup.checked_in_at = now
        signup.updated_at = now
        await session.flush()
        details: dict[str, object] = {"session": signup.session_id}
        if other_day:
            details["other_day"] = True
            details["session_day"] = signup.session.day.isoformat()
        await audit.record(
            session,
            actor=actor,
            action="signup.check_in",
            target=f"signup:{signup.id}",
            details=details,
            now=now,
        )
    return signup


async def record_result(
    session: AsyncSession,
    *,
    signup_id: int,
    donated: bool,
    volume_ml: int | None,
    kind: str = "whole_blood",
    deferral_reason: str | None,
    donated_on: date,
    actor: str,
    now: datetime,
) -> Donation | None:
    """Records what happened at the chair: the Donation when donated; None when deferred, or when the
    sign-up no longer exists (a stale button after the donor erased their data: nothing to record).

    `donated_on` is the day the donor gave: the local day of the check-in, never the session's planned
    day (a check-in the organiser allowed on another day is dated when it happened).

    One write path for the chat and the spreadsheet import. Idempotent: the recorded donation of a
    sign-up is found by (session, donor, not self-reported), so recording twice updates one row, and a
    correction to "deferred" removes it. Self-reported donations are kept. The deferral reason is
    health data: it stays on the sign-up and never goes into the audit log.

    Pushes whose reason a result undoes are withdrawn here, whoever records it: after a correction to
    "deferred", the thank-you and the follow-up still waiting; after a donation, a waiting "you can give
    again" nudge.
    """
    if volume_ml is not None and volume_ml not in VOLUMES:
        raise ValueError(f"volume_ml must be one of {VOLUMES}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if not donated and volume_ml is not None:
        raise ValueError("a deferral has no volume")
    if deferral_reason is not None and len(deferral_reason) > 200:
        raise ValueError("deferral_reason is longer than 200 characters")
    signup: Signup | None = await session.scalar(
        select(Signup).where(Signup.id == signup_id).options(selectinload(Signup.session))
    )
    if signup is None or signup.donor_id is None:
        return None
    donor_id = signup.donor_id
    drive = signup.session
    recorded: Donation | None = await session.scalar(
        select(Donation).where(
            Donation.session_id == drive.id,
            Donation.donor_id == donor_id,
            Donation.self_reported.is_(False),
        )
    )
    changed: list[str] = []
    if donated:
        changed += _apply(
            signup, {"status": "donated", "result_volume_ml": volume_ml, "deferral_reason": None}
        )
        values = {"donated_on": donated_on, "volume_ml": volume_ml, "kind": kind, "place": drive.place_name}
        if recorded is None:
            recorded = Donation(
                donor_id=donor_id, session_id=drive.id, self_reported=False, created_at=now, **values
            )
            session.add(recorded)
            changed.append("donation")
        else:
            changed += _apply(recorded, values)
    else:
        changed += _apply(
            signup, {"status": "deferred", "result_volume_ml": None, "deferral_reason": deferral_reason}
        )
        if recorded is not None:
            await session.execute(delete(Donation).where(Donation.id == recorded.id))
            recorded = None
            changed.append("donation")
    if changed:
        signup.updated_at = now
        await session.flush()
        await callouts.refresh_last_donation(session, donor_id)  # call-out matching reads it
        if donated:
            await outbox.withdraw(session, key_prefix=f"nudge:{donor_id}:")
        else:
            await outbox.withdraw(session, key_prefix=f"thanks:{signup.id}:")
            await outbox.withdraw(session, key_prefix=f"followup:{signup.id}:")
        await audit.record(
            session,
            actor=actor,
            action="signup.result",
            target=f"signup:{signup.id}",
            details={"session": drive.id, "outcome": "donated" if donated else "deferred"},
            now=now,
        )
    return recorded


async def donation_count(session: AsyncSession, donor_id: int) -> int:
    """All the donor's donations, recorded at drives and self-reported (for thank-you messages and badges)."""
    count = await session.scalar(select(func.count(Donation.id)).where(Donation.donor_id == donor_id))
    return int(count or 0)


# --------------------------------------------------------------------------------------------- organisers


async def list_campaigns(session: AsyncSession) -> list[Campaign]:
    """Every campaign, newest year first."""
    return list((await session.scalars(select(Campaign).order_by(Campaign.year.desc(), Campaign.id))).all())


async def campaign_by_id(session: AsyncSession, campaign_id: int) -> Campaign | None:
    return await session.get(Campaign, campaign_id)


async def campaign_by_key(session: AsyncSession, key: str) -> Campaign | None:
    campaign: Campaign | None = await session.scalar(select(Campaign).where(Campaign.key == key))
    return campaign


async def _session_for_change(session: AsyncSession, session_id: int) -> DriveSession:
    row = await _lock_session(session, session_id)
    if row is None:
        raise DriveError(f"no session with id {session_id}")
    return row


async def _reslot(
    session: AsyncSession, row: DriveSession, *, start: time, end: time, slot_minutes: int
) -> None:
    """Moves the session's sign-ups along when its hours or slot length change."""
    if (row.start_time, row.end_time, row.slot_minutes) == (start, end, slot_minutes):
        return
    signups = (
        await session.scalars(select(Signup).where(Signup.session_id == row.id, Signup.status != CANCELLED))
    ).all()
    for signup in signups:
        signup.slot_start = moved_slot(
            signup.slot_start,
            old_start=row.start_time,
            new_start=start,
            new_end=end,
            slot_minutes=slot_minutes,
        )


async def _withdraw_session_pushes(session: AsyncSession, row: DriveSession) -> None:
    """Pushes still waiting that name the session as it was (cancelled, moved, another place): its
    reminders and the invitations of its ward to its round. The planners queue them again from the
    session as it is now, if it still takes place; the donors signed up hear of it through a notice."""
    await outbox.withdraw(session, key_prefix=f"reminder:{row.id}:")
    if row.ward is not None:
        await outbox.withdraw(
            session,
            key_prefix=f"ward:{row.campaign_id}:{row.round}:",
            about=select(Donor.id).where(Donor.ward == row.ward),
        )


async def add_session(
    session: AsyncSession, *, campaign_key: str, plan: SessionPlan, actor: str, now: datetime
) -> DriveSession:
    """Adds one session to a campaign (the `donorbot drive add` path); audit `drive.add`."""
    campaign = await campaign_by_key(session, campaign_key)
    if campaign is None:
        raise DriveError(f"no campaign with key {campaign_key!r}")
    problem = check_session(plan)
    if problem is not None:
        raise DriveError(f"{problem[0]}: {problem[1]}")
    clash = await session.scalar(
        select(DriveSession.id).where(DriveSession.campaign_id == campaign.id, DriveSession.key == plan.key)
    )
    if clash is not None:
        raise DriveError(f"campaign {campaign_key} already has a session with key {plan.key!r}")
    row = DriveSession(
        campaign_id=campaign.id, key=plan.key, status="scheduled", created_at=now, updated_at=now
    )
    _apply(row, _session_values(plan))
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="drive.add",
        target=f"session:{row.id}",
        details={"campaign": campaign_key, "key": plan.key, "day": plan.day},
        now=now,
    )
    return row


async def free_session_key(session: AsyncSession, *, campaign_key: str, day: date) -> str:
    """A session key not used in the campaign yet, for sessions added without one ("2020-08-07", "-2"…)."""
    keys = set(
        (
            await session.scalars(select(DriveSession.key).join(Campaign).where(Campaign.key == campaign_key))
        ).all()
    )
    base = day.isoformat()
    candidate, n = base, 1
    while candidate in keys:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


async def edit_session(
    session: AsyncSession,
    *,
    session_id: int,
    place_name: str | None = None,
    address: str | None = None,
    capacity: int | None = None,
    actor: str,
    now: datetime,
) -> list[int]:
    """Changes the place or capacity (None keeps a value); returns donors to tell when the place moved.

    A capacity below the sign-ups already taken is refused: organisers cancel sign-ups explicitly
    rather than overbook silently.
    """
    row = await _session_for_change(session, session_id)
    values: dict[str, object] = {}
    if place_name is not None:
        cleaned = _SPACES.sub(" ", clean_input(place_name)).strip()
        if not cleaned or len(cleaned) > limits.PLACE:
            raise DriveError(f"place: must be 1 to {limits.PLACE} characters")
        values["place_name"] = cleaned
    if address is not None:
        cleaned = _SPACES.sub(" ", clean_input(address)).strip()
        if len(cleaned) > limits.ADDRESS:
            raise DriveError(f"address: is too long (at most {limits.ADDRESS} characters)")
        values["address"] = cleaned or None
    if capacity is not None:
        if capacity < 1:
            raise DriveError("capacity: must be at least 1")
        taken = await _taken(session, session_id)
        if capacity < taken:
            raise DriveError(f"capacity: {capacity} is below the {taken} sign-ups already taken")
        values["capacity"] = capacity
    old_place = row.place_name
    changed = _apply(row, values)
    if not changed:
        return []
    row.updated_at = now
    if {"place_name", "address"} & set(changed):
        await _withdraw_session_pushes(session, row)
    notify = await _active_donor_ids(session, session_id) if row.place_name != old_place else []
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="drive.edit",
        target=f"session:{session_id}",
        details={"changed": sorted(changed), "notify": len(notify)},
        now=now,
    )
    return notify


async def cancel_session(session: AsyncSession, *, session_id: int, actor: str, now: datetime) -> list[int]:
    """Cancels a session and returns the donors with an active sign-up, so the caller can tell them.

    Their sign-ups stay as they are (the donor's list shows the session as cancelled). Cancelling twice
    returns nothing the second time, so nobody is told twice.
    """
    row = await _session_for_change(session, session_id)
    if row.status == CANCELLED:
        return []
    row.status = CANCELLED
    row.updated_at = now
    await _withdraw_session_pushes(session, row)
    notify = await _active_donor_ids(session, session_id)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="drive.cancel",
        target=f"session:{session_id}",
        details={"day": row.day, "notify": len(notify)},
        now=now,
    )
    return notify


async def move_session(
    session: AsyncSession,
    *,
    session_id: int,
    day: date | None,
    start_time: time | None,
    end_time: time | None,
    actor: str,
    now: datetime,
) -> list[int]:
    """Moves a session to another day or hours (None keeps a value); returns the donors to tell.

    Sign-ups keep their place in the order of the morning (`domain.slots.moved_slot`). A cancelled
    session cannot be moved: nobody would be told, and its donors were already told it was cancelled.
    """
    row = await _session_for_change(session, session_id)
    if row.status == CANCELLED:
        raise DriveError(f"session {session_id} is cancelled")
    new_day = row.day if day is None else day
    new_start = row.start_time if start_time is None else start_time
    new_end = row.end_time if end_time is None else end_time
    if new_end <= new_start:
        raise DriveError(f"end: {new_end:%H:%M} must be after start {new_start:%H:%M}")
    old = {"day": row.day, "start": row.start_time, "end": row.end_time}
    if (new_day, new_start, new_end) == (row.day, row.start_time, row.end_time):
        return []
    await _reslot(session, row, start=new_start, end=new_end, slot_minutes=row.slot_minutes)
    await _withdraw_session_pushes(session, row)
    row.day, row.start_time, row.end_time = new_day, new_start, new_end
    row.updated_at = now
    notify = await _active_donor_ids(session, session_id)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="drive.move",
        target=f"session:{session_id}",
        details={
            "from": f"{old['day']} {old['start']:%H:%M}-{old['end']:%H:%M}",
            "to": f"{new_day} {new_start:%H:%M}-{new_end:%H:%M}",
            "notify": len(notify),
        },
        now=now,
    )
    return notify
