"""The roster of one drive day: who booked it, for the desk and the phone calls after it. Never commits.

A roster row is one sign-up that is not cancelled: the donor's name, phone (display form), slot, reserve
and first-time flags, and where the sign-up stands (booked, checked in, donated, deferred). It holds names
and phones, so it is for organisers only and always within their scope (`domain.figures.Scope`): a ward
organiser sees the donors of their ward, an organisation's the donors of that organisation, whatever
ward the drive day is held in.

Which days a scoped organiser may open: a day held in their ward, or a day at which at least one donor of
their scope booked (a central drive their people go to). Any other day is "outside your scope" — said
plainly rather than shown as an empty list, so an organiser who typed the wrong number knows it.

First-time donor (as in `models.figures`): no donation of theirs on record before the day (recorded at a
drive or reported at registration) and no donations before the bot (`earlier_donations` None or 0).

No-shows: the sign-ups of a day that is over (`domain.slots.has_ended`, local time) still "active" and
never checked in: the people to call and ask whether all is well and when they can come.

Sign-ups of donors who erased their data keep no donor (`donor_id` NULL) and are not listed.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import Date, Dialect, Select, and_, bindparam, exists, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType

from domain.figures import Scope, ScopeKind
from domain.phone import display_phone
from domain.slots import has_ended
from models.tables import Campaign, Donation, Donor, DriveDay, Signup

LISTED_STATUSES = ("active", "checked_in", "donated", "deferred")  # every status but "cancelled"


class Refusal(StrEnum):
    """Why no roster is given."""

    UNKNOWN = "unknown"  # no drive day with that id
    OUT_OF_SCOPE = "out_of_scope"  # a day of another ward, none of the organiser's donors booked
    NOT_OVER = "not_over"  # no-shows asked before the day ended


class RosterRow(NamedTuple):
    """One sign-up of the roster (a tuple: a province's 500-person day builds 500 of them per page, and a
    frozen dataclass took three times as long to make; bench/web.py)."""

    signup_id: int
    name: str
    phone: str  # display form: "0912 345 678"
    slot: time
    reserve: bool
    first_time: bool
    status: str  # active | checked_in | donated | deferred
    checked_in_at: datetime | None  # UTC


@dataclass(frozen=True)
class DayInfo:
    id: int
    day: date
    start: time
    end: time
    place: str
    ward: str | None
    campaign: str
    status: str  # scheduled | cancelled


@dataclass(frozen=True)
class Roster:
    day: DayInfo
    scope: Scope
    rows: tuple[RosterRow, ...]
    over: bool  # the day has ended (local time)
    no_shows_only: bool = False

    @property
    def checked_in(self) -> int:
        """Sign-ups that came to the desk (checked in, donated or deferred)."""
        return sum(1 for row in self.rows if row.status != "active" or row.checked_in_at is not None)

    def per_slot(self) -> list[tuple[time, int, int]]:
        """(slot, sign-ups, checked in) in slot order."""
        counts: dict[time, list[int]] = {}
        for row in self.rows:
            booked = counts.setdefault(row.slot, [0, 0])
            booked[0] += 1
            booked[1] += row.status != "active" or row.checked_in_at is not None
        return [(slot, n, came) for slot, (n, came) in sorted(counts.items())]


def _scope_column(kind: ScopeKind) -> Any:
    """The donor's column a scope of this kind names (None: the area, every donor)."""
    if kind is ScopeKind.AREA:
        return None
    return Donor.ward if kind is ScopeKind.WARD else Donor.organisation


def _in_scope(scope: Scope) -> ColumnElement[bool] | None:
    column = _scope_column(scope.kind)
    return None if column is None else column == scope.name


def _first_time(day: date | ColumnElement[date]) -> ColumnElement[bool]:
    earlier = exists().where(Donation.donor_id == Donor.id, Donation.donated_on < day)
    return and_(~earlier, or_(Donor.earlier_donations.is_(None), Donor.earlier_donations == 0))


def _listed(drive_day_id: int, scope: Scope) -> list[ColumnElement[bool]]:
    """The sign-ups of the day that the roster lists for `scope`."""
    listed: list[ColumnElement[bool]] = [
        Signup.drive_day_id == drive_day_id,
        Signup.status.in_(LISTED_STATUSES),
    ]
    scoped = _in_scope(scope)
    if scoped is not None:
        listed.append(scoped)
    return listed


async def in_scope(session: AsyncSession, *, drive_day_id: int, ward: str | None, scope: Scope) -> bool:
    """Whether `scope` may see the roster of the drive day (held in `ward`): the area any, a ward a day
    held there, else a day one of the scope's donors booked."""
    if _in_scope(scope) is None:
        return True
    if scope.kind is ScopeKind.WARD and ward == scope.name:
        return True
    listed = _listed(drive_day_id, scope)
    return bool(await session.scalar(select(exists().where(Signup.donor_id == Donor.id, *listed))))


