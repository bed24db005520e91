"""Check-in at the desk and the result at the chair. Never commits.

A result is recorded only through `record_result`, which never counts a donation twice: the chat desk
and (later) the spreadsheet import both go through it, and it withdraws the pushes a result undoes.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.slots import normalise_code
from models import audit, callouts, outbox
from models.drive_days import ACTIVE, CANCELLED, apply_values
from models.tables import Donation, Signup

VOLUMES = (250, 350, 450)
KINDS = ("whole_blood", "apheresis_red_cells", "apheresis_platelets", "apheresis_plasma")


async def signup_by_code(session: AsyncSession, code: str) -> Signup | None:
    """The sign-up with this code as a volunteer typed it ("k7m 2qx", "K7M-2QX"), with its session loaded
    so the caller can check the day and place."""
    cleaned = normalise_code(code)
    if not cleaned:
        return None
    signup: Signup | None = await session.scalar(
        select(Signup).where(Signup.code == cleaned).options(selectinload(Signup.drive_day))
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
            select(Signup).where(Signup.id == signup_id).options(selectinload(Signup.drive_day))
        )
    else:
        signup = await signup_by_code(session, code or "")
    if signup is None or signup.status == CANCELLED or signup.donor_id is None:
        return CheckInRefusal.NOT_FOUND
    if signup.status == ACTIVE:
        other_day = signup.drive_day.day != today
        if other_day and not any_day:
            return CheckInRefusal.OTHER_DAY
        signup.status = "checked_in"
        signup.checked_in_at = now
        signup.updated_at = now
        await session.flush()
        details: dict[str, object] = {"session": signup.drive_day_id}
        if other_day:
            details["other_day"] = True
            details["session_day"] = signup.drive_day.day.isoformat()
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
        select(Signup).where(Signup.id == signup_id).options(selectinload(Signup.drive_day))
    )
    if signup is None or signup.donor_id is None:
        return None
    donor_id = signup.donor_id
    drive = signup.drive_day
    recorded: Donation | None = await session.scalar(
        select(Donation).where(
            Donation.drive_day_id == drive.id,
            Donation.donor_id == donor_id,
            Donation.self_reported.is_(False),
        )
    )
    changed: list[str] = []
    if donated:
        changed += apply_values(
            signup, {"status": "donated", "result_volume_ml": volume_ml, "deferral_reason": None}
        )
        values = {"donated_on": donated_on, "volume_ml": volume_ml, "kind": kind, "place": drive.place_name}
        if recorded is None:
            recorded = Donation(
                donor_id=donor_id, drive_day_id=drive.id, self_reported=False, created_at=now, **values
            )
            session.add(recorded)
            changed.append("donation")
        else:
            changed += apply_values(recorded, values)
    else:
        changed += apply_values(
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
