"""Emergency call-outs to reserve donors: matching, waves of recipients, answers. Never commits.

Matching (:func:`match`) is one SQL statement, whatever the number of donors:

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
* These terms narrow the candidates in SQL; ``domain.decision`` decides (handlers/callouts.py checks each
  candidate with ``may_call`` on the facts of ``models.donor_facts``, the same as every other decision).
* Donors whose weight is unknown (they skipped the question) are NOT matched: a donor sent to a hospital
  in a hurry and turned away at the scale is worse than one not asked; /hoso lets them add it. A donor
  whose group is not fully known never matches either.
* Order: donors of the call-out's wards first, then the other wards in the configured order, then unknown
  wards; within a ward, those who never donated first, then the longest since the last donation, then id.

How it stays fast on a million donors: the statement is a UNION ALL with one branch per (ward, blood group)
— the head wards in rank order, and "no ward" — each an equality on the leading columns of
``ix_donors_callout`` (is_reserve, blood_abo, blood_rh, ward, last_donation_on, id) that wants its rows in
index order, so with a LIMIT it reads only the first few index entries of its ward instead of sorting a
whole blood group. PostgreSQL's indexes keep NULLs last, so there each branch is split in "never donated"
and "donated before". One tail branch finds donors in wards the configuration does not know (renamed or
merged wards) through index ranges between the known wards, never by reading the whole group. The
per-donor checks are correlated subqueries on small indexes: the reachable account
(``ix_channel_accounts_donor_id``), the 30-day count (``ix_callout_recipients_donor_messaged``) and
"already messaged by this call-out" (the unique (callout_id, donor_id)). The statement's text depends only
on its shape (numbers of groups and wards), is built once per shape and gets its values as parameters.
bench/callout.py, 1,000,000 donors: about 1 ms on SQLite for a wave of 6 (about 200 ms without the index);
PostgreSQL about 5 ms.

Life of a call-out: ``open`` → ``filled`` (enough donors accepted; an accepted donor who withdraws reopens
it) | ``closed`` (by an organiser) | ``expired`` (the deadline passed while open). Recipients:
``messaged`` → ``accepted`` | ``declined``; those who never answered become ``cancelled`` when it closes.
Waves are the caller's: it sets ``waves_sent`` and ``next_wave_at``; :func:`due_waves` finds them.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final, Literal

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    String,
    Time,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeEngine

from domain.calendar import nth_birthday
from domain.compatibility import COMPONENTS, GROUPS, PLATELETS, donors_for
from domain.rules import DonationKind, Rules
from models.tables import (
    Callout,
    CalloutRecipient,
    ChannelAccount,
    Donation,
    Donor,
    DriveSession,
    Signup,
    UtcDateTime,
)

STATUSES: Final = ("open", "filled", "closed", "expired")
RECIPIENT_STATUSES: Final = ("messaged", "accepted", "declined", "cancelled")
FATIGUE_WINDOW: Final = timedelta(days=30)
SHORT_INTERVAL_KINDS: Final = (DonationKind.PLATELETS.value, DonationKind.PLASMA.value)
"""Last donation kinds after which the short (apheresis) interval applies; any other kind or none: whole."""

Answer = Literal["accepted", "declined", "filled", "closed", "not_found"]


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
    )


# ------------------------------------------------------------------------------------------- matching


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


def _split_group(code: str) -> tuple[str, str]:
    if code not in GROUPS:
        raise ValueError(f"not a blood group code: {code!r}")
    return code[:-1], code[-1]


MAX_BRANCHES: Final = 240
"""Above this many (ward, group) branches the last-ranked wards share the tail branch, ranked by CASE
(SQLite allows 500 SELECTs in one compound statement; planning time grows with each)."""


def ward_ranking(criteria: Criteria) -> list[str]:
    """Wards in the order donors are asked: the call-out's (in configured order), then the others."""
    chosen = list(dict.fromkeys(criteria.wards or ()))
    order = list(dict.fromkeys(criteria.ward_order))
    first = [w for w in order if w in chosen] + [w for w in chosen if w not in order]
    return first + [w for w in order if w not in first]


