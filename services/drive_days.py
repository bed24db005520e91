"""Cancelling or changing a drive day and telling its donors: one write path for the chat and the CLI.

An organiser's change (`handlers.organiser_drives`, `donorbot drive edit|cancel`) is two steps that must
never part: the change itself (`models.drive_day_changes`: the row, its sign-ups, the pushes it makes
untrue, the audit entry) and the notices to the donors signed up (`services.notices`). Both callers go
through here, so a donor hears of a change the same way whoever made it, and the callers only phrase the
outcome. Never commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import Catalogs
from domain.figures import Scope
from models import drive_day_changes
from models.drive_days import DriveError
from models.tables import DriveDay
from services import notices


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
