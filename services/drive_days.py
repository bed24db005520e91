"""Cancelling or changing a drive day and telling its donors: one write path for the chat and the CLI.

An organiser's change (`handlers.organiser_drives`, `donorbot drive edit|cancel`) is two steps that must
never part: the change itself (`models.drive_day_changes`: the row, its sign-ups, the pushes it makes
untrue, the audit entry) and the notices to the donors signed up (`services.notices`). Both callers go
through here, so a donor hears of a change the same way whoever made it, and the callers only phrase the
outcome. Never commits: the caller's unit of work does.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import Catalogs
from domain import limits, plan_file
from domain.choices import match_option
from domain.dates import parse_date
from domain.figures import Scope, ScopeKind
from domain.ids import parse_int
from domain.slots import has_ended
from models import drive_day_changes, drive_days, plan_import
from models.drive_days import DriveError
from models.tables import DriveDay
from services import notices
from services.campaigns import Problem

MAX_CAPACITY = 5000
SLOT_MINUTES: Final = (15, 20, 30, 60)
AUDIENCES: Final = ("open", "school", "company", "agency")
DEFAULT_SLOT_MINUTES = plan_file.DriveDayPlan.slot_minutes
DEFAULT_AUDIENCE = plan_file.DriveDayPlan.audience
_HOURS = re.compile(r"^\s*(\d{1,2})\s*[:h.]?\s*(\d{2})?\s*[-–—đến to]+\s*(\d{1,2})\s*[:h.]?\s*(\d{2})?\s*$")


class OutOfScope(DriveError):
    """The drive day is not the organiser's to change: not held in their ward (`Scope.holds_drive_day`)."""


async def _check_scope(session: AsyncSession, scope: Scope, drive_day_id: int) -> None:
    if scope.name is None:
        return  # the area (an admin, an area organiser, the CLI): any drive day
    found = await session.get(DriveDay, drive_day_id)
    if found is not None and not scope.holds_drive_day(drive_day_id=found.id, ward=found.ward):
        raise OutOfScope(f"drive day {drive_day_id} is outside the scope {scope.kind.value}")


@dataclass(frozen=True)
class Told:
    """What a change queued: `queued` new notices for `donors` distinct donors signed up."""

    queued: int
    donors: int


async def _tell(
    session: AsyncSession,
    *,
    catalogs: Catalogs,
    drive_day_id: int,
    donor_ids: Collection[int],
    tz: ZoneInfo,
    now: datetime,
) -> Told:
    queued = await notices.drive_day_changed(
        session, catalogs=catalogs, drive_day_id=drive_day_id, donor_ids=donor_ids, tz=tz, now=now
    )
    return Told(queued=queued, donors=len(set(donor_ids)))


async def cancel(
    session: AsyncSession,
    *,
    catalogs: Catalogs,
    drive_day_id: int,
    actor: str,
    tz: ZoneInfo,
    now: datetime,
    scope: Scope | None = None,
) -> Told:
    """Cancels the drive day (audit `drive.cancel`) and queues the cancellation notice to its donors.

    The notice step runs even when nobody is to be told (a day cancelled twice tells nobody twice): it
    also forgets the pushes still waiting that describe the day (`services.notices`). `scope`: the
    organiser's (the area when None, as for the CLI); a day outside it raises `OutOfScope`, nothing done.
    """
    await _check_scope(session, scope or Scope.area(), drive_day_id)
    donor_ids = await drive_day_changes.cancel_drive_day(
        session, drive_day_id=drive_day_id, actor=actor, now=now
    )
    return await _tell(
        session, catalogs=catalogs, drive_day_id=drive_day_id, donor_ids=donor_ids, tz=tz, now=now
    )


async def change(
    session: AsyncSession,
    *,
    catalogs: Catalogs,
    drive_day_id: int,
    day: date | None = None,
    start_time: time | None = None,
    end_time: time | None = None,
    place_name: str | None = None,
    address: str | None = None,
    capacity: int | None = None,
    actor: str,
    tz: ZoneInfo,
    now: datetime,
    scope: Scope | None = None,
) -> Told:
    """Moves the drive day (day, hours: audit `drive.move`) and edits it (place, address, capacity: audit
    `drive.edit`); None keeps a value. The donors whom either change concerns get one notice, of the day
    as it is now; when neither concerns anybody (a capacity, or nothing changed) nothing is queued.

    Raises `models.drive_days.DriveError` for a change the drive rules refuse (a cancelled day moved,
    the end before the start, a capacity below the sign-ups taken), and `OutOfScope` for a day outside
    the organiser's `scope` (the area when None, as for the CLI), before anything is changed.
    """
    await _check_scope(session, scope or Scope.area(), drive_day_id)
    notify: set[int] = set()
    moving = day is not None or start_time is not None or end_time is not None
    editing = place_name is not None or address is not None or capacity is not None
    # A change that names nothing (the chat's move answered "-" twice) still finds the day and checks it
    # may change (not cancelled meanwhile).
    if moving or not editing:
        notify.update(
            await drive_day_changes.move_drive_day(
                session,
                drive_day_id=drive_day_id,
                day=day,
                start_time=start_time,
                end_time=end_time,
                actor=actor,
                now=now,
            )
        )
    if editing:
        notify.update(
            await drive_day_changes.edit_drive_day(
                session,
                drive_day_id=drive_day_id,
                place_name=place_name,
                address=address,
                capacity=capacity,
                actor=actor,
                now=now,
            )
        )
    if not notify:  # nobody to tell: what the change made untrue was withdrawn by the change itself
        return Told(queued=0, donors=0)
    return await _tell(
        session, catalogs=catalogs, drive_day_id=drive_day_id, donor_ids=notify, tz=tz, now=now
    )