def _eligible_terms(
    p: Mapping[str, Any], *, exclude: bool, skip_booked: bool = False
) -> list[ColumnElement[bool]]:
    """Every condition but the blood group, the ward and the account, on the bind parameters `p`."""
    recent = aliased(CalloutRecipient)
    calls_30d = (
        select(func.count())
        .select_from(recent)
        .where(recent.donor_id == Donor.id, recent.messaged_at > p["since"])
        .correlate(Donor)
        .scalar_subquery()
    )
    terms: list[ColumnElement[bool]] = [
        Donor.consent_at.is_not(None),
        or_(Donor.away_until.is_(None), Donor.away_until < p["day"]),
        Donor.date_of_birth.between(p["born_from"], p["born_to"]),
        or_(
            and_(Donor.sex == "female", Donor.weight_kg >= p["min_weight_female"]),
            and_(Donor.sex == "male", Donor.weight_kg >= p["min_weight_male"]),
        ),
        or_(
            Donor.last_donation_on.is_(None),
            Donor.last_donation_on <= p["whole_before"],
            and_(
                Donor.last_donation_kind.in_(SHORT_INTERVAL_KINDS),
                Donor.last_donation_on <= p["short_before"],
            ),
        ),
        or_(Donor.eligible_from.is_(None), Donor.eligible_from <= p["day"]),
        calls_30d < p["max_calls"],
    ]
    accepted, accepted_callout = aliased(CalloutRecipient), aliased(Callout)
    terms.append(  # an emergency accepted inside the interval of its component
        ~exists()
        .where(
            accepted.donor_id == Donor.id,
            accepted.status == "accepted",
            accepted_callout.id == accepted.callout_id,
            or_(
                and_(accepted_callout.component == PLATELETS, accepted.answered_at >= p["short_since"]),
                and_(accepted_callout.component != PLATELETS, accepted.answered_at >= p["whole_since"]),
            ),
        )
        .correlate(Donor)
    )
    if skip_booked:
        booked, drive = aliased(Signup), aliased(DriveSession)
        terms.append(  # booked for a session today that is still to come (or checked in, result pending)
            ~exists()
            .where(
                booked.donor_id == Donor.id,
                drive.id == booked.session_id,
                drive.status == "scheduled",
                drive.day == p["day"],
                or_(
                    booked.status == "checked_in",
                    and_(booked.status == "active", drive.end_time > p["local_time"]),
                ),
            )
            .correlate(Donor)
        )
    if exclude:
        asked = aliased(CalloutRecipient)
        terms.append(
            ~exists()
            .where(asked.callout_id == p["exclude_callout_id"], asked.donor_id == Donor.id)
            .correlate(Donor)
        )
    return terms


_PARAMS: Final[dict[str, TypeEngine[Any]]] = {
    "since": UtcDateTime(),
    "day": Date(),
    "born_from": Date(),
    "born_to": Date(),
    "min_weight_female": Float(),
    "min_weight_male": Float(),
    "whole_before": Date(),
    "short_before": Date(),
    "max_calls": Integer(),
    "exclude_callout_id": Integer(),
    "whole_since": UtcDateTime(),
    "short_since": UtcDateTime(),
    "local_time": Time(),
}


