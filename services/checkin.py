"""What the check-in desk writes besides the check-in itself: a result with its thank-you, and a weight.

The desk dialogue (handlers/checkin.py) calls these, and so will the spreadsheet import of results, so a
recorded donation is always thanked the same way: one push keyed by the donation, `THANKS_DELAY` after
the result, so a result corrected at the desk meanwhile withdraws it (`models.checkin.record_result`)
before the donor sees it. The check-in itself is one model call (`models.checkin.check_in`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.i18n import Catalogs
from domain.eligibility import next_eligible_date
from domain.rules import DonationKind, Rules
from models import audit, checkin, honours, outbox
from models.tables import Donation, Donor, Signup
from services import recognition

__all__ = ["THANKS_DELAY", "record_result", "record_weight", "thank"]

THANKS_DELAY: Final = timedelta(minutes=10)
"""The thank-you waits this long after the result: a mis-tap corrected at the desk never reaches the donor."""


async def record_result(
    session: AsyncSession,
    *,
    settings: Settings,
    catalogs: Catalogs,
    rules: Rules,
    signup_id: int,
    donated: bool,
    volume_ml: int | None,
    deferral_reason: str | None,
    donated_on: date,
    actor: str,
    now: datetime,
) -> Donation | None:
    """Records the result (`models.checkin.record_result`) and, for a donation, queues its thank-you;
    returns the donation (None: deferred, or the sign-up no longer exists).

    The donor's count before and after decides a milestone's congratulation, or its withdrawal when a
    correction to "deferred" takes the count back below it (`services.recognition.settle`).
    """
    signup = await session.get(Signup, signup_id)
    donor_id = signup.donor_id if signup is not None else None
    before = await honours.total_count(session, donor_id) if donor_id is not None else 0
    donation = await checkin.record_result(
        session,
        signup_id=signup_id,
        donated=donated,
        volume_ml=volume_ml,
        deferral_reason=deferral_reason,
        donated_on=donated_on,
        actor=actor,
        now=now,
    )
    if donation is not None and donation.donor_id is not None:
        await thank(
            session,
            catalogs=catalogs,
            rules=rules,
            donor_id=donation.donor_id,
            donated_on=donation.donated_on,
            signup_id=signup_id,
            donation_id=donation.id,
            now=now,
        )
    if donor_id is not None:
        await recognition.settle(
            session, settings=settings, catalogs=catalogs, donor_id=donor_id, before=before, now=now
        )
    return donation


async def thank(
    session: AsyncSession,
    *,
    catalogs: Catalogs,
    rules: Rules,
    donor_id: int,
    donated_on: date,
    signup_id: int,
    donation_id: int,
    now: datetime,
) -> bool:
    """Queues the thank-you with the donation count and the next eligible date, in the donor's language;
    False when the donor no longer exists.

    Keyed by the donation: a correction to "deferred" withdraws it (models.checkin.record_result), and a
    donation recorded again after that is thanked again; a corrected volume is not thanked twice.
    """
    donor = await session.get(Donor, donor_id)
    if donor is None:
        return False
    t = catalogs.get(donor.language)
    count = await honours.total_count(session, donor_id)
    next_on = next_eligible_date(
        last_on=donated_on,
        last_kind=DonationKind.WHOLE_BLOOD,
        next_kind=DonationKind.WHOLE_BLOOD,
        rules=rules,
    )
    text = t("thanks_after_donation", name=donor.full_name, count=count, date=t.date(next_on))
    await outbox.enqueue_for_donor(
        session,
        donor_id=donor_id,
        key=f"thanks:{signup_id}:{donation_id}",
        kind="thanks",
        text=text,
        due_at=now + THANKS_DELAY,
    )
    return True


async def record_weight(
    session: AsyncSession, *, donor: Donor, weight_kg: float, signup_id: int, actor: str, now: datetime
) -> None:
    """The weight measured at the desk goes on the donor's profile; audited without the value (health
    data), naming the sign-up it was measured for."""
    donor.weight_kg = weight_kg
    donor.updated_at = now
    await audit.record(
        session,
        actor=actor,
        action="donor.weight_at_desk",  # the value is health data: not in the log
        target=f"donor:{donor.id}",
        details={"signup": signup_id},
        now=now,
    )