# --- a new drive day (/taodot, the web page's form) ---------------------------------------------------


def parse_hours(text: str) -> tuple[time, time] | None:
    """ "07:00-11:30", "7h-11h30", "7.00 – 11.30" → opening and closing time (closing after opening)."""
    m = _HOURS.match(text.casefold())
    if not m:
        return None
    h1, m1, h2, m2 = (int(g) if g else 0 for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        return None
    start, end = time(h1, m1), time(h2, m2)
    return (start, end) if end > start else None


def read_day(text: str | None, *, today: date) -> date | Problem:
    """A drive day's date, from today on."""
    day = parse_date(text, today=today) if text else None
    if day is None:
        return Problem("error_date_format")
    if day < today:
        return Problem("create_error_past")
    return day


def read_hours(text: str | None, *, day: date, now: datetime, tz: ZoneInfo) -> tuple[time, time] | Problem:
    """Opening and closing hours; on `day` today, the closing time still to come."""
    hours = parse_hours(text) if text else None
    if hours is None:
        return Problem("create_error_hours")
    if has_ended(day, hours[1], now=now, tz=tz):
        return Problem("create_error_hours_past")  # today, and the closing time has passed
    return hours


def read_place(text: str | None) -> str | Problem:
    if not text or not 3 <= len(text) <= limits.PLACE or text.startswith("/"):
        return Problem("create_error_place", {"limit": limits.PLACE})
    return " ".join(text.split())


def read_address(text: str | None) -> str | Problem:
    cleaned = plan_file.one_line(text or "")
    if not 3 <= len(cleaned) <= limits.ADDRESS or cleaned.startswith("/"):
        return Problem("create_error_address", {"limit": limits.ADDRESS})
    return cleaned


def read_ward(text: str | None, wards: Sequence[str]) -> str | Problem:
    """A ward's name typed, with or without diacritics."""
    found = match_option(text, {w: [w] for w in wards}) if text else None
    return found if found is not None else Problem("error_ward")


def read_capacity(text: str | None) -> int | Problem:
    capacity = parse_int(text.strip() if text else None, minimum=1, maximum=MAX_CAPACITY)
    return capacity if capacity is not None else Problem("create_error_capacity")


@dataclass(frozen=True)
class NewDriveDay:
    """What an organiser gives for a new drive day."""

    campaign_id: int
    day: date
    start_time: time
    end_time: time
    place_name: str
    capacity: int
    ward: str | None = None
    address: str | None = None
    slot_minutes: int = DEFAULT_SLOT_MINUTES
    audience: str = DEFAULT_AUDIENCE


async def create(
    session: AsyncSession, wanted: NewDriveDay, *, scope: Scope, actor: str, now: datetime
) -> DriveDay:
    """Adds the drive day to its campaign with a free key (audit `drive.add`). A ward organiser's day is
    held in their own ward: another ward (or none) raises `OutOfScope`, nothing written; an unknown
    campaign or values the drive rules refuse raise `DriveError`."""
    if scope.kind is ScopeKind.WARD and wanted.ward != scope.name:
        raise OutOfScope(f"a drive day of ward {wanted.ward!r} is outside the scope {scope.kind.value}")
    if scope.kind not in (ScopeKind.AREA, ScopeKind.WARD):
        raise OutOfScope(f"the scope {scope.kind.value} holds no drive day")
    campaign = await drive_days.campaign_by_id(session, wanted.campaign_id)
    if campaign is None:
        raise DriveError(f"no campaign with id {wanted.campaign_id}")
    key = await drive_day_changes.free_drive_day_key(session, campaign_key=campaign.key, day=wanted.day)
    plan = plan_file.DriveDayPlan(
        key=key,
        day=wanted.day,
        start_time=wanted.start_time,
        end_time=wanted.end_time,
        place_name=wanted.place_name,
        capacity=wanted.capacity,
        ward=wanted.ward,
        address=wanted.address,
        slot_minutes=wanted.slot_minutes,
        audience=wanted.audience,
    )
    return await drive_day_changes.add_drive_day(
        session, campaign_key=campaign.key, plan=plan, actor=actor, now=now
    )


# --- a plan file (`donorbot drive import`, the web page's upload) -------------------------------------


@dataclass(frozen=True)
class Imported:
    """What importing a plan did: the rows, and the notices queued for donors of changed days."""

    result: plan_import.ImportResult
    told: Told


async def import_plan(
    session: AsyncSession,
    plan: plan_file.CampaignPlan,
    *,
    catalogs: Catalogs,
    actor: str,
    tz: ZoneInfo,
    now: datetime,
) -> Imported:
    """Writes a validated plan (`models.plan_import`) and tells the donors of the days whose date, hours or
    place it changed."""
    result = await plan_import.import_plan(session, plan, actor=actor, now=now)
    queued = 0
    for drive_day_id, donor_ids in result.affected_drive_days:
        queued += await notices.drive_day_changed(
            session, catalogs=catalogs, drive_day_id=drive_day_id, donor_ids=donor_ids, tz=tz, now=now
        )
    return Imported(result, Told(queued=queued, donors=len(result.affected_donor_ids)))