def _values(criteria: Criteria) -> dict[str, Any]:
    if criteria.component not in COMPONENTS:
        raise ValueError(f"unknown component {criteria.component!r}")
    born_from, born_to = birth_date_range(criteria.day, criteria.min_age, criteria.max_age)

    def since(days: int) -> datetime:  # the start (local midnight) of the first day inside the interval
        return datetime.combine(criteria.day - timedelta(days=days - 1), time(0), tzinfo=criteria.tz)

    return {
        "since": criteria.now - FATIGUE_WINDOW,
        "day": criteria.day,
        "born_from": born_from,
        "born_to": born_to,
        "min_weight_female": criteria.min_weight_female,
        "min_weight_male": criteria.min_weight_male,
        "whole_before": criteria.day - timedelta(days=criteria.interval_days_whole),
        "short_before": criteria.day - timedelta(days=criteria.interval_days_apheresis),
        "max_calls": criteria.max_calls_30d,
        "exclude_callout_id": criteria.exclude_callout_id,
        "whole_since": since(criteria.interval_days_whole),
        "short_since": since(criteria.interval_days_apheresis),
        "local_time": criteria.now.astimezone(criteria.tz).time(),
    }


@dataclass(frozen=True)
class _Shape:
    """What the statement's text depends on; the values are bound at execution."""

    sqlite: bool  # SQLite: NULLs sort first in the index, and ward ranges compare by code point
    groups: int
    head: int  # wards with a branch of their own, in rank order
    tail_ranked: int  # further ranked wards, in the tail branch
    exclude: bool
    limited: bool
    skip_booked: bool = False


