"""The queries behind the planners of scheduled pushes (scheduler/planner.py). Read-only.

Each returns the rows a planner considers; what to queue, when and in which words stays in the planner.
The filters here are only those the database answers best (who is reachable, who already booked or was
invited); every eligibility question goes to `domain.decision` through `models.donor_facts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Exists, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import donor_facts
from models.tables import ChannelAccount, Donation, Donor, DriveDay, Outbox, Signup

__all__ = [
    "SCHEDULED",
    "donations_to_follow_up",
    "drive_days_between",
    "nudge_candidates",
    "open_ward_drive_days",
    "reachable",
    "signups_with_donors",
    "ward_donors_to_invite",
]

SCHEDULED = "scheduled"


def reachable() -> Exists:
    """Donors with at least one chat account that has not blocked the bot."""
    return (
        select(ChannelAccount.id)
        .where(ChannelAccount.donor_id == Donor.id, ChannelAccount.unreachable_at.is_(None))
        .exists()
    )


async def drive_days_between(session: AsyncSession, first: date, last: date) -> Sequence[DriveDay]:
    """Every drive day from `first` to `last` (local dates), whatever its status."""
    return (await session.scalars(select(DriveDay).where(DriveDay.day >= first, DriveDay.day <= last))).all()


async def signups_with_donors(session: AsyncSession, drive_day_id: int) -> list[tuple[Signup, Donor]]:
    """The drive day's sign-ups of donors who still exist, whatever their status, in sign-up order."""
    rows = await session.execute(
        select(Signup, Donor)
        .join(Donor, Donor.id == Signup.donor_id)
        .where(Signup.drive_day_id == drive_day_id)
        .order_by(Signup.id)
    )
    return list(rows.tuples())


async def open_ward_drive_days(session: AsyncSession, first: date, last: date) -> Sequence[DriveDay]:
    """Scheduled drive days open to everyone and held in a ward, from `first` to `last`, in time order
    (the first of a campaign round in a ward comes first)."""
    return (
        await session.scalars(
            select(DriveDay)
            .where(
                DriveDay.status == SCHEDULED,
                DriveDay.audience == "open",
                DriveDay.ward.is_not(None),
                DriveDay.day >= first,
                DriveDay.day <= last,
            )
            .order_by(DriveDay.day, DriveDay.start_time, DriveDay.id)
        )
    ).all()


async def ward_donors_to_invite(
    session: AsyncSession, *, campaign_id: int, round_: int, ward: str, batch: str
) -> Sequence[Donor]:
    """The ward's donors with reminders on and a reachable chat, without a sign-up (other than a cancelled
    one) for this campaign round and without a push in the round's invitation `batch` yet, by id."""
    signed_up = (
        select(Signup.id)
        .join(DriveDay, DriveDay.id == Signup.drive_day_id)
        .where(
            Signup.donor_id == Donor.id,
            Signup.status != "cancelled",
            DriveDay.campaign_id == campaign_id,
            DriveDay.round == round_,
        )
        .exists()
    )
    invited = (
        select(Outbox.id)
        .join(ChannelAccount, ChannelAccount.id == Outbox.account_id)
        .where(Outbox.batch == batch, ChannelAccount.donor_id == Donor.id)
        .exists()
    )
    return (
        await session.scalars(
            select(Donor)
            .where(Donor.ward == ward, Donor.reminders_enabled.is_(True), reachable(), ~signed_up, ~invited)
            .order_by(Donor.id)
        )
    ).all()


async def nudge_candidates(
    session: AsyncSession,
    *,
    today: date,
    earliest: date,
    latest: date,
    last_from: date,
    last_until: date,
) -> Sequence[Donor]:
    """Donors who may become eligible again between `earliest` and `latest`: a kept date in that range,
    or a last donation (`models.donor_facts.last_donation_dates`) from `last_from` to `last_until`.

    Only those with reminders on, a reachable chat and no active sign-up for a scheduled drive day from
    `today` on; by id. A coarse filter: the planner asks `domain.decision` for each.
    """
    last = donor_facts.last_donation_dates()
    coming = (
        select(Signup.id)
        .join(DriveDay, DriveDay.id == Signup.drive_day_id)
        .where(
            Signup.donor_id == Donor.id,
            Signup.status == "active",
            DriveDay.status == SCHEDULED,
            DriveDay.day >= today,
        )
        .exists()
    )
    return (
        await session.scalars(
            select(Donor)
            .outerjoin(last, last.c.donor_id == Donor.id)
            .where(
                Donor.reminders_enabled.is_(True),
                reachable(),
                ~coming,
                or_(
                    Donor.eligible_from.between(earliest, latest),
                    and_(last.c.last_on >= last_from, last.c.last_on <= last_until),
                ),
            )
            .order_by(Donor.id)
        )
    ).all()


async def donations_to_follow_up(
    session: AsyncSession, *, first_day: date, last_day: date
) -> list[tuple[Signup, DriveDay, Donor, date]]:
    """Sign-ups with a donation recorded at their drive day from `first_day` to `last_day` and no answer
    to "how do you feel?" yet, with the drive day, the donor and the day of the donation, by sign-up.

    The day of the donation, not the drive day's planned day (an organiser may check a donor in on
    another day): the recorded donation of the sign-up says when it was.
    """
    rows = await session.execute(
        select(Signup, DriveDay, Donor, Donation.donated_on)
        .join(DriveDay, DriveDay.id == Signup.drive_day_id)
        .join(Donor, Donor.id == Signup.donor_id)
        .join(
            Donation,
            and_(
                Donation.drive_day_id == Signup.drive_day_id,
                Donation.donor_id == Signup.donor_id,
                Donation.self_reported.is_(False),
            ),
        )
        .where(
            Signup.status == "donated",
            Signup.feeling.is_(None),
            Donation.donated_on >= first_day,
            Donation.donated_on <= last_day,
        )
        .order_by(Signup.id)
    )
    return list(rows.tuples())
