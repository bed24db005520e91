"""The one loader of what `domain.decision.decide` needs to know about donors. Never commits.

Every eligibility decision (verdicts, sign-ups and the session list, call-outs, nudges and ward
invitations) reads a donor's facts here, so they all see the same last donation, kept date, age, weight,
/vangmat date and planned donations:

* the last donation: the latest by date; on the same day the kind with the longer interval counts, to be
  safe, then a recorded one (its kind known) over a self-report, whose kind is unknown (None: the rules
  then count whole blood and say so);
* planned donations: active sign-ups for scheduled sessions that have not ended (in the configured time
  zone), sign-ups checked in today or later whose result is not in yet, and call-outs the donor accepted
  in the last year (on the day they said yes: the hospital records nothing the bot sees).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import Subquery, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.decision import DonorFacts, Planned, Source
from domain.eligibility import Person, Sex
from domain.rules import DonationKind
from domain.slots import has_ended
from models.tables import Callout, CalloutRecipient, Donation, Donor, DriveDay, Signup

__all__ = ["CALLOUT_MEMORY", "donor_facts", "facts_by_id", "facts_of", "last_donation_dates"]

CALLOUT_MEMORY = timedelta(days=365)
"""How far back an accepted call-out still counts as a donation (far beyond any interval)."""

_CHUNK = 500
_KINDS = {kind.value: kind for kind in DonationKind}
_CALLOUT_KINDS = {"whole_blood": DonationKind.WHOLE_BLOOD, "platelets": DonationKind.PLATELETS}
_SHORT = frozenset({DonationKind.PLATELETS, DonationKind.PLASMA})


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _kind(donation: Donation) -> DonationKind | None:
    return None if donation.self_reported else _KINDS.get(donation.kind, DonationKind.WHOLE_BLOOD)


def _rank(donation: Donation) -> tuple[object, ...]:
    """Sorts a donor's donations so that the one that counts as the last comes last."""
    kind = _kind(donation)
    return (donation.donated_on, kind not in _SHORT, not donation.self_reported, donation.id)


def last_donation_dates() -> Subquery:
    """Each donor's last donation day as a subquery (`donor_id`, `last_on`), for filters the database runs
    (the planner's nudge candidates).

    The day `_last_donations` picks: its tie-breaks (the kind with the longer interval, a recorded donation
    over a self-report) only choose among the donations of that day, so both agree on the date.
    """
    return (
        select(Donation.donor_id, func.max(Donation.donated_on).label("last_on"))
        .group_by(Donation.donor_id)
        .subquery()
    )


async def _last_donations(session: AsyncSession, ids: Sequence[int]) -> dict[int, Donation]:
    latest: dict[int, Donation] = {}
    for chunk in _chunks(ids):
        rows = (await session.scalars(select(Donation).where(Donation.donor_id.in_(chunk)))).all()
        for row in rows:
            donor_id = row.donor_id
            if donor_id is None:  # an erased donor's donation, kept for the counts (never matched here)
                continue
            if donor_id not in latest or _rank(row) > _rank(latest[donor_id]):
                latest[donor_id] = row
    return latest


async def _planned(
    session: AsyncSession, ids: Sequence[int], *, now: datetime, tz: tzinfo
) -> dict[int, list[Planned]]:
    today = now.astimezone(tz).date()
    planned: dict[int, list[Planned]] = {}
    for chunk in _chunks(ids):
        bookings = await session.execute(
            select(Signup, DriveDay)
            .join(DriveDay, DriveDay.id == Signup.drive_day_id)
            .where(
                Signup.donor_id.in_(chunk),
                Signup.status.in_(("active", "checked_in")),
                DriveDay.status == "scheduled",
                DriveDay.day >= today,
            )
        )
        for signup, drive in bookings.tuples():
            if signup.donor_id is None:
                continue
            if signup.status == "active" and has_ended(drive.day, drive.end_time, now=now, tz=tz):
                continue  # a no-show today: that session is over
            planned.setdefault(signup.donor_id, []).append(
                Planned(
                    day=drive.day,
                    source=Source.BOOKING,
                    ref=signup.id,
                    drive_day_id=drive.id,
                    place=drive.place_name,
                )
            )
        accepted = await session.execute(
            select(CalloutRecipient, Callout.component)
            .join(Callout, Callout.id == CalloutRecipient.callout_id)
            .where(
                CalloutRecipient.donor_id.in_(chunk),
                CalloutRecipient.status == "accepted",
                CalloutRecipient.answered_at >= now - CALLOUT_MEMORY,
                # an organiser who closes a call-out tells those who accepted it is no longer needed
                Callout.status != "closed",
            )
        )
        for recipient, component in accepted.tuples():
            if recipient.donor_id is None:
                continue
            said_yes = recipient.answered_at or recipient.messaged_at
            planned.setdefault(recipient.donor_id, []).append(
                Planned(
                    day=said_yes.astimezone(tz).date(),
                    source=Source.CALLOUT,
                    ref=recipient.callout_id,
                    kind=_CALLOUT_KINDS.get(component, DonationKind.WHOLE_BLOOD),
                )
            )
    return planned


async def donor_facts(
    session: AsyncSession, donors: Collection[Donor], *, now: datetime, tz: tzinfo
) -> dict[int, DonorFacts]:
    """The facts of these donors (loaded rows), by donor id; `now` and `tz` say which sessions are over."""
    ids = sorted({donor.id for donor in donors})
    last = await _last_donations(session, ids)
    planned = await _planned(session, ids, now=now, tz=tz)
    facts: dict[int, DonorFacts] = {}
    for donor in donors:
        latest = last.get(donor.id)
        facts[donor.id] = DonorFacts(
            person=Person(
                date_of_birth=donor.date_of_birth,
                sex=Sex(donor.sex),
                weight_kg=donor.weight_kg,
                last_donation_on=latest.donated_on if latest else None,
                last_donation_kind=_kind(latest) if latest else None,
            ),
            eligible_from=donor.eligible_from,
            away_until=donor.away_until,
            planned=tuple(sorted(planned.get(donor.id, ()), key=lambda p: (p.day, p.source, p.ref))),
        )
    return facts


async def facts_of(session: AsyncSession, donor: Donor, *, now: datetime, tz: tzinfo) -> DonorFacts:
    """One donor's facts."""
    return (await donor_facts(session, [donor], now=now, tz=tz))[donor.id]


async def facts_by_id(
    session: AsyncSession, donor_ids: Collection[int], *, now: datetime, tz: tzinfo
) -> dict[int, DonorFacts]:
    """The facts of the donors with these ids (unknown ids are left out)."""
    rows: list[Donor] = []
    ids = sorted(set(donor_ids))
    for chunk in _chunks(ids):
        rows.extend((await session.scalars(select(Donor).where(Donor.id.in_(chunk)))).all())
    return await donor_facts(session, rows, now=now, tz=tz)
