"""Every figure of a report, counted in one place: a handful of grouped queries, each counting what no
other one counts, for one scope (area, ward, organisation) and one filter (a year, or campaigns). Never
commits.

The counts go to ``domain.figures.assemble``, which derives every percentage, share and difference, so
a text report, a chart, a workbook and /thongke show the same numbers. What counts as what:

* a **unit** is a donation recorded at a drive or by an organiser (`self_reported` false) — in the year
  (`donated_on`), or at a drive day of the campaigns; donations a donor reported at registration are
  their history only;
* **registered / checked in / donated / deferred** are sign-ups to the drive days of the year (`day`) or
  of the campaigns, cancelled ones left out; deferrals are grouped by the reason as recorded;
* a **repeat donor** had a donation (any, self-reported too) before their first one in the filter;
* the **reserve pool** is today's reserve donors; **emergency-ready** are those of them a call-out could
  message today, counted with the call-out criteria (`models.callout_matching.preview`: not away, past
  their interval and any kept "eligible again" date, of age and weight, reachable, not called too often),
  the same SQL that finds them when an emergency comes;
* a **scope** keeps the donors whose profile has that ward (as `[area] wards` spells it) or that
  organisation (as stored), and their donations and sign-ups; the area also counts erased donors'
  anonymous donations and sign-ups.

How it stays fast (bench/report.py, 1,000,000 donors and 3,000,000 donations): a year's donations are
read from `ix_donations_figures` (donated_on, self_reported, volume_ml, donor_id) without the table, the
"was there an earlier donation" check is one probe of `ix_donations_donor_id_donated_on` per donor of the
year, and nothing is loaded row by row into Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, false, func, or_, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.config import Settings
from domain.compatibility import GROUPS, WHOLE_BLOOD
from domain.figures import Counts, Figures, Funnel, Scope, ScopeKind, Tag, assemble
from domain.rules import Rules
from models import callout_criteria, callout_matching, quotas
from models.tables import Campaign, Donation, Donor, DriveDay, Signup

HISTORY_YEARS = 4
"""The years before a year whose repeat share the chart by year shows (`figures(history_years=...)`);
each costs one more pass over a year of donations, so the text report and /thongke ask for none.

