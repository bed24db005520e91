"""What a donor must meet for one call-out, and in which order donors are asked. Never touches the database.

* A donor matches when they are a reserve donor who consented, has a reachable chat account, has a blood
  group the call-out asks for (already widened by ``domain.compatibility``), is not away
  (``away_until`` is before the day), is of age on the day, weighs at least the minimum for their sex,
  gave their last donation long enough before the day (12 weeks; 2 after plasma/platelets apheresis),
  has no opted-in "eligible again from" date after the day, has not accepted another call-out inside the
  interval (an emergency donation the bot does not see recorded), was not messaged by this call-out yet,
  and was messaged by fewer than ``max_calls_30d`` call-outs in the 30 days before now.
* The first wave (``skip_booked``) also leaves out donors booked for a session today: their session
  counts on them. A booking on a later day does not (the call-out is for today: the donor hears of the
  clash when they accept); later waves may ask the booked too.
* A "clubs first" wave (``clubs``) also needs the donor to be a member of one of those clubs (any club
  for ``()``). Membership is never a reason to call: a member is asked only as a reserve donor who meets
  every term above (joining a club is not consent to call-outs; joining the reserve is).
* These terms narrow the candidates in SQL (``models.callout_matching``); ``domain.decision`` decides
  (``services.callouts.matching`` checks each candidate with ``may_call`` on the facts of
  ``models.donor_facts``, the same as every other decision).
* Donors whose weight is unknown (they skipped the question) are NOT matched: a donor sent to a hospital
  in a hurry and turned away at the scale is worse than one not asked; /hoso lets them add it. A donor
  whose group is not fully known never matches either.
* A ward organiser's call-out (``wards_only``) asks donors of its wards only (``domain.roles``); the
  statement is the same, its rows of other wards (ranked after) are left out.
* Order: donors of the call-out's wards first, then the other wards in the configured order, then unknown
  wards; within a ward, those who never donated first, then the longest since the last donation, then id.

The criteria are plain values taken from the rules file once (:func:`criteria_for`), so the SQL builder
and its tests never read the rules themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Final

from domain.calendar import nth_birthday
from domain.compatibility import GROUPS, PLATELETS, donors_for
from domain.rules import DonationKind, Rules

FATIGUE_WINDOW: Final = timedelta(days=30)
SHORT_INTERVAL_KINDS: Final = (DonationKind.PLATELETS.value, DonationKind.PLASMA.value)
"""Last donation kinds after which the short (apheresis) interval applies; any other kind or none: whole."""


@dataclass(frozen=True)
class Criteria:
    """What a donor must meet for one call-out. Build it with :func:`criteria_for` from the rules file."""

    groups: tuple[str, ...]  # donor group codes accepted, already widened: ("O+", "O-")
    wards: tuple[str, ...] | None  # the call-out's wards, asked first; None: all wards alike
    ward_order: tuple[str, ...]  # the configured order of the other wards
    day: date  # the day they would donate
    component: str  # "whole_blood" | "platelets" (the weight minimums already reflect it)
    min_age: int
    max_age: int  # inclusive: until the day before the (max_age + 1)th birthday
    min_weight_female: float
    min_weight_male: float
    interval_days_whole: int  # after whole blood / red cells / unknown kind: 84
    interval_days_apheresis: int  # after plasma or platelets apheresis: 14
    max_calls_30d: int
    now: datetime
    exclude_callout_id: int | None = None
    tz: tzinfo = UTC  # the configured zone: `day` and session hours are local
    skip_booked: bool = False  # the first wave: not the donors booked for a session today
    # Only members of these clubs (club ids; () for any club): a "clubs first" call-out's first wave.
    # None: club membership does not matter. Members are still reserve donors who met every term above.
    clubs: tuple[int, ...] | None = None
    wards_only: bool = False  # only donors of `wards` (a ward organiser's call-out)


@dataclass(frozen=True)
class Candidate:
    """A matching donor and the chat account to message (their most recently linked reachable one)."""

    donor_id: int
    account_id: int
    chat_id: str
    platform: str
    ward: str | None
    blood: str  # group code "O+"
    last_donation_on: date | None
    language: str = "vi"


def criteria_for(
    rules: Rules,
    *,
    needed: Sequence[str],
    component: str,
    table: Mapping[str, Sequence[str]] | None,
    wards: Sequence[str] | None,
    ward_order: Sequence[str],
    day: date,
    max_calls_30d: int,
    now: datetime,
    exclude_callout_id: int | None = None,
    tz: tzinfo = UTC,
    skip_booked: bool = False,
    clubs: Sequence[int] | None = None,
    wards_only: bool = False,
) -> Criteria:
    """Criteria from the rules file (age, weight, intervals) and a call-out's groups, widened by `table`.

    Platelets are collected by apheresis, so their weight minimum is the apheresis one when that is higher.
    """
    groups: list[str] = []
    for code in needed:
        for donor_group in donors_for(code, component=component, table=table):
            if donor_group not in groups:
                groups.append(donor_group)
    min_female, min_male = rules.weight.min_kg_female, rules.weight.min_kg_male
    if component == PLATELETS:
        min_female = max(min_female, rules.apheresis.min_kg)
        min_male = max(min_male, rules.apheresis.min_kg)
    whole = max(
        rules.intervals[kind].weeks * 7 for kind in DonationKind if kind.value not in SHORT_INTERVAL_KINDS
    )
    short = max(rules.intervals[DonationKind(kind)].weeks * 7 for kind in SHORT_INTERVAL_KINDS)
    return Criteria(
        groups=tuple(groups),
        wards=tuple(wards) if wards else None,
        ward_order=tuple(ward_order),
        day=day,
        component=component,
        min_age=rules.age.min_years,
        max_age=rules.age.max_years,
        min_weight_female=min_female,
        min_weight_male=min_male,
        interval_days_whole=whole,
        interval_days_apheresis=short,
        max_calls_30d=max_calls_30d,
        now=now,
        exclude_callout_id=exclude_callout_id,
        tz=tz,
        skip_booked=skip_booked,
        clubs=tuple(clubs) if clubs is not None else None,
        wards_only=wards_only and bool(wards),
    )


# ---------------------------------------------------------------------------------- ages and wards


def _same_day_years_back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def latest_birth_date(day: date, years: int) -> date:
    """The latest date of birth of someone who has turned `years` by `day` (29 February → 1 March)."""
    born = _same_day_years_back(day, years)
    while nth_birthday(born + timedelta(days=1), years) <= day:
        born += timedelta(days=1)
    while nth_birthday(born, years) > day:
        born -= timedelta(days=1)
    return born


def birth_date_range(day: date, min_age: int, max_age: int) -> tuple[date, date]:
    """Dates of birth (first, last inclusive) of those from `min_age` to `max_age` (inclusive) on `day`."""
    return latest_birth_date(day, max_age + 1) + timedelta(days=1), latest_birth_date(day, min_age)


def split_group(code: str) -> tuple[str, str]:
    """The (ABO, Rh) parts of a group code ("AB-" → ("AB", "-")); ValueError for anything else."""
    if code not in GROUPS:
        raise ValueError(f"not a blood group code: {code!r}")
    return code[:-1], code[-1]


def ward_ranking(criteria: Criteria) -> list[str]:
    """Wards in the order donors are asked: the call-out's (in configured order), then the others."""
    chosen = list(dict.fromkeys(criteria.wards or ()))
    order = list(dict.fromkeys(criteria.ward_order))
    first = [w for w in order if w in chosen] + [w for w in chosen if w not in order]
    return first + [w for w in order if w not in first]
