"""Donation counts, the honour list and the milestones reached in a year. Never commits.

The one count (`count_columns`, used by `total_count`, the honour list and the year's milestones, and so
by /hoso, the thank-you and the congratulation push):

    total = donations recorded at the desk + max(earlier_donations, self-reported donations)

`earlier_donations` is what the donor gave before the bot, stated at registration right after the date
of their last donation ("counting that one") or corrected by an organiser. The self-reported last
donation (`donations.self_reported`, at most one row: /hoso replaces it) is one of those earlier
donations, so it is not added on top: adding it would put a donor who said "15 times" on the list of
"more than 15". When the earlier count is not known (NULL: skipped, "not sure", registered before it was
asked) the self-reported row alone counts, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Subquery,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.milestones import MAX_EARLIER_DONATIONS, lost, newly_reached
from models import audit, outbox
from models.tables import Donation, Donor

__all__ = [
    "HonourRow",
    "MilestoneRow",
    "correct_earlier",
    "counts_of",
    "honour_list",
    "milestone_key",
    "milestones_in_year",
    "total_count",
    "withdraw_lost",
]


def _sums(until: date | None = None) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """Per donor (in a GROUP BY donor_id): donations recorded at the desk and self-reported ones, up to
    `until` inclusive."""
    within: ColumnElement[bool] = true() if until is None else Donation.donated_on <= until
    recorded = func.sum(case((and_(Donation.self_reported.is_(False), within), 1), else_=0))
    reported = func.sum(case((and_(Donation.self_reported.is_(True), within), 1), else_=0))
    return recorded, reported


def _tally(*donors: ColumnElement[bool], label: str = "") -> Subquery:
    """Per donor of `donors` (conditions on `Donation.donor_id`; every donor when none): donations
    recorded at the desk and self-reported ones. Callers narrow it: a full tally reads every donation
    (3,000,000 at a province's size), one donor's reads a few rows of `ix_donations_donor_id_donated_on`."""
    recorded, reported = _sums()
    return (
        select(
            Donation.donor_id.label("donor_id"),
            recorded.label("recorded"),
            reported.label("reported"),
        )
        .where(Donation.donor_id.is_not(None), *donors)
        .group_by(Donation.donor_id)
        .subquery(f"tally{label}")
    )


def counted(recorded: ColumnElement[Any], reported: ColumnElement[Any]) -> ColumnElement[int]:
    """The total count of the module doc, for a `Donor` outer-joined to per-donor sums."""
    recorded = func.coalesce(recorded, 0)
    reported = func.coalesce(reported, 0)
    earlier = case(
        (Donor.earlier_donations.is_(None), reported),
        (Donor.earlier_donations >= reported, Donor.earlier_donations),
        else_=reported,
    )
    return (recorded + earlier).cast(Integer)


def count_columns(tally: Subquery) -> ColumnElement[int]:
    """The total count of the module doc, for a `Donor` outer-joined to a `_tally` subquery."""
    return counted(tally.c.recorded, tally.c.reported)


async def total_count(session: AsyncSession, donor_id: int) -> int:
    """One donor's count (0 for an unknown donor): what /hoso, the thank-you and milestones say."""
    tally = _tally(Donation.donor_id == donor_id)
    count = await session.scalar(
        select(count_columns(tally))
        .select_from(Donor)
        .outerjoin(tally, tally.c.donor_id == Donor.id)
        .where(Donor.id == donor_id)
    )
    return int(count or 0)


async def counts_of(session: AsyncSession, donor_ids: Sequence[int]) -> dict[int, int]:
    """The count of each of a few donors (`total_count`'s, in one statement: the web page's donor list)."""
    if not donor_ids:
        return {}
    tally = _tally(Donation.donor_id.in_(list(donor_ids)))
    rows = await session.execute(
        select(Donor.id, count_columns(tally))
        .outerjoin(tally, tally.c.donor_id == Donor.id)
        .where(Donor.id.in_(list(donor_ids)))
    )
    return {donor_id: int(count or 0) for donor_id, count in rows.tuples()}


@dataclass(frozen=True)
class HonourRow:
    donor_id: int
    full_name: str
    ward: str | None
    count: int
    earlier: int | None  # what of the count came before the bot (None: not stated)


async def honour_list(
    session: AsyncSession, *, more_than: int, ward: str | None = None, organisation: str | None = None
) -> list[HonourRow]:
    """Donors whose count is more than `more_than` (`[recognition] honour_more_than`), of `ward` or
    `organisation` when given (an organiser's scope); most donations first, then by name."""
    # Only donors who can be over the threshold: more donation rows than it (the count is at most the
    # rows when no earlier count is known), or an earlier count stated. The full tally of every donor
    # was most of a year report's time at a province's size.
    many = (
        select(Donation.donor_id)
        .where(Donation.donor_id.is_not(None))
        .group_by(Donation.donor_id)
        .having(func.count() > more_than)
    )
    # The literal 0 (not a bound parameter) lets SQLite read them from the partial index
    # `ix_donors_earlier_stated` instead of every donor; a CTE, so the scan of `many` runs once (as a
    # subquery it ran twice: for the join and for the tally's IN).
    stated = select(Donor.id).where(Donor.earlier_donations > literal_column("0"))
    candidates = many.union(stated).cte("candidates")
    tally = _tally(Donation.donor_id.in_(select(candidates.c[0])))
    count = count_columns(tally).label("count")
    query = (
        select(Donor.id, Donor.full_name, Donor.ward, count, Donor.earlier_donations)
        .join(candidates, candidates.c[0] == Donor.id)
        .outerjoin(tally, tally.c.donor_id == Donor.id)
        .where(count_columns(tally) > more_than)
        .order_by(count.desc(), Donor.full_name, Donor.id)
    )
    if ward is not None:
        query = query.where(Donor.ward == ward)
    if organisation is not None:
        query = query.where(Donor.organisation == organisation)
    rows = await session.execute(query)
    return [HonourRow(*row) for row in rows.tuples()]


@dataclass(frozen=True)
class MilestoneRow:
    donor_id: int
    full_name: str
    ward: str | None
    milestone: int
    count: int  # at the end of the year


async def milestones_in_year(
    session: AsyncSession,
    *,
    year: int,
    milestones: Sequence[int],
    ward: str | None = None,
    organisation: str | None = None,
    milestone: int | None = None,
) -> list[MilestoneRow]:
    """The people whose donations in `year` took their count past a milestone (one row per milestone
    crossed; only `milestone` when given), for the certificate ceremony; by milestone (highest first),
    then name. Earlier donations count at every date, so a correction of them reaches nothing."""
    # One pass over the donations of the donors who gave in the year (not over every donor's).
    gave = select(Donation.donor_id).where(
        Donation.donated_on >= date(year, 1, 1), Donation.donated_on <= date(year, 12, 31)
    )
    wanted = [n for n in milestones if milestone is None or n == milestone]
    if not wanted:
        return []
    recorded_before, reported_before = _sums(date(year - 1, 12, 31))
    recorded_end, reported_end = _sums(date(year, 12, 31))
    # Only donors who can end the year at the lowest milestone or above leave the grouping for the join
    # with `donors`: their rows up to the year's end reach it, or they stated donations before the bot
    # (the count is those rows unless an earlier count above the self-reported ones is known). Most of a
    # year's donors have fewer rows: the join of every one of them was a third of the query's time
    # (bench/web.py, 1,000,000 donors). The literal 0 lets SQLite read `ix_donors_earlier_stated`.
    stated = select(Donor.id).where(Donor.earlier_donations > literal_column("0"))
    sums = (
        select(
            Donation.donor_id.label("donor_id"),
            recorded_before.label("recorded_before"),
            reported_before.label("reported_before"),
            recorded_end.label("recorded_end"),
            reported_end.label("reported_end"),
        )
        .where(Donation.donor_id.in_(gave))
        .group_by(Donation.donor_id)
        .having(or_(recorded_end + reported_end >= min(wanted), Donation.donor_id.in_(stated)))
        .subquery("sums")
    )
    at_start = counted(sums.c.recorded_before, sums.c.reported_before).label("at_start")
    at_end = counted(sums.c.recorded_end, sums.c.reported_end).label("at_end")
    start, finish = (
        counted(sums.c.recorded_before, sums.c.reported_before),
        counted(sums.c.recorded_end, sums.c.reported_end),
    )
    # Only the rows that crossed a milestone leave the database (a quarter of a million donors give in a
    # province's year; a few crossed one).
    query = (
        select(Donor.id, Donor.full_name, Donor.ward, at_start, at_end)
        .join(sums, sums.c.donor_id == Donor.id)
        .where(or_(*(and_(start < n, finish >= n) for n in wanted)))
    )
    if ward is not None:
        query = query.where(Donor.ward == ward)
    if organisation is not None:
        query = query.where(Donor.organisation == organisation)
    rows: list[MilestoneRow] = []
    for donor_id, name, donor_ward, before, after in (await session.execute(query)).tuples():
        for n in newly_reached(int(before), int(after), wanted):
            rows.append(MilestoneRow(donor_id, name, donor_ward, n, int(after)))
    rows.sort(key=lambda r: (-r.milestone, r.full_name, r.donor_id))
    return rows


async def correct_earlier(
    session: AsyncSession, donor: Donor, count: int, *, actor: str, now: datetime
) -> int | None:
    """An organiser's correction of the donations before the bot (from the hospital's records); audited
    with the old and the new count. From then on the donor's /hoso shows it and no longer changes it.
    Returns the count it replaced."""
    if not 0 <= count <= MAX_EARLIER_DONATIONS:
        raise ValueError(f"count must be 0..{MAX_EARLIER_DONATIONS}")
    old = donor.earlier_donations
    donor.earlier_donations = count
    donor.earlier_checked_at = now
    donor.updated_at = now
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="donor.earlier_count",
        target=f"donor:{donor.id}",
        details={"from": old, "to": count},
        now=now,
    )
    return old


def milestone_key(donor_id: int, milestone: int) -> str:
    """The congratulation's outbox key: one per donor and milestone, ever (a result corrected and
    recorded again finds it and queues nothing new)."""
    return f"milestone:{donor_id}:{milestone}"


async def withdraw_lost(
    session: AsyncSession, *, donor_id: int, before: int, after: int, milestones: Sequence[int]
) -> int:
    """Withdraws the congratulations still waiting for milestones the count no longer reaches (a
    donation corrected to "deferred"); one already sent stays sent. Returns how many."""
    withdrawn = 0
    for n in lost(before, after, milestones):
        withdrawn += await outbox.withdraw(
            session, key_prefix=milestone_key(donor_id, n) + ":", about=donor_id
        )
    return withdrawn
