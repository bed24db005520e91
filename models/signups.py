"""Time slots and sign-ups: which places are free, taking one, moving and cancelling it. Never commits.

A sign-up can only be taken through `take_slot`, which never overbooks the slot or the drive day: it
counts under the drive day's row lock (`models.drive_days.lock_drive_day`), as `move_signup` does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.organisations import admits
from domain.slots import has_ended, new_code, slot_capacity, slot_end, slot_index, slot_starts
from models import outbox
from models.drive_days import (
    ACTIVE,
    CANCELLED,
    DriveDayView,
    lock_drive_day,
    not_ended,
    taken_counts,
    view_of,
)
from models.tables import Campaign, Donor, DriveDay, Signup

_SYSTEM_RNG = random.SystemRandom()
_CODE_ATTEMPTS = 20


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


def _starts(row: DriveDay) -> list[time]:
    return slot_starts(start=row.start_time, end=row.end_time, slot_minutes=row.slot_minutes)


async def _slot_counts(
    session: AsyncSession, row: DriveDay, *, without: int | None = None
) -> tuple[list[time], list[int], list[int]]:
    """Slot starts, their capacities and the sign-ups counted in each (all but cancelled ones)."""
    starts = _starts(row)
    capacities = slot_capacity(capacity=row.capacity, slots=len(starts))
    taken = [0] * len(starts)
    query = select(Signup.slot_start).where(Signup.drive_day_id == row.id, Signup.status != CANCELLED)
    if without is not None:
        query = query.where(Signup.id != without)
    for at in (await session.scalars(query)).all():
        taken[slot_index(starts, at)] += 1
    return starts, capacities, taken


def _slot_over(row: DriveDay, start: time, *, now: datetime, tz: tzinfo) -> bool:
    end = slot_end(start, slot_minutes=row.slot_minutes, drive_day_end=row.end_time)
    return has_ended(row.day, end, now=now, tz=tz)


async def free_slots(
    session: AsyncSession,
    drive_day_id: int,
    *,
    include_full: bool = False,
    open_at: tuple[datetime, tzinfo] | None = None,
) -> list[SlotView]:
    """The slots a donor can still pick, in time order; `include_full` adds the full ones (organiser view).

    `open_at` (now, the configured zone) leaves out the slots that have ended by then: at 10:00 of a
    07:00–11:00 session the 07:00 slot is not offered. Empty for an unknown session; the status is not
    checked here (`take_slot` does).
    """
    row = await session.get(DriveDay, drive_day_id)
    if row is None:
        return []
    starts, capacities, taken = await _slot_counts(session, row)
    slots = [SlotView(start, cap, n) for start, cap, n in zip(starts, capacities, taken, strict=True)]
    if open_at is not None:
        now, tz = open_at
        slots = [slot for slot in slots if not _slot_over(row, slot.start, now=now, tz=tz)]
    return slots if include_full else [slot for slot in slots if slot.free > 0]


class TakeRefusal(StrEnum):
    """Why a sign-up (or a move to another slot) was not made; the chat turns each into a message."""

    FULL = "full"  # that slot has no place left
    SESSION_FULL = "session_full"  # no place left in the whole session
    NOT_FOUND = "not_found"  # no such session, slot or sign-up
    CANCELLED = "cancelled"  # the session was cancelled
    PAST = "past"  # the session or the slot is over (or the donor already checked in)
    ALREADY = "already"  # the donor already has a sign-up for this session
    NOT_FOR_YOU = "not_for_you"  # a session for a sector the donor does not belong to


async def _unique_code(session: AsyncSession, rng: random.Random) -> str:
    """A check-in code no sign-up uses yet (the unique index is the last guard)."""
    for _ in range(_CODE_ATTEMPTS):
        code = new_code(rng)
        if await session.scalar(select(Signup.id).where(Signup.code == code)) is None:
            return code
    raise RuntimeError("could not draw an unused sign-up code")


async def active_signup(session: AsyncSession, *, drive_day_id: int, donor_id: int) -> Signup | None:
    """The donor's sign-up for this session unless cancelled (active, checked in or with a result)."""
    signup: Signup | None = await session.scalar(
        select(Signup).where(
            Signup.drive_day_id == drive_day_id, Signup.donor_id == donor_id, Signup.status != CANCELLED
        )
    )
    return signup


async def _bookable(
    session: AsyncSession, drive_day_id: int, *, now: datetime, tz: tzinfo
) -> DriveDay | TakeRefusal:
    """The drive day, locked, when a slot of it may still be taken; else why not."""
    row = await lock_drive_day(session, drive_day_id)
    if row is None:
        return TakeRefusal.NOT_FOUND
    if row.status == CANCELLED:
        return TakeRefusal.CANCELLED
    if has_ended(row.day, row.end_time, now=now, tz=tz):
        return TakeRefusal.PAST
    return row


async def take_slot(
    session: AsyncSession,
    *,
    drive_day_id: int,
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
    row = await _bookable(session, drive_day_id, now=now, tz=tz)
    if isinstance(row, TakeRefusal):
        return row
    organisation_type = await session.scalar(select(Donor.organisation_type).where(Donor.id == donor_id))
    if not admits(row.audience, organisation_type):
        return TakeRefusal.NOT_FOR_YOU
    existing: Signup | None = await session.scalar(
        select(Signup).where(Signup.drive_day_id == drive_day_id, Signup.donor_id == donor_id)
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
            drive_day_id=drive_day_id,
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
) -> list[tuple[Signup, DriveDayView]]:
    """The donor's sign-ups for sessions that have not ended at `now` (local time in `tz`), soonest first;
    a cancelled session is included (its view says so) because the donor should hear it was cancelled
    rather than see the sign-up vanish."""
    taken = taken_counts().subquery()
    rows = (
        await session.execute(
            select(Signup, DriveDay, Campaign.name, func.coalesce(taken.c.taken, 0))
            .join(DriveDay, DriveDay.id == Signup.drive_day_id)
            .join(Campaign, Campaign.id == DriveDay.campaign_id)
            .outerjoin(taken, taken.c.drive_day_id == DriveDay.id)
            .where(Signup.donor_id == donor_id, Signup.status != CANCELLED, not_ended(now, tz))
            .order_by(DriveDay.day, Signup.slot_start, Signup.id)
        )
    ).all()
    return [(signup, view_of(row, name, count)) for signup, row, name, count in rows]


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
    await outbox.withdraw(session, key_prefix=f"reminder:{signup.drive_day_id}:{donor_id}:")
    await outbox.withdraw(session, key_prefix=f"notice:{signup.drive_day_id}:", about=donor_id)
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
    row = await _bookable(session, signup.drive_day_id, now=now, tz=tz)
    if isinstance(row, TakeRefusal):
        return row
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
    await outbox.withdraw(session, key_prefix=f"reminder:{signup.drive_day_id}:{donor_id}:")
    return signup
