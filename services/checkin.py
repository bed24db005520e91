"""What the check-in desk writes besides the check-in itself: a result with its thank-you, a weight,
a walk-in registered on a paper consent form, and the blood group the lab found.

The desk dialogue (handlers/checkin.py) calls these, and so will the spreadsheet import of results, so a
recorded donation is always thanked the same way: one push keyed by the donation, `THANKS_DELAY` after
the result, so a result corrected at the desk meanwhile withdraws it (`models.checkin.record_result`)
before the donor sees it. The check-in itself is one model call (`models.checkin.check_in`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.i18n import Catalogs
from domain.blood import ABO, BloodGroup, Rh
from domain.eligibility import Sex, next_eligible_date
from domain.rules import DonationKind, Rules
from domain.volumes import Volumes, whole_blood_volumes
from models import accounts, audit, checkin, desk, honours, outbox
from models.tables import Donation, Donor, DriveDay, Signup
from services import recognition

__all__ = [
    "DEFERRALS",
    "RESULTS",
    "THANKS_DELAY",
    "DeskResult",
    "DeskResultKind",
    "allowed_volumes",
    "desk_signup",
    "record_desk_result",
    "record_lab_group",
    "record_result",
    "record_weight",
    "register_walk_in",
    "thank",
]

THANKS_DELAY: Final = timedelta(minutes=10)
"""The thank-you waits this long after the result: a mis-tap corrected at the desk never reaches the donor."""

DEFERRALS: Final = ("haemoglobin", "blood_pressure", "other")
"""The deferral reasons the desk offers (the chat's buttons, the web page's)."""
RESULTS: Final = ("donated", "deferred")


def allowed_volumes(rules: Rules, donor: Donor) -> Volumes:
    """The whole-blood volumes the desk may record for this donor: those the rules allow for their
    weight (and sex), of the ones offered (`models.checkin.VOLUMES`)."""
    return whole_blood_volumes(
        rules,
        weight_kg=donor.weight_kg,
        sex=Sex(donor.sex) if donor.sex in (Sex.MALE, Sex.FEMALE) else None,
        offered=checkin.VOLUMES,
    )


async def desk_signup(session: AsyncSession, signup_id: int | None) -> tuple[Signup, Donor] | None:
    """The sign-up a desk screen names and its donor, if it is checked in (or has a result) and its donor
    still exists: the only sign-ups whose weight, result or lab group the desk records."""
    signup = await session.get(Signup, signup_id) if signup_id is not None else None
    if signup is None or signup.donor_id is None or signup.status not in ("checked_in", *RESULTS):
        return None
    donor = await session.get(Donor, signup.donor_id)
    return (signup, donor) if donor is not None else None


class DeskResultKind(StrEnum):
    """What became of a result the desk chose."""

    RECORDED = "recorded"
    SAME = "same"  # that result was recorded already: nothing changed
    DIFFERS = "differs"  # another result is recorded: only a correction changes it
    VOLUME_REFUSED = "volume_refused"  # the donor's weight does not allow that volume
    GONE = "gone"  # the sign-up is not checked in, or it or its donor no longer exists


@dataclass(frozen=True)
class DeskResult:
    kind: DeskResultKind
    signup: Signup | None = None
    donor: Donor | None = None
    donation: Donation | None = None
    volumes: Volumes | None = None
    has_chat: bool = False  # the donor has a chat, so the thank-you reaches them


async def record_desk_result(
    session: AsyncSession,
    *,
    settings: Settings,
    catalogs: Catalogs,
    rules: Rules,
    signup_id: int,
    donated: bool,
    volume_ml: int | None,
    deferral_reason: str | None,
    correcting: bool,
    actor: str,
    now: datetime,
    today: date,
) -> DeskResult:
    """The result chosen at the desk (the chat's buttons and the web page's), by the desk's rules: only
    for a checked-in sign-up; a volume the donor's weight allows; a result already recorded changed only
    by a correction (`correcting`); dated on the day of the check-in (`record_result`). The caller has
    checked the role and its scope."""
    found = await desk_signup(session, signup_id)
    if found is None:
        return DeskResult(DeskResultKind.GONE)
    signup, donor = found
    if donated:
        volumes = allowed_volumes(rules, donor)
        if volume_ml not in volumes.allowed:
            return DeskResult(DeskResultKind.VOLUME_REFUSED, signup, donor, volumes=volumes)
    if signup.status in RESULTS and not correcting:
        if donated:
            same = signup.status == "donated" and signup.result_volume_ml == volume_ml
        else:
            same = signup.status == "deferred" and signup.deferral_reason == deferral_reason
        return DeskResult(DeskResultKind.SAME if same else DeskResultKind.DIFFERS, signup, donor)
    checked_in = signup.checked_in_at
    donation = await record_result(
        session,
        settings=settings,
        catalogs=catalogs,
        rules=rules,
        signup_id=signup.id,
        donated=donated,
        volume_ml=volume_ml if donated else None,
        deferral_reason=deferral_reason,
        donated_on=checked_in.astimezone(settings.tz).date() if checked_in else today,
        actor=actor,
        now=now,
    )
    if donated and donation is None:
        return DeskResult(DeskResultKind.GONE)
    has_chat = bool(await accounts.accounts_of(session, donor.id))
    return DeskResult(DeskResultKind.RECORDED, signup, donor, donation, has_chat=has_chat)


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


async def register_walk_in(
    session: AsyncSession,
    new: desk.PaperDonor,
    *,
    drive_day_id: int,
    actor: str,
    today: date,
    now: datetime,
    tz: tzinfo,
) -> tuple[Donor, Signup] | None:
    """A walk-in at the desk: their donor row (consent on a paper form, recorded by `actor` today) and a
    sign-up on today's session, checked in now; audited `desk.walk_in` with ids only.

    None (nothing written) when the session is not today's any more; `models.desk.PhoneTaken` when the
    phone is registered meanwhile. A walk-in has no chat, so no push is queued for them.
    """
    drive = await session.get(DriveDay, drive_day_id)
    if drive is None or drive.day != today or drive.status == "cancelled":
        return None
    donor = await desk.add_paper_donor(session, new, taken_by=actor, form_on=today, now=now)
    signup = await desk.walk_in_signup(
        session, drive_day_id=drive_day_id, donor_id=donor.id, today=today, now=now, tz=tz, actor=actor
    )
    assert signup is not None  # the session was checked above, in this transaction
    await audit.record(
        session,
        actor=actor,
        action="desk.walk_in",
        target=f"donor:{donor.id}",
        details={"signup": signup.id, "session": drive_day_id},
        now=now,
    )
    return donor, signup


async def record_lab_group(
    session: AsyncSession,
    *,
    donor: Donor,
    group: BloodGroup,
    signup_id: int,
    actor: str,
    today: date,
    now: datetime,
) -> BloodGroup:
    """The blood group the lab found: stored on the donor as confirmed today (the donor's /hoso no longer
    changes it, call-out matching prefers it); returns the group on the profile before. Audited
    `desk.blood_group` with ids and whether it changed, never the group."""
    before = BloodGroup(
        ABO(donor.blood_abo) if donor.blood_abo else None, Rh(donor.blood_rh) if donor.blood_rh else None
    )
    donor.blood_abo = group.abo.value if group.abo else None
    donor.blood_rh = group.rh.value if group.rh else None
    donor.blood_confirmed_on = today
    donor.updated_at = now
    await audit.record(
        session,
        actor=actor,
        action="desk.blood_group",
        target=f"donor:{donor.id}",
        details={"signup": signup_id, "changed": before.code != group.code},
        now=now,
    )
    return before
