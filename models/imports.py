"""The queries behind spreadsheet imports and the lists given out: donors looked up a batch at a time by
phone, new donors and their self-reported donations inserted a batch per statement, empty fields filled;
a drive day's sign-ups found for a result; the donors of a scope with their counts. Never commits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, and_, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.figures import Scope, ScopeKind
from models.honours import counted
from models.tables import Donation, Donor, DriveDay, Signup

__all__ = [
    "Known",
    "drive_day_by_id_or_key",
    "export_rows",
    "fill",
    "insert_donors",
    "insert_reported_donations",
    "known_by_phone",
    "signup_of",
]


@dataclass(frozen=True)
class Known:
    """What an import may fill of a donor already on record (only what is empty)."""

    id: int
    blood_abo: str | None
    blood_rh: str | None
    blood_confirmed_on: date | None
    ward: str | None
    organisation: str | None
    has_donations: bool


async def known_by_phone(session: AsyncSession, phones: Sequence[str]) -> dict[str, Known]:
    """The donors of these phones (E.164), one statement."""
    if not phones:
        return {}
    has = select(Donation.id).where(Donation.donor_id == Donor.id).correlate(Donor).exists().label("has")
    rows = await session.execute(
        select(
            Donor.phone,
            Donor.id,
            Donor.blood_abo,
            Donor.blood_rh,
            Donor.blood_confirmed_on,
            Donor.ward,
            Donor.organisation,
            has,
        ).where(Donor.phone.in_(phones))
    )
    return {row[0]: Known(*row[1:]) for row in rows.tuples()}


async def insert_donors(session: AsyncSession, values: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Inserts the donors (one executemany for the batch); their ids by phone.

    Without RETURNING: SQLAlchemy splits an INSERT … RETURNING of many rows into statements of SQLite's
    parameter limit and splices their results together, which took most of a 100,000-row import. The
    ids are read back with one SELECT on the unique phone index.
    """
    if not values:
        return {}
    await session.execute(insert(_table(Donor)), list(values))
    rows = await session.execute(
        select(Donor.phone, Donor.id).where(Donor.phone.in_([value["phone"] for value in values]))
    )
    return dict(list(rows.tuples()))  # a Result has keys(): dict() would read it as a mapping


async def insert_reported_donations(session: AsyncSession, values: Sequence[Mapping[str, Any]]) -> None:
    """Self-reported donations (a list's "last donation"), one statement for the batch."""
    if values:
        await session.execute(insert(_table(Donation)), [_columns(Donation, value) for value in values])


def _table(entity: Any) -> Table:
    """The entity's Core table: an executemany of plain rows, without the ORM's bulk-insert path."""
    table = entity.__table__
    assert isinstance(table, Table)
    return table


def _columns(entity: Any, value: Mapping[str, Any]) -> dict[str, Any]:
    """Attribute names as the table's column names (`Donation.drive_day_id` is the column `session_id`)."""
    mapper = entity.__mapper__
    return {mapper.attrs[key].columns[0].name: item for key, item in value.items()}


async def fill(session: AsyncSession, donor_id: int, values: Mapping[str, Any]) -> None:
    await session.execute(
        update(Donor)
        .where(Donor.id == donor_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def drive_day_by_id_or_key(session: AsyncSession, text: str) -> list[DriveDay]:
    """The drive day with this id, else those with this key (one per campaign)."""
    if text.isascii() and text.isdigit() and len(text) < 10:
        found = await session.get(DriveDay, int(text))
        if found is not None:
            return [found]
    return list((await session.scalars(select(DriveDay).where(DriveDay.key == text))).all())


async def signup_of(session: AsyncSession, *, drive_day_id: int, donor_id: int) -> Signup | None:
    """The donor's sign-up for the day that is not cancelled (the latest, if there were several)."""
    found: Signup | None = await session.scalar(
        select(Signup)
        .where(
            Signup.drive_day_id == drive_day_id,
            Signup.donor_id == donor_id,
            Signup.status != "cancelled",
        )
        .order_by(Signup.id.desc())
        .limit(1)
    )
    return found


@dataclass(frozen=True)
class ExportRow:
    full_name: str
    phone: str
    date_of_birth: date
    sex: str
    blood_abo: str | None
    blood_rh: str | None
    ward: str | None
    organisation: str | None
    count: int
    last_donation_on: date | None
    is_reserve: bool


async def export_rows(session: AsyncSession, scope: Scope, *, chunk: int = 1000) -> AsyncIterator[ExportRow]:
    """The donors of a scope by name, with their donation count (`models.honours`), streamed."""
    recorded = func.sum(case((Donation.self_reported.is_(False), 1), else_=0))
    reported = func.sum(case((Donation.self_reported.is_(True), 1), else_=0))
    tally = (
        select(Donation.donor_id.label("donor_id"), recorded.label("recorded"), reported.label("reported"))
        .where(Donation.donor_id.is_not(None))
        .group_by(Donation.donor_id)
        .subquery("tally")
    )
    query = (
        select(
            Donor.full_name,
            Donor.phone,
            Donor.date_of_birth,
            Donor.sex,
            Donor.blood_abo,
            Donor.blood_rh,
            Donor.ward,
            Donor.organisation,
            counted(tally.c.recorded, tally.c.reported),
            Donor.last_donation_on,
            Donor.is_reserve,
        )
        .outerjoin(tally, and_(tally.c.donor_id == Donor.id))
        .order_by(Donor.full_name, Donor.id)
    )
    if scope.kind is ScopeKind.WARD:
        query = query.where(Donor.ward == scope.name)
    elif scope.kind is ScopeKind.ORGANISATION:
        query = query.where(Donor.organisation == scope.name)
    result = await session.stream(query.execution_options(yield_per=chunk))
    async for row in result.tuples():
        yield ExportRow(*row)
