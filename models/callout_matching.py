"""Matching reserve donors to a call-out in one SQL statement, whatever the number of donors. Never commits.

What a donor must meet and the order they are asked in: ``models.callout_criteria``. This module turns
those criteria into SQL: :func:`match` (the donors to message, best first), :func:`preview` (how many
match, by group and ward) and :func:`rare_donors` (/hiemmau).

How it stays fast on a million donors: the statement is a UNION ALL with one branch per (ward, blood group)
— the head wards in rank order, and "no ward" — each an equality on the leading columns of
``ix_donors_callout`` (is_reserve, blood_abo, blood_rh, ward, last_donation_on, id) that wants its rows in
index order, so with a LIMIT it reads only the first few index entries of its ward instead of sorting a
whole blood group. Each (ward, group) is two branches: donors whose group the lab confirmed (read from the
partial index ``ix_donors_callout_confirmed``), asked first, then the self-reported ones (the main index,
skipping the confirmed; when most groups are confirmed some day, a partial index of the others is the next
step). PostgreSQL's indexes keep NULLs last, so there each branch is split in "never donated"
and "donated before". One tail branch finds donors in wards the configuration does not know (renamed or
merged wards) through index ranges between the known wards, never by reading the whole group. The
per-donor checks are correlated subqueries on small indexes: the reachable account
(``ix_channel_accounts_reachable``: donor_id, unreachable_at), the 30-day count
(``ix_callout_recipients_donor_messaged``) and
"already messaged by this call-out" (the unique (callout_id, donor_id)). The statement's text depends only
on its shape (numbers of groups and wards), is built once per shape and gets its values as parameters.
bench/callout.py, 1,000,000 donors: about 1 ms on SQLite for a wave of 6 (before the confirmed/self-reported
split; with it, 50,000 donors went from 1.3 to 2.0 ms) (about 200 ms without the index);
PostgreSQL about 5 ms.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Final

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
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeEngine

from domain.compatibility import COMPONENTS, PLATELETS
from models.callout_criteria import (
    FATIGUE_WINDOW,
    SHORT_INTERVAL_KINDS,
    Candidate,
    Criteria,
    birth_date_range,
    split_group,
    ward_ranking,
)
from models.tables import (
    Callout,
    CalloutRecipient,
    ChannelAccount,
    ClubMember,
    Donor,
    DriveDay,
    Signup,
    UtcDateTime,
)

MAX_BRANCHES: Final = 240
"""Above this many (ward, group) branches the last-ranked wards share the tail branch, ranked by CASE
(SQLite allows 500 SELECTs in one compound statement; planning time grows with each)."""


def _eligible_terms(
    p: Mapping[str, Any], *, exclude: bool, skip_booked: bool = False, clubs: int | None = None
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
    terms.append(  # an emergency accepted inside the interval of its component (as models.donor_facts:
        ~exists()  # a call-out the organiser closed told its donors they are no longer needed)
        .where(
            accepted.donor_id == Donor.id,
            accepted.status == "accepted",
            accepted_callout.id == accepted.callout_id,
            accepted_callout.status != "closed",
            or_(
                and_(accepted_callout.component == PLATELETS, accepted.answered_at >= p["short_since"]),
                and_(accepted_callout.component != PLATELETS, accepted.answered_at >= p["whole_since"]),
            ),
        )
        .correlate(Donor)
    )
    if skip_booked:
        booked, drive = aliased(Signup), aliased(DriveDay)
        terms.append(  # booked for a session today that is still to come (or checked in, result pending)
            ~exists()
            .where(
                booked.donor_id == Donor.id,
                drive.id == booked.drive_day_id,
                drive.status == "scheduled",
                drive.day == p["day"],
                or_(
                    booked.status == "checked_in",
                    and_(booked.status == "active", drive.end_time > p["local_time"]),
                ),
            )
            .correlate(Donor)
        )
    if clubs is not None:  # a "clubs first" wave: members of the clubs bound as club_ids (0: any club)
        member = aliased(ClubMember)
        in_club: Select[Any] = select(literal_column("1")).where(member.donor_id == Donor.id)
        if clubs:
            ids = p["club_ids"] if "club_ids" in p else bindparam("club_ids", expanding=True)
            in_club = in_club.where(member.club_id.in_(ids))
        terms.append(in_club.correlate(Donor).exists())
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
    clubs: int | None = None  # 1: members of the clubs bound as club_ids only, 0: of any club; None: anyone


def _shape(criteria: Criteria, *, dialect: str, limit: int | None) -> tuple[_Shape, dict[str, Any]]:
    groups = [split_group(code) for code in dict.fromkeys(criteria.groups)]
    ranked = ward_ranking(criteria)
    sqlite_ = dialect == "sqlite"
    per_ward = len(groups) * (
        2 if sqlite_ else 4
    )  # confirmed and self-reported (PostgreSQL: × never/donated)
    head = max(0, min(len(ranked), (MAX_BRANCHES - 1) // max(1, per_ward) - 1))
    shape = _Shape(
        sqlite=sqlite_,
        groups=len(groups),
        head=head,
        tail_ranked=len(ranked) - head,
        exclude=criteria.exclude_callout_id is not None,
        limited=limit is not None,
        skip_booked=criteria.skip_booked,
        clubs=None if criteria.clubs is None else min(len(criteria.clubs), 1),
    )
    values = _values(criteria)
    if criteria.clubs:
        values["club_ids"] = list(criteria.clubs)
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
    eligible = _eligible_terms(p, exclude=shape.exclude, skip_booked=shape.skip_booked, clubs=shape.clubs)
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

    def branch(
        rank: Any, self_reported: Any, where: Sequence[ColumnElement[bool]], order: Sequence[Any]
    ) -> Any:
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
                self_reported.label("self_reported"),
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
    # A group the lab confirmed is asked before a self-reported one, ward by ward: each (ward, group) is
    # two branches, the confirmed donors read from the partial index `ix_donors_callout_confirmed`.
    sources = (
        (literal(0), Donor.blood_confirmed_on.is_not(None)),
        (literal(1), Donor.blood_confirmed_on.is_(None)),
    )
    for w, ward in slots:
        for g in range(shape.groups):
            for self_reported, source in sources:
                group = [
                    Donor.is_reserve == true(),
                    Donor.blood_abo == bindparam(f"abo_{g}"),
                    Donor.blood_rh == bindparam(f"rh_{g}"),
                    source,
                ]
                # The index's own order (ward is one value here; "IS NULL" is not an equality to
                # PostgreSQL's planner, so naming the constant columns lets it read the index in order
                # and stop early).
                order = [Donor.ward, Donor.last_donation_on]
                if shape.sqlite:  # ascending order puts NULLs (never donated) first, as the index does
                    branches.append(branch(literal(w), self_reported, [*group, ward], order))
                else:  # PostgreSQL indexes keep NULLs last: the never-donated get a branch of their own
                    branches.append(branch(literal(w), self_reported, [*group, ward, never], order))
                    branches.append(branch(literal(w), self_reported, [*group, ward, donated], order))

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
    tail_self_reported = case((Donor.blood_confirmed_on.is_(None), literal(1)), else_=literal(0))
    branches.append(
        branch(
            rank,
            tail_self_reported,
            [*tail_where, code.in_(bindparam("codes", expanding=True))],
            [rank, tail_self_reported, Donor.last_donation_on.asc().nulls_first()],
        )
    )
    matched = union_all(*branches).subquery("matched")
    statement = select(matched).order_by(
        matched.c.ward_rank,
        matched.c.self_reported,
        matched.c.last_donation_on.asc().nulls_first(),
        matched.c.donor_id,
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
    # A ward organiser's call-out: its wards rank first, so the other wards' rows come after every row of
    # its own, and leaving them out keeps the first `limit` of its wards.
    only = set(criteria.wards or ()) if criteria.wards_only else set()
    # Skipping in Python keeps the statement's text the same whatever is skipped: at most len(skip) of
    # the first limit + len(skip) rows are skipped, so the first `limit` others remain.
    fetch = None if limit is None else limit + len(skip)
    dialect = session.get_bind().dialect.name
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
        if row["donor_id"] not in skip and (not only or row["ward"] in only)
    ]
    return found if limit is None else found[:limit]


async def preview(
    session: AsyncSession, criteria: Criteria, *, among: Sequence[ColumnElement[bool]] = ()
) -> dict[tuple[str, str | None], int]:
    """How many donors match, by (blood group code, ward); ward None for donors without a ward.

    `among`: further conditions on `Donor` (the figures' emergency-ready count of one organisation)."""
    if not criteria.groups:
        return {}
    if criteria.wards_only:
        among = (*among, Donor.ward.in_(criteria.wards or ()))
    pairs = [split_group(code) for code in dict.fromkeys(criteria.groups)]
    values = _values(criteria)
    p: dict[str, BindParameter[Any]] = {
        name: bindparam(name, value=values[name], type_=t) for name, t in _PARAMS.items()
    }
    if criteria.clubs:
        p["club_ids"] = bindparam("club_ids", value=list(criteria.clubs), expanding=True)
    # SELECT 1, not EXISTS's default SELECT *: then SQLite answers from `ix_channel_accounts_reachable`
    # alone instead of reading each reserve donor's chat row (0.3 s of the year report's figures).
    reachable = (
        select(literal_column("1"))
        .where(ChannelAccount.donor_id == Donor.id, ChannelAccount.unreachable_at.is_(None))
        .exists()
    )
    statement = (
        select(Donor.blood_abo, Donor.blood_rh, Donor.ward, func.count())
        .where(
            Donor.is_reserve == true(),
            or_(*(and_(Donor.blood_abo == abo, Donor.blood_rh == rh) for abo, rh in pairs)),
            reachable,
            *among,
            *_eligible_terms(
                p,
                exclude=criteria.exclude_callout_id is not None,
                skip_booked=criteria.skip_booked,
                clubs=None if criteria.clubs is None else min(len(criteria.clubs), 1),
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