One grouped query for all the years instead (each donor once, each year's first unit and units as
conditional aggregates, one earlier-donation probe per donor) was measured slower on SQLite (5.2 s for
the year and four before it against 3.8 s, bench/report.py --full): ten CASE aggregates per row of
1,560,000 cost more than the five small sorts and the probes they saved; grouping by (donor, year)
took 2.5 s before any probe."""

# A donor who stated (or whose organiser recorded) donations before the bot, `donors.earlier_donations`
# > 0, is a repeat donor whatever the donations table holds.


def _scope_terms(scope: Scope) -> list[ColumnElement[bool]]:
    """Conditions on `Donor` for a ward or organisation scope (none for the area)."""
    if scope.name is None:
        return []
    column = Donor.ward if scope.kind is ScopeKind.WARD else Donor.organisation
    return [column == scope.name]


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def _units_filter(
    *, year: int | None, years_back: int, campaign_ids: Sequence[int] | None
) -> list[ColumnElement[bool]]:
    """The donations that are units of the filter (a year, or the campaigns' drive days)."""
    terms: list[ColumnElement[bool]] = [Donation.self_reported == false()]
    if year is not None:
        terms += [
            Donation.donated_on >= _year_range(year - years_back)[0],
            Donation.donated_on < _year_range(year)[1],
        ]
    if campaign_ids is not None:
        terms.append(
            Donation.drive_day_id.in_(select(DriveDay.id).where(DriveDay.campaign_id.in_(campaign_ids)))
        )
    return terms


def _scoped(statement: Select[Any], scope: Scope, donor_column: Any) -> Select[Any]:
    """Only the rows of the scope's donors: an IN over the donors of the ward or organisation, which
    SQLite keeps as an in-memory list (half the time of looking each row's donor up)."""
    if scope.name is None:
        return statement
    return statement.where(donor_column.in_(select(Donor.id).where(*_scope_terms(scope))))


def _drive_days(*, year: int | None, campaign_ids: Sequence[int] | None) -> Select[Any]:
    """Ids of the drive days of the filter (a few hundred a year: the sign-up queries use them as an IN)."""
    statement = select(DriveDay.id)
    if year is not None:
        first, end = _year_range(year)
        statement = statement.where(DriveDay.day >= first, DriveDay.day < end)
    if campaign_ids is not None:
        statement = statement.where(DriveDay.campaign_id.in_(campaign_ids))
    return statement


async def _funnel(
    session: AsyncSession, scope: Scope, *, year: int | None, campaign_ids: Sequence[int] | None
) -> tuple[Funnel, dict[str, int]]:
    """Sign-ups by status (read from `ix_signups_roster` alone), then the deferred ones by reason.

    Under a scope the donor is compared as an expression: on the bare column SQLite walked
    `ix_signups_donor_id` once per donor of the ward instead of reading the drive days' sign-ups (17 s
    instead of a fraction of one, bench/report.py)."""
    days = _drive_days(year=year, campaign_ids=campaign_ids)
    statement = (
        select(Signup.status, func.count())
        .where(Signup.drive_day_id.in_(days), Signup.status != "cancelled")
        .group_by(Signup.status)
    )
    donor = func.coalesce(Signup.donor_id, 0)  # not the bare column: see below
    by_status = dict((await session.execute(_scoped(statement, scope, donor))).tuples().all())
    reasons = (
        select(Signup.deferral_reason, func.count())
        .where(Signup.drive_day_id.in_(days), Signup.status == "deferred")
        .group_by(Signup.deferral_reason)
    )
    deferrals: dict[str, int] = {}
    for reason, n in (await session.execute(_scoped(reasons, scope, donor))).tuples():
        key = (reason or "").strip()
        deferrals[key] = deferrals.get(key, 0) + n
    donated, deferred = by_status.get("donated", 0), by_status.get("deferred", 0)
    funnel = Funnel(
        registered=sum(by_status.values()),
        checked_in=by_status.get("checked_in", 0) + donated + deferred,
        donated=donated,
        deferred=deferred,
    )
    return funnel, deferrals


async def _units(
    session: AsyncSession, scope: Scope, *, year: int | None, campaign_ids: Sequence[int] | None
) -> tuple[dict[tuple[date, int | None], int], dict[int, int]]:
    """Units by (day, volume) and by campaign, in one pass over `ix_donations_figures`."""
    statement = (
        select(Donation.donated_on, Donation.volume_ml, Donation.drive_day_id, func.count())
        .where(*_units_filter(year=year, years_back=0, campaign_ids=campaign_ids))
        .group_by(Donation.donated_on, Donation.volume_ml, Donation.drive_day_id)
    )
    by_day_volume: dict[tuple[date, int | None], int] = {}
    by_drive_day: dict[int, int] = {}
    for day, volume, drive_day_id, n in (
        await session.execute(_scoped(statement, scope, Donation.donor_id))
    ).tuples():
        by_day_volume[(day, volume)] = by_day_volume.get((day, volume), 0) + n
        if drive_day_id is not None:
            by_drive_day[drive_day_id] = by_drive_day.get(drive_day_id, 0) + n
    by_campaign: dict[int, int] = {}
    if by_drive_day:
        owners = select(DriveDay.id, DriveDay.campaign_id).where(DriveDay.id.in_(list(by_drive_day)))
        for drive_day_id, campaign_id in (await session.execute(owners)).tuples():
            by_campaign[campaign_id] = by_campaign.get(campaign_id, 0) + by_drive_day[drive_day_id]
    return by_day_volume, by_campaign


DonorsBy = dict[tuple[int, str | None, str | None, bool], tuple[int, int]]


async def _donors_by_year(session: AsyncSession, scope: Scope, *, year: int, places: bool) -> DonorsBy:
    """(year, ward, organisation, repeat) → (donors, units) of one year; ward and organisation None
    unless `places` (the years before, for the repeat share by year, need only the two counts).

    Each donor of the year once, from a year's range of `ix_donations_figures` (donor_id is in it);
    repeat when one probe of `ix_donations_donor_id_donated_on` finds any donation (self-reported too)
    before their first unit of the year.
    """
    first, end = _year_range(year)
    per_donor = (
        select(Donation.donor_id, func.min(Donation.donated_on).label("first"), func.count().label("n"))
        .where(
            Donation.self_reported == false(),
            Donation.donated_on >= first,
            Donation.donated_on < end,
            Donation.donor_id.is_not(None),
        )
        .group_by(Donation.donor_id)
        .subquery("per_donor")
    )
    earlier = aliased(Donation)
    repeat = exists().where(earlier.donor_id == per_donor.c.donor_id, earlier.donated_on < per_donor.c.first)
    where: list[ColumnElement[bool]] = _scope_terms(scope)
    wanted: list[Any] = [Donor.ward, Donor.organisation] if places else []
    flagged = (
        select(
            per_donor.c.n,
            *wanted,
            case((or_(repeat, Donor.earlier_donations > 0), 1), else_=0).label("repeat"),
        )
        .select_from(per_donor)
        .join(Donor, Donor.id == per_donor.c.donor_id)
        .where(*where)
        .subquery("flagged")
    )
    keys = [flagged.c.ward, flagged.c.organisation] if places else []
    statement = select(*keys, flagged.c.repeat, func.count(), func.sum(flagged.c.n)).group_by(
        *keys, flagged.c.repeat
    )
    found: DonorsBy = {}
    for row in (await session.execute(statement)).tuples():
        ward, organisation = (row[0], row[1]) if places else (None, None)
        again, donors, units = row[-3:]
        found[(year, ward, organisation, bool(again))] = (int(donors), int(units))
    return found


async def _donors_by_campaign(
    session: AsyncSession, scope: Scope, *, campaign_ids: Sequence[int]
) -> DonorsBy:
    """(campaign year, ward, organisation, repeat) → (donors, units) for the campaigns' donors: a few
    thousand donations, so each donor's earlier donation is one probe of the donor index."""
    per_donor = (
        select(
            Donation.donor_id,
            Campaign.year.label("y"),
            func.min(Donation.donated_on).label("first"),
            func.count().label("n"),
        )
        .join(DriveDay, DriveDay.id == Donation.drive_day_id)
        .join(Campaign, Campaign.id == DriveDay.campaign_id)
        .where(
            Donation.donor_id.is_not(None), *_units_filter(year=None, years_back=0, campaign_ids=campaign_ids)
        )
        .group_by(Donation.donor_id, Campaign.year)
        .subquery("per_donor")
    )
    earlier = aliased(Donation)
    repeat = exists().where(earlier.donor_id == per_donor.c.donor_id, earlier.donated_on < per_donor.c.first)
    flagged = (
        select(
            per_donor.c.y,
            per_donor.c.n,
            Donor.ward,
            Donor.organisation,
            case((or_(repeat, Donor.earlier_donations > 0), 1), else_=0).label("repeat"),
        )
        .join(Donor, Donor.id == per_donor.c.donor_id)
        .where(*_scope_terms(scope))
        .subquery("flagged")
    )
    statement = select(
        flagged.c.y,
        flagged.c.ward,
        flagged.c.organisation,
        flagged.c.repeat,
        func.count(),
        func.sum(flagged.c.n),
    ).group_by(flagged.c.y, flagged.c.ward, flagged.c.organisation, flagged.c.repeat)
    return {
        (int(y), ward, organisation, bool(again)): (int(donors), int(units))
        for y, ward, organisation, again, donors, units in (await session.execute(statement)).tuples()
    }


async def _reserve_by_group(session: AsyncSession, scope: Scope) -> dict[str, int]:
    statement = (
        select(Donor.blood_abo, Donor.blood_rh, func.count())
        .where(Donor.is_reserve == true(), *_scope_terms(scope))
        .group_by(Donor.blood_abo, Donor.blood_rh)
    )
    found: dict[str, int] = {}
    for abo, rh, n in (await session.execute(statement)).tuples():
        code = f"{abo}{rh}" if abo and rh else "?"
        found[code] = found.get(code, 0) + n
    return found


async def _emergency_ready(
    session: AsyncSession, scope: Scope, *, rules: Rules, settings: Settings, today: date, now: datetime
) -> int:
    """Reserve donors a whole-blood call-out of any group could message today (the call-out criteria)."""
    criteria = callout_criteria.criteria_for(
        rules,
        needed=GROUPS,
        component=WHOLE_BLOOD,
        table=None,
        wards=None,
        ward_order=settings.area.wards,
        day=today,
        max_calls_30d=settings.callouts.max_calls_per_30_days,
        now=now,
        tz=settings.tz,
    )
    found = await callout_matching.preview(session, criteria, among=_scope_terms(scope))
    return sum(found.values())


async def _campaigns(
    session: AsyncSession, *, year: int | None, campaign_ids: Sequence[int] | None, with_units: Sequence[int]
) -> tuple[dict[int, tuple[Tag, ...]], dict[int, int | None]]:
    """The tags and unit targets of the campaigns concerned: those filtered, or the year's and any other
    with units in the year."""
    concerned = select(Campaign.id, Campaign.target_units)
    if campaign_ids is not None:
        concerned = concerned.where(Campaign.id.in_(campaign_ids))
    elif year is not None:
        concerned = concerned.where((Campaign.year == year) | Campaign.id.in_(list(with_units)))
    targets = dict((await session.execute(concerned)).tuples().all())
    return await quotas.tags_of(session, list(targets)), targets


async def figures(
    session: AsyncSession,
    *,
    scope: Scope,
    settings: Settings,
    rules: Rules,
    today: date,
    now: datetime,
    year: int | None = None,
    campaign_ids: Sequence[int] | None = None,
    history_years: int = 0,
) -> Figures:
    """The figures of a year, or of campaigns (a campaign, or those of a named campaign:
    `quotas.campaigns_tagged`), inside `scope`.

    Targets: under a campaign filter the campaigns' (``quotas.campaign_targets``), else the year's
    (`year_targets`); quotas likewise. The repeat share by year covers `history_years` before a year
    (a year filter and a campaign filter together: the campaigns, inside the year).
    """
    if year is None and campaign_ids is None:
        raise ValueError("figures of a year or of campaigns")
    ids = None if campaign_ids is None else list(campaign_ids)
    if session.get_bind().dialect.name == "postgresql":
        # These aggregates run for a second or less; compiling them (jit_above_cost) would cost more.
        await session.execute(text("SET LOCAL jit = off"))
    funnel, deferrals = await _funnel(session, scope, year=year, campaign_ids=ids)
    units_by_day_volume, units_by_campaign = await _units(session, scope, year=year, campaign_ids=ids)
    campaign_tags, campaign_targets = await _campaigns(
        session, year=year, campaign_ids=ids, with_units=list(units_by_campaign)
    )
    if ids is not None:
        donors_by = await _donors_by_campaign(session, scope, campaign_ids=ids)
    else:
        assert year is not None
        donors_by = await _donors_by_year(session, scope, year=year, places=True)
        for before in range(year - history_years, year):
            donors_by.update(await _donors_by_year(session, scope, year=before, places=False))
    counts = Counts(
        funnel=funnel,
        deferrals=deferrals,
        units_by_day_volume=units_by_day_volume,
        donors_by=donors_by,
        reserve_by_group=await _reserve_by_group(session, scope),
        emergency_ready=await _emergency_ready(
            session, scope, rules=rules, settings=settings, today=today, now=now
        ),
        units_by_campaign=units_by_campaign,
        campaign_tags=campaign_tags,
        campaign_targets=campaign_targets,
    )
    if ids is not None:
        targets = await quotas.campaign_targets(session, ids)
        plans = await quotas.quotas(session, campaign_ids=ids)
    else:
        assert year is not None
        targets = await quotas.year_targets(session, year)
        plans = await quotas.quotas(session, year=year)
    return assemble(
        counts,
        scope=scope,
        year=year,
        campaign_ids=ids or (),
        today=today,
        targets=targets,
        quotas=plans,
        population=settings.area.population,
    )


__all__ = ["HISTORY_YEARS", "figures"]
