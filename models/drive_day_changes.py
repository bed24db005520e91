"""Organisers' changes to drive days: add one, edit its place or capacity, move it, cancel it. Never commits.

Each change returns the donors to tell (the caller queues the notices: `services.notices`), withdraws the
pushes still waiting that describe the drive day as it was, and is audited. Sign-ups move along with
changed hours (`reslot`); a capacity below the sign-ups already taken is refused, never overbooked.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import limits
from domain.plan_file import DriveDayPlan, check_drive_day, one_line
from domain.slots import moved_slot
from models import audit, outbox
from models.drive_days import (
    CANCELLED,
    DriveError,
    active_donor_ids,
    apply_values,
    campaign_by_key,
    lock_drive_day,
    taken_count,
)
from models.tables import Campaign, Donor, DriveDay, Signup


def plan_values(plan: DriveDayPlan) -> dict[str, object]:
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


async def _drive_day_for_change(session: AsyncSession, drive_day_id: int) -> DriveDay:
    row = await lock_drive_day(session, drive_day_id)
    if row is None:
        raise DriveError(f"no session with id {drive_day_id}")
    return row


async def reslot(session: AsyncSession, row: DriveDay, *, start: time, end: time, slot_minutes: int) -> None:
    """Moves the session's sign-ups along when its hours or slot length change."""
    if (row.start_time, row.end_time, row.slot_minutes) == (start, end, slot_minutes):
        return
    signups = (
        await session.scalars(select(Signup).where(Signup.drive_day_id == row.id, Signup.status != CANCELLED))
    ).all()
    for signup in signups:
        signup.slot_start = moved_slot(
            signup.slot_start,
            old_start=row.start_time,
            new_start=start,
            new_end=end,
            slot_minutes=slot_minutes,
        )


async def withdraw_drive_day_pushes(session: AsyncSession, row: DriveDay) -> None:
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


async def add_drive_day(
    session: AsyncSession, *, campaign_key: str, plan: DriveDayPlan, actor: str, now: datetime
) -> DriveDay:
    """Adds one session to a campaign (the `donorbot drive add` path); audit `drive.add`."""
    campaign = await campaign_by_key(session, campaign_key)
    if campaign is None:
        raise DriveError(f"no campaign with key {campaign_key!r}")
    problem = check_drive_day(plan)
    if problem is not None:
        raise DriveError(f"{problem[0]}: {problem[1]}")
    clash = await session.scalar(
        select(DriveDay.id).where(DriveDay.campaign_id == campaign.id, DriveDay.key == plan.key)
    )
    if clash is not None:
        raise DriveError(f"campaign {campaign_key} already has a session with key {plan.key!r}")
    row = DriveDay(campaign_id=campaign.id, key=plan.key, status="scheduled", created_at=now, updated_at=now)
    apply_values(row, plan_values(plan))
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


async def free_drive_day_key(session: AsyncSession, *, campaign_key: str, day: date) -> str:
    """A session key not used in the campaign yet, for sessions added without one ("2020-08-07", "-2"…)."""
    keys = set(
        (await session.scalars(select(DriveDay.key).join(Campaign).where(Campaign.key == campaign_key))).all()
    )
    base = day.isoformat()
    candidate, n = base, 1
    while candidate in keys:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


async def edit_drive_day(
    session: AsyncSession,
    *,
    drive_day_id: int,
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
    row = await _drive_day_for_change(session, drive_day_id)
    values: dict[str, object] = {}
    if place_name is not None:
        cleaned = one_line(place_name)
        if not cleaned or len(cleaned) > limits.PLACE:
            raise DriveError(f"place: must be 1 to {limits.PLACE} characters")
        values["place_name"] = cleaned
    if address is not None:
        cleaned = one_line(address)
        if len(cleaned) > limits.ADDRESS:
            raise DriveError(f"address: is too long (at most {limits.ADDRESS} characters)")
        values["address"] = cleaned or None
    if capacity is not None:
        if capacity < 1:
            raise DriveError("capacity: must be at least 1")
        taken = await taken_count(session, drive_day_id)
        if capacity < taken:
            raise DriveError(f"capacity: {capacity} is below the {taken} sign-ups already taken")
        values["capacity"] = capacity
    old_place = row.place_name
    changed = apply_values(row, values)
    if not changed:
        return []
    row.updated_at = now
    if {"place_name", "address"} & set(changed):
        await withdraw_drive_day_pushes(session, row)
    notify = await active_donor_ids(session, drive_day_id) if row.place_name != old_place else []
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="drive.edit",
        target=f"session:{drive_day_id}",
        details={"changed": sorted(changed), "notify": len(notify)},
        now=now,
    )
    return notify


async def cancel_drive_day(
    session: AsyncSession, *, drive_day_id: int, actor: str, now: datetime
) -> list[int]:
    """Cancels a session and returns the donors with an active sign-up, so the caller can tell them.

    Their sign-ups stay as they are (the donor's list shows the session as cancelled). Cancelling twice
    returns nothing the second time, so nobody is told twice.
    """
    row = await _drive_day_for_change(session, drive_day_id)
    if row.status == CANCELLED:
        return []
    row.status = CANCELLED
    row.updated_at = now
    await withdraw_drive_day_pushes(session, row)
    notify = await active_donor_ids(session, drive_day_id)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="drive.cancel",
        target=f"session:{drive_day_id}",
        details={"day": row.day, "notify": len(notify)},
        now=now,
    )
    return notify


async def move_drive_day(
    session: AsyncSession,
    *,
    drive_day_id: int,
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
    row = await _drive_day_for_change(session, drive_day_id)
    if row.status == CANCELLED:
        raise DriveError(f"session {drive_day_id} is cancelled")
    new_day = row.day if day is None else day
    new_start = row.start_time if start_time is None else start_time
    new_end = row.end_time if end_time is None else end_time
    if new_end <= new_start:
        raise DriveError(f"end: {new_end:%H:%M} must be after start {new_start:%H:%M}")
    old = {"day": row.day, "start": row.start_time, "end": row.end_time}
    if (new_day, new_start, new_end) == (row.day, row.start_time, row.end_time):
        return []
    await reslot(session, row, start=new_start, end=new_end, slot_minutes=row.slot_minutes)
    await withdraw_drive_day_pushes(session, row)
    row.day, row.start_time, row.end_time = new_day, new_start, new_end
    row.updated_at = now
    notify = await active_donor_ids(session, drive_day_id)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="drive.move",
        target=f"session:{drive_day_id}",
        details={
            "from": f"{old['day']} {old['start']:%H:%M}-{old['end']:%H:%M}",
            "to": f"{new_day} {new_start:%H:%M}-{new_end:%H:%M}",
            "notify": len(notify),
        },
        now=now,
    )
    return notify