_DAY = (  # the drive day's columns, not the entity (a tenth of a roster's page went on loading it)
    select(
        DriveDay.id,
        DriveDay.day,
        DriveDay.start_time,
        DriveDay.end_time,
        DriveDay.place_name,
        DriveDay.ward,
        Campaign.name,
        DriveDay.status,
    )
    .join(Campaign, Campaign.id == DriveDay.campaign_id)
    .where(DriveDay.id == bindparam("drive_day_id"))
)


_RAW = NullType()  # a column read as the driver gives it: converted only when the rows changed (`_rows`)


_TYPED: list[
    ColumnElement[Any] | InstrumentedAttribute[Any]
] = [  # a roster row's columns, as `RosterRow` holds them
    Signup.id,
    Donor.full_name,
    Donor.phone,
    Signup.slot_start,
    Donor.is_reserve,
    _first_time(bindparam("day", type_=Date)).label("first_time"),
    Signup.status,
    Signup.checked_in_at,
]


@functools.cache
def _rows_statement(kind: ScopeKind, *, no_shows: bool) -> Select[Any]:
    """The roster's query for a kind of scope, built once with its values bound at each call (a province
    builds it for every page: its construction and cache key were a fifth of a roster's load). Its
    columns come back as the driver gives them (`_rows` converts them)."""
    listed: list[ColumnElement[bool]] = [
        Signup.drive_day_id == bindparam("drive_day_id"),
        Signup.status.in_(LISTED_STATUSES),
    ]
    if (column := _scope_column(kind)) is not None:
        listed.append(column == bindparam("scope_name"))
    if no_shows:
        listed += [Signup.status == "active", Signup.checked_in_at.is_(None)]
    return (
        select(*(type_coerce(column, _RAW) for column in _TYPED))
        .join(Donor, Donor.id == Signup.donor_id)
        .where(*listed)
        .order_by(Signup.slot_start, Donor.full_name, Signup.id)
    )


class _Read(NamedTuple):
    raw: Sequence[Any]  # the driver's rows
    rows: tuple[RosterRow, ...]  # as converted from them


# The last rosters read and what they became, by drive day, scope and kind: a roster read again unchanged
# (the same rows from the driver, compared in full) is the same tuple of rows, and its page the same
# (`bot.web.pages.Pages.roster` keeps its HTML by that tuple). Converting 500 rows — the column types'
# processors, the phones' display form, the tuples — was a third of a roster's load (bench/web.py at
# 1,000,000 donors). Bounded: at most `_READ_MAX` rosters, each replaced when its day is read again.
_READ: dict[tuple[Any, ...], _Read] = {}
_READ_MAX = 16


def _rows(key: tuple[Any, ...], raw: Sequence[Any], dialect: Dialect) -> tuple[RosterRow, ...]:
    """The roster rows of the driver's `raw` rows: those of the last read of `key` if they are the same."""
    kept = _READ.get(key)
    if kept is not None and kept.raw == raw:
        return kept.rows
    convert = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in _TYPED]
    rows = []
    for values in raw:
        converted: list[Any] = [
            value if conv is None or value is None else conv(value)
            for conv, value in zip(convert, values, strict=True)
        ]
        signup_id, name, phone, slot, reserve, first, status, checked_in_at = converted
        rows.append(
            RosterRow(
                signup_id, name, display_phone(phone), slot, bool(reserve), bool(first), status, checked_in_at
            )
        )
    if kept is None and len(_READ) >= _READ_MAX:
        del _READ[next(iter(_READ))]  # the oldest read
    read = _READ[key] = _Read(raw, tuple(rows))
    return read.rows


async def load(
    session: AsyncSession,
    drive_day_id: int,
    *,
    scope: Scope,
    now: datetime,
    tz: tzinfo,
    no_shows: bool = False,
) -> Roster | Refusal:
    """The roster (or, with `no_shows`, the no-shows) of a drive day as `scope` may see it."""
    found = (await session.execute(_DAY, {"drive_day_id": drive_day_id})).first()
    if found is None:
        return Refusal.UNKNOWN
    info = DayInfo(*found)
    if not await in_scope(session, drive_day_id=info.id, ward=info.ward, scope=scope):
        return Refusal.OUT_OF_SCOPE
    over = has_ended(info.day, info.end, now=now, tz=tz)
    if no_shows and not over:
        return Refusal.NOT_OVER
    params = {"drive_day_id": info.id, "day": info.day, "scope_name": scope.name}
    statement = _rows_statement(scope.kind, no_shows=no_shows)
    connection = await session.connection()  # Core: no ORM row loading
    found_rows = (await connection.execute(statement, params)).all()
    key = (connection.dialect.name, info.id, scope, no_shows)
    rows = _rows(key, found_rows, connection.dialect)
    return Roster(day=info, scope=scope, rows=rows, over=over, no_shows_only=no_shows)