def _shape(criteria: Criteria, *, dialect: str, limit: int | None) -> tuple[_Shape, dict[str, Any]]:
    groups = [_split_group(code) for code in dict.fromkeys(criteria.groups)]
    ranked = ward_ranking(criteria)
    sqlite_ = dialect == "sqlite"
    per_ward = len(groups) * (1 if sqlite_ else 2)
    head = max(0, min(len(ranked), (MAX_BRANCHES - 1) // max(1, per_ward) - 1))
    shape = _Shape(
        sqlite=sqlite_,
        groups=len(groups),
        head=head,
        tail_ranked=len(ranked) - head,
        exclude=criteria.exclude_callout_id is not None,
        limited=limit is not None,
        skip_booked=criteria.skip_booked,
    )
    values = _values(criteria)
    for i, (abo, rh) in enumerate(groups):
        values[f"abo_{i}"], values[f"rh_{i}"] = abo, rh
    values["abos"] = sorted({abo for abo, _ in groups})
    values["rhs"] = sorted({rh for _, rh in groups})
    values["codes"] = [abo + rh for abo, rh in groups]
    for i, ward in enumerate(ranked):
        values[f"ward_{i}"] = ward
    values["head_arr"] = ranked[:head]
    for i, ward in enumerate(sorted(ranked[:head])):  # code point order = SQLite's BINARY collation
        values[f"gap_{i}"] = ward
    if limit is not None:
        values["lim"] = limit
    return shape, values


@functools.lru_cache(maxsize=64)
def _statement(shape: _Shape) -> Select[Any]:
    """The matching statement for one shape; see the module docstring."""
    p: dict[str, BindParameter[Any]] = {name: bindparam(name, type_=t) for name, t in _PARAMS.items()}
    eligible = _eligible_terms(p, exclude=shape.exclude, skip_booked=shape.skip_booked)
    lim = bindparam("lim", type_=Integer()) if shape.limited else None
    account = aliased(ChannelAccount)
    reachable_account = (
        select(account.id)
        .where(account.donor_id == Donor.id, account.unreachable_at.is_(None))
        .order_by(account.created_at.desc(), account.id.desc())
        .limit(1)
        .correlate(Donor)
        .scalar_subquery()
    )

    def branch(rank: Any, where: Sequence[ColumnElement[bool]], order: Sequence[Any]) -> Any:
        statement = (
            select(
                Donor.id.label("donor_id"),
                ChannelAccount.id.label("account_id"),
                ChannelAccount.chat_id,
                ChannelAccount.platform,
                Donor.ward,
                Donor.blood_abo,
                Donor.blood_rh,
                Donor.last_donation_on,
                Donor.language,
                rank.label("ward_rank"),
            )
            .join(ChannelAccount, ChannelAccount.id == reachable_account)
            .where(*where, *eligible)
            .order_by(*order, Donor.id)
        )
        if lim is not None:
            statement = statement.limit(lim)
        return statement.subquery().select()

    never = Donor.last_donation_on.is_(None)
    donated = Donor.last_donation_on.is_not(None)
    unknown_rank = shape.head + shape.tail_ranked
    # One branch per (ward, group): the head wards in rank order, and donors without a ward (ranked last).
    slots = [(w, Donor.ward == bindparam(f"ward_{w}")) for w in range(shape.head)]
    slots.append((unknown_rank, Donor.ward.is_(None)))
    branches = []
    for w, ward in slots:
        for g in range(shape.groups):
            group = [
                Donor.is_reserve == true(),
                Donor.blood_abo == bindparam(f"abo_{g}"),
                Donor.blood_rh == bindparam(f"rh_{g}"),
            ]
            # The index's own order (ward is one value here; "IS NULL" is not an equality to PostgreSQL's
            # planner, so naming the constant columns lets it read the index in order and stop early).
            order = [Donor.ward, Donor.last_donation_on]
            if shape.sqlite:  # ascending order puts NULLs (never donated) first, as the index does
                branches.append(branch(literal(w), [*group, ward], order))
            else:  # PostgreSQL indexes keep NULLs last: the never-donated get a branch of their own
                branches.append(branch(literal(w), [*group, ward, never], order))
                branches.append(branch(literal(w), [*group, ward, donated], order))

    # The tail: donors in a ward the configuration does not know (renamed, merged) or ranked after the
    # head. Few as a rule, so sorting them is cheap; finding them must not mean reading every donor of
    # the group: on SQLite each OR term below is an index range between two head wards.
    groups_in = [
        Donor.is_reserve == true(),
        Donor.blood_abo.in_(bindparam("abos", expanding=True)),
        Donor.blood_rh.in_(bindparam("rhs", expanding=True)),
    ]
    if shape.head:
        ranges: list[ColumnElement[bool]]
        if shape.sqlite:  # BINARY collation: code point order, which Python sorts by
            gaps: list[BindParameter[Any]] = [bindparam(f"gap_{i}") for i in range(shape.head)]
            ranges = [Donor.ward < gaps[0], Donor.ward > gaps[-1]]
            ranges += [and_(Donor.ward > a, Donor.ward < b) for a, b in itertools.pairwise(gaps)]
        else:  # the database's collation orders the wards: each bound is an (initplan) subquery
            head = func.unnest(bindparam("head_arr", type_=postgresql.ARRAY(String()))).column_valued("w")
            ranges = [
                Donor.ward < select(func.min(head)).scalar_subquery(),
                Donor.ward > select(func.max(head)).scalar_subquery(),
            ]
            for w in range(shape.head):
                ward_w: BindParameter[Any] = bindparam(f"ward_{w}")
                above = select(func.min(head)).where(head > ward_w).scalar_subquery()
                ranges.append(and_(Donor.ward > ward_w, Donor.ward < above))
        # Only the OR at the top, so each term is one index range (SQLite: MULTI-INDEX OR, PG: BitmapOr).
        tail_where = [or_(*(and_(*groups_in, r) for r in ranges))]
    else:
        tail_where = [*groups_in, Donor.ward.is_not(None)]
    code = Donor.blood_abo + Donor.blood_rh
    rank: Any = literal(unknown_rank)
    if shape.tail_ranked:
        rank = case(
            *(
                (Donor.ward == bindparam(f"ward_{w}"), literal(w))
                for w in range(shape.head, shape.head + shape.tail_ranked)
            ),
            else_=rank,
        )
    branches.append(
        branch(
            rank,
            [*tail_where, code.in_(bindparam("codes", expanding=True))],
            [rank, Donor.last_donation_on.asc().nulls_first()],
        )
    )
    matched = union_all(*branches).subquery("matched")
    statement = select(matched).order_by(
        matched.c.ward_rank, matched.c.last_donation_on.asc().nulls_first(), matched.c.donor_id
    )
    return statement.limit(lim) if lim is not None else statement


def match_statement(
    criteria: Criteria, *, dialect: str, limit: int | None = None
) -> tuple[Select[Any], dict[str, Any]]:
    """The matching statement and its parameters (exposed for EXPLAIN in bench/callout.py)."""
    shape, values = _shape(criteria, dialect=dialect, limit=limit)
    return _statement(shape), values


async def match(
    session: AsyncSession,
    criteria: Criteria,
    *,
    limit: int | None = None,
    offset_donor_ids: Collection[int] = (),
) -> list[Candidate]:
    """The donors to message, best first (see the module docstring), without `offset_donor_ids`."""
    if (limit is not None and limit <= 0) or not criteria.groups:
        return []
    skip = set(offset_donor_ids)
    # Skipping in Python keeps the statement's text the same whatever is skipped: at most len(skip) of
    # the first limit + len(skip) rows are skipped, so the first `limit` others remain.
    fetch = None if limit is None else limit + len(skip)
    dialect = _dialect(session)
    statement, values = match_statement(criteria, dialect=dialect, limit=fetch)
    if dialect == "postgresql":
        # The plan is cheap to run, but its many branches make PostgreSQL's cost estimate cross
        # jit_above_cost, and compiling it would take 150-600 ms; only this transaction is affected.
        await session.execute(text("SET LOCAL jit = off"))
    rows = (await session.execute(statement, values)).mappings().all()
    found = [
        Candidate(
            donor_id=row["donor_id"],
            account_id=row["account_id"],
            chat_id=row["chat_id"],
            platform=row["platform"],
            ward=row["ward"],
            blood=f"{row['blood_abo']}{row['blood_rh']}",
            last_donation_on=row["last_donation_on"],
            language=row["language"],
        )
        for row in rows
        if row["donor_id"] not in skip
    ]
    return found if limit is None else found[:limit]


async def preview(session: AsyncSession, criteria: Criteria) -> dict[tuple[str, str | None], int]:
    """How many donors match, by (blood group code, ward); ward None for donors without a ward."""
    if not criteria.groups:
        return {}
    pairs = [_split_group(code) for code in dict.fromkeys(criteria.groups)]
    values = _values(criteria)
    p: dict[str, BindParameter[Any]] = {
        name: bindparam(name, value=values[name], type_=t) for name, t in _PARAMS.items()
    }
    reachable = exists().where(ChannelAccount.donor_id == Donor.id, ChannelAccount.unreachable_at.is_(None))
    statement = (
        select(Donor.blood_abo, Donor.blood_rh, Donor.ward, func.count())
        .where(
            Donor.is_reserve == true(),
            or_(*(and_(Donor.blood_abo == abo, Donor.blood_rh == rh) for abo, rh in pairs)),
            reachable,
            *_eligible_terms(
                p, exclude=criteria.exclude_callout_id is not None, skip_booked=criteria.skip_booked
            ),
        )
        .group_by(Donor.blood_abo, Donor.blood_rh, Donor.ward)
    )
    return {(f"{abo}{rh}", ward): int(n) for abo, rh, ward, n in (await session.execute(statement)).tuples()}


async def rare_donors(session: AsyncSession) -> list[Donor]:
    """Reserve donors with Rh-negative blood, by ward and name (for organisers: /hiemmau)."""
    return list(
        (
            await session.scalars(
                select(Donor)
                .where(Donor.is_reserve == true(), Donor.blood_rh == "-")
                .order_by(Donor.ward, Donor.blood_abo, Donor.full_name, Donor.id)
            )
        ).all()
    )


# ------------------------------------------------------------------------------ last donation (denormalised)


def _latest_donation(donor_id: Any) -> Select[Any]:
    # The same day twice (rare): the kind with the longer interval counts, to be safe.
    return (
        select(Donation.donated_on, Donation.kind)
        .where(Donation.donor_id == donor_id)
        .order_by(Donation.donated_on.desc(), Donation.kind.in_(SHORT_INTERVAL_KINDS), Donation.id.desc())
        .limit(1)
    )


async def refresh_last_donation(session: AsyncSession, donor_id: int) -> None:
    """Copies the donor's latest donation (date and kind) onto `donors`; call after every donation write."""
    latest = (await session.execute(_latest_donation(donor_id))).first()
    await session.execute(
        update(Donor)
        .where(Donor.id == donor_id)
        .values(
            last_donation_on=latest.donated_on if latest else None,
            last_donation_kind=latest.kind if latest else None,
        )
        .execution_options(synchronize_session="fetch")
    )


async def refresh_all_last_donations(session: AsyncSession) -> int:
    """The same for every donor (one statement); for repairs and after bulk imports. Returns rows updated."""
    latest = _latest_donation(Donor.id).correlate(Donor)
    on = latest.with_only_columns(Donation.donated_on).scalar_subquery()
    kind = latest.with_only_columns(Donation.kind).scalar_subquery()
    result = await session.execute(
        update(Donor)
        .values(last_donation_on=on, last_donation_kind=kind)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# ------------------------------------------------------------------------------------------ life cycle


async def create(
    session: AsyncSession,
    *,
    created_by_account_id: int | None,
    groups: Sequence[str],
    component: str,
    units_needed: int,
    place: str,
    address: str | None,
    contact: str | None,
    deadline: datetime,
    wards: Sequence[str] | None,
    now: datetime,
    tally_chat_id: str | None = None,
    donor_groups: Sequence[str] | None = None,
) -> Callout:
    """A new open call-out (no wave sent yet). Bad values are the caller's bug: ValueError.

    `donor_groups`: the groups to ask when the organiser widened it to compatible groups (None: the
    configured matching for `groups`)."""
    codes = list(dict.fromkeys(groups))
    if not codes:
        raise ValueError("a call-out needs at least one blood group")
    for code in codes:
        _split_group(code)
    asked = list(dict.fromkeys(donor_groups)) if donor_groups is not None else None
    for code in asked or ():
        _split_group(code)
    if component not in COMPONENTS:
        raise ValueError(f"unknown component {component!r}")
    if units_needed <= 0:
        raise ValueError("units_needed must be positive")
    if deadline <= now:
        raise ValueError("the deadline must be after now")
    callout = Callout(
        created_by_account_id=created_by_account_id,
        groups=codes,
        donor_groups=asked,
        component=component,
        units_needed=units_needed,
        place=place,
        address=address,
        contact=contact,
        deadline=deadline,
        wards=list(dict.fromkeys(wards)) if wards else None,
        status="open",
        waves_sent=0,
        next_wave_at=None,
        tally_chat_id=tally_chat_id,
        created_at=now,
    )
    session.add(callout)
    await session.flush()
    return callout


async def add_recipients(
    session: AsyncSession,
    callout_id: int,
    candidates: Sequence[Candidate],
    *,
    wave: int,
    now: datetime,
) -> int:
    """Records that these donors are messaged in `wave`; a donor already recorded is skipped. Returns new."""
    if not candidates:
        return 0
    values = [
        {
            "callout_id": callout_id,
            "donor_id": c.donor_id,
            "account_id": c.account_id,
            "wave": wave,
            "status": "messaged",
            "messaged_at": now,
        }
        for c in candidates
    ]
    insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
    statement = (
        insert(CalloutRecipient)
        .values(values)
        .on_conflict_do_nothing(index_elements=[CalloutRecipient.callout_id, CalloutRecipient.donor_id])
        .returning(CalloutRecipient.id)
    )
    return len((await session.execute(statement)).all())


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def _locked(session: AsyncSession, callout_id: int) -> Callout | None:
    """The call-out, locked for this transaction on PostgreSQL (SQLite's BEGIN IMMEDIATE serialises)."""
    callout: Callout | None = await session.scalar(
        select(Callout)
        .where(Callout.id == callout_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return callout


async def _accepted_count(session: AsyncSession, callout_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(CalloutRecipient)
            .where(CalloutRecipient.callout_id == callout_id, CalloutRecipient.status == "accepted")
        )
        or 0
    )


async def answer(
    session: AsyncSession, *, callout_id: int, donor_id: int, accepted: bool, now: datetime
) -> Answer:
    """A donor's answer to a call-out they were messaged about.

    * ``not_found``: no such call-out, or this donor was not messaged by it.
    * ``closed``: it was closed, expired or its deadline passed; nothing changes.
    * ``filled``: they accept but enough donors already accepted; nothing changes.
    * ``accepted``: recorded; the acceptance that reaches `units_needed` makes the call-out ``filled``
      (``filled_at`` = now, no more waves). Accepting twice is still ``accepted``.
    * ``declined``: recorded. A donor who had accepted and withdraws frees their place: a filled
      call-out is open again, with its next wave due now.
    """
    callout = await _locked(session, callout_id)
    if callout is None:
        return "not_found"
    recipient = await session.scalar(
        select(CalloutRecipient).where(
            CalloutRecipient.callout_id == callout_id, CalloutRecipient.donor_id == donor_id
        )
    )
    if recipient is None:
        return "not_found"
    if callout.status in ("closed", "expired") or callout.deadline <= now:
        return "closed"
    if not accepted:
        if recipient.status == "accepted" and callout.status == "filled":
            callout.status = "open"
            callout.filled_at = None
            callout.next_wave_at = now
        recipient.status = "declined"
        recipient.answered_at = now
        await session.flush()
        return "declined"
    if recipient.status == "accepted":
        return "accepted"
    if callout.status == "filled":
        return "filled"
    taken = await _accepted_count(session, callout_id)
    if taken >= callout.units_needed:
        return "filled"
    recipient.status = "accepted"
    recipient.answered_at = now
    if taken + 1 >= callout.units_needed:
        callout.status = "filled"
        callout.filled_at = now
        callout.next_wave_at = None
    await session.flush()
    return "accepted"


async def pending_for(session: AsyncSession, *, donor_id: int) -> int | None:
    """The open call-out this donor was messaged about most recently and has not answered, if any."""
    found: int | None = await session.scalar(
        select(CalloutRecipient.callout_id)
        .join(Callout, Callout.id == CalloutRecipient.callout_id)
        .where(
            CalloutRecipient.donor_id == donor_id,
            CalloutRecipient.status == "messaged",
            Callout.status == "open",
        )
        .order_by(CalloutRecipient.messaged_at.desc(), CalloutRecipient.id.desc())
        .limit(1)
    )
    return found


async def tally(session: AsyncSession, callout_id: int) -> dict[str, int]:
    """messaged (everyone asked), accepted, declined and no_answer (asked, no answer yet or ever)."""
    counts = dict.fromkeys(RECIPIENT_STATUSES, 0)
    rows = await session.execute(
        select(CalloutRecipient.status, func.count())
        .where(CalloutRecipient.callout_id == callout_id)
        .group_by(CalloutRecipient.status)
    )
    for status, n in rows.tuples():
        counts[status] = int(n)
    messaged = sum(counts.values())
    return {
        "messaged": messaged,
        "accepted": counts["accepted"],
        "declined": counts["declined"],
        "no_answer": messaged - counts["accepted"] - counts["declined"],
    }


async def accepted_donors(session: AsyncSession, callout_id: int) -> list[Donor]:
    """Donors who accepted, in the order they did."""
    return list(
        (
            await session.scalars(
                select(Donor)
                .join(CalloutRecipient, CalloutRecipient.donor_id == Donor.id)
                .where(CalloutRecipient.callout_id == callout_id, CalloutRecipient.status == "accepted")
                .order_by(CalloutRecipient.answered_at, CalloutRecipient.id)
            )
        ).all()
    )


async def accepted_erased(session: AsyncSession, callout_id: int) -> int:
    """Acceptances of donors who erased their data since: counted in the tally, named in no list."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(CalloutRecipient)
            .where(
                CalloutRecipient.callout_id == callout_id,
                CalloutRecipient.status == "accepted",
                CalloutRecipient.donor_id.is_(None),
            )
        )
        or 0
    )


async def _finish(session: AsyncSession, callout: Callout, status: str, now: datetime) -> None:
    callout.status = status
    callout.closed_at = now
    callout.next_wave_at = None
    await session.execute(
        update(CalloutRecipient)
        .where(CalloutRecipient.callout_id == callout.id, CalloutRecipient.status == "messaged")
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    await session.flush()


async def close(session: AsyncSession, callout_id: int, *, now: datetime) -> bool:
    """An organiser ends an open or filled call-out; False if there is none to end."""
    callout = await _locked(session, callout_id)
    if callout is None or callout.status not in ("open", "filled"):
        return False
    await _finish(session, callout, "closed", now)
    return True


async def extend(session: AsyncSession, callout_id: int, *, deadline: datetime) -> bool:
    """Moves the deadline of an open or filled call-out; False if it is closed, expired or unknown."""
    callout = await _locked(session, callout_id)
    if callout is None or callout.status not in ("open", "filled"):
        return False
    callout.deadline = deadline
    await session.flush()
    return True


async def due_waves(session: AsyncSession, *, now: datetime) -> list[Callout]:
    """Open call-outs whose next wave is due, the earliest first (the deadline not passed)."""
    return list(
        (
            await session.scalars(
                select(Callout)
                .where(Callout.status == "open", Callout.next_wave_at <= now, Callout.deadline > now)
                .order_by(Callout.next_wave_at, Callout.id)
            )
        ).all()
    )


async def expire(session: AsyncSession, *, now: datetime) -> list[int]:
    """Open call-outs whose deadline passed become ``expired``; returns their ids."""
    expired = list(
        (
            await session.scalars(
                select(Callout)
                .where(Callout.status == "open", Callout.deadline <= now)
                .order_by(Callout.id)
                .with_for_update()
            )
        ).all()
    )
    for callout in expired:
        await _finish(session, callout, "expired", now)
    return [c.id for c in expired]


@dataclass(frozen=True)
class Asked:
    """A donor a call-out reached: whom to tell when it ends, and in which language."""

    donor_id: int
    account_id: int
    status: str  # "accepted" or "messaged" (no answer yet)
    language: str


async def still_counting_on(session: AsyncSession, callout_id: int) -> list[Asked]:
    """Donors who accepted or have not answered: those to tell when the call-out is closed early."""
    rows = await session.execute(
        select(
            CalloutRecipient.donor_id, CalloutRecipient.account_id, CalloutRecipient.status, Donor.language
        )
        .join(Donor, Donor.id == CalloutRecipient.donor_id)
        .where(
            CalloutRecipient.callout_id == callout_id, CalloutRecipient.status.in_(("accepted", "messaged"))
        )
        .order_by(CalloutRecipient.id)
    )
    return [
        Asked(donor_id, account_id, status, language)
        for donor_id, account_id, status, language in rows.tuples()
        if donor_id is not None and account_id is not None  # joined to a donor: never an erased one
    ]


async def recipient_status(session: AsyncSession, *, callout_id: int, donor_id: int) -> str | None:
    """The donor's answer so far ("messaged", "accepted", ...), None when this call-out did not ask them."""
    status: str | None = await session.scalar(
        select(CalloutRecipient.status).where(
            CalloutRecipient.callout_id == callout_id, CalloutRecipient.donor_id == donor_id
        )
    )
    return status


async def running(session: AsyncSession, *, since: datetime) -> list[Callout]:
    """Call-outs still open or filled, and those that ended after `since`: the oldest first."""
    return list(
        (
            await session.scalars(
                select(Callout)
                .where(or_(Callout.status.in_(("open", "filled")), Callout.closed_at >= since))
                .order_by(Callout.id)
            )
        ).all()
    )
