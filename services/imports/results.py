"""Results from the blood centre for one drive day: who gave how much (or was deferred), the group the
lab found. Each row goes through the desk's own write path (`services.checkin.record_result`), so the
thank-you, a milestone's congratulation and `refresh_last_donation` happen once, as at the desk; a row
that says what is already on record is left alone, so importing the file again changes nothing.

A lab group sets the donor's blood group and `blood_confirmed_on` (the donation's date); audited as
`donor.lab_group` without the group (health data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.i18n import Catalogs
from domain.rules import Rules
from models import audit, checkin, donors, imports
from models.tables import Donation, Donor, DriveDay
from services import checkin as desk
from services.imports.rows import Problem, ResultRow


@dataclass
class ResultTally:
    donated: int = 0
    deferred: int = 0
    lab_groups: int = 0
    unchanged: int = 0
    skipped: int = 0


async def record_row(
    session: AsyncSession,
    row: ResultRow,
    *,
    day: DriveDay,
    settings: Settings,
    catalogs: Catalogs,
    rules: Rules,
    actor: str,
    now: datetime,
    tally: ResultTally,
) -> Problem | None:
    """Records one row (or says why it cannot be); counts what it changed in `tally`."""
    if row.code is not None:
        signup = await checkin.signup_by_code(session, row.code)
        if signup is None or signup.drive_day_id != day.id or signup.status == "cancelled":
            return Problem(row.row, "imp_err_code_unknown", {"value": row.code, "session": day.id})
        if row.phone is not None:
            owner = await session.get(Donor, signup.donor_id) if signup.donor_id is not None else None
            if owner is None or owner.phone != row.phone:
                return Problem(row.row, "imp_err_code_phone", {"value": row.code})
    else:
        assert row.phone is not None
        donor = await donors.donor_by_phone(session, row.phone)
        signup = await imports.signup_of(session, drive_day_id=day.id, donor_id=donor.id) if donor else None
        if signup is None:
            return Problem(row.row, "imp_err_not_booked", {"session": day.id})
    assert signup.donor_id is not None
    donated_on = row.donated_on or day.day
    if donated_on < day.day:
        return Problem(row.row, "imp_err_result_before", {"date": donated_on.isoformat()})
    changed = False
    if not await _same_result(session, signup.donor_id, signup.status, signup.result_volume_ml, row, day):
        await desk.record_result(
            session,
            settings=settings,
            catalogs=catalogs,
            rules=rules,
            signup_id=signup.id,
            donated=row.donated,
            volume_ml=row.volume_ml,
            deferral_reason=None,
            donated_on=donated_on,
            actor=actor,
            now=now,
        )
        changed = True
        if row.donated:
            tally.donated += 1
        else:
            tally.deferred += 1
    if row.lab_group is not None:
        donor_row = await session.get(Donor, signup.donor_id)
        assert donor_row is not None
        assert row.lab_group.abo is not None
        assert row.lab_group.rh is not None
        abo, rh = row.lab_group.abo.value, row.lab_group.rh.value
        if (donor_row.blood_abo, donor_row.blood_rh) != (abo, rh) or donor_row.blood_confirmed_on is None:
            donor_row.blood_abo, donor_row.blood_rh = abo, rh
            donor_row.blood_confirmed_on = donated_on
            donor_row.updated_at = now
            await audit.record(
                session,
                actor=actor,
                action="donor.lab_group",
                target=f"donor:{donor_row.id}",
                details={"session": day.id},
                now=now,
            )
            tally.lab_groups += 1
            changed = True
    if not changed:
        tally.unchanged += 1
    return None


async def _same_result(
    session: AsyncSession, donor_id: int, status: str, volume: int | None, row: ResultRow, day: DriveDay
) -> bool:
    """Whether the sign-up already holds this result (and, for a donation, its recorded donation)."""
    if not row.donated:
        return status == "deferred"
    if status != "donated" or volume != row.volume_ml:
        return False
    found = await session.scalar(
        select(Donation.id).where(
            Donation.drive_day_id == day.id,
            Donation.donor_id == donor_id,
            Donation.self_reported.is_(False),
        )
    )
    return found is not None
