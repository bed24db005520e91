"""The check-in desk's queries: finding a donor, today's sessions, a walk-in's donor row and sign-up.
Never commits.

Search (`search`) takes what the organiser typed — a phone in any common form (0912 345 678, +84…,
84…), a check-in code as printed on the ticket ("k7m 2qx"), or a name with or without diacritics — and
returns at most `limit` donors within the organiser's `Scope` (ward or organisation: the donor's own, as
`models.rosters`), each with their booking of today and, failing that, their booking of another day (the
desk warns about it). A phone or a code is one index lookup. A name is compared folded
(`domain.text.fold`) in Python over the names of the scope — SQLite has no accent-insensitive
comparison and there is no folded column yet —: one short column per donor, read without sorting, a
cheap translate-table pass first and `fold` only on the few names that pass it (about 0.3 s for 100,000
donors). A folded, indexed name column is the next step if areas grow far past that.

A walk-in (`add_paper_donor`, `walk_in_signup`) is a donor whose consent is a paper form signed at the
desk (`consent_source="desk_paper"`, who recorded it and the form's date) and a sign-up on one of today's
sessions, checked in at once. A walk-in has no chat: nothing is sent to them until they write to the
bot and register with that phone (registration links the chat to this row: `handlers.linking`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Final

from sqlalchemy import and_, false, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from domain.figures import Scope, ScopeKind
from domain.ids import parse_id
from domain.phone import parse_phone
from domain.slots import CODE_ALPHABET, CODE_LENGTH, new_code, normalise_code, slot_starts
from domain.text import fold
from models import audit
from models.drive_days import ACTIVE, CANCELLED, lock_drive_day
from models.tables import Donor, DriveDay, Signup

SEARCH_LIMIT = 8
_SYSTEM_RNG = random.SystemRandom()


@dataclass(frozen=True)
class Booking:
    signup_id: int
    code: str | None
    status: str  # active | checked_in | donated | deferred
    drive_day_id: int
    day: date
    slot: time
    place: str


@dataclass(frozen=True)
class Found:
    donor_id: int
    name: str
    phone: str  # E.164; the desk shows it masked
    ward: str | None
    today: Booking | None  # a sign-up on a session held today
    other: Booking | None  # else a booking still open on another day (the desk warns)


@dataclass(frozen=True)
class SearchResult:
    kind: str  # "phone" | "code" | "name" | "none" (nothing searchable was typed)
    found: tuple[Found, ...]
    more: bool  # more donors matched than are shown


def scope_filter(scope: Scope) -> ColumnElement[bool] | None:
    """The donors `scope` covers, in SQL (`Scope.covers`; None: the whole area). The one place the
    desk's search applies the organiser's scope."""
    if scope.kind is ScopeKind.AREA:
        return None
    if scope.kind is ScopeKind.WARD:
        return Donor.ward == scope.name
    if scope.kind is ScopeKind.ORGANISATION:
        return Donor.organisation == scope.name
    if scope.kind is ScopeKind.DRIVE_DAY:  # desk staff: the people booked on their drive day
        day = parse_id(scope.name or "")
        return Donor.id.in_(select(Signup.donor_id).where(Signup.drive_day_id == (day or 0)))
    return false()  # a club leader's scope holds no desk work


def looks_like_code(text: str) -> bool:
    code = normalise_code(text)
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


_QUICK_FOLD: Final = {
    code: folded
    for code in range(0xC0, 0x1F00)
    if len(folded := fold(chr(code))) == 1 and folded != chr(code).lower()
}
"""Precomposed letters (Vietnamese and Latin) to their folded base letter, for a fast first pass."""


def _maybe(tokens: list[str], name: str) -> bool:
    """A cheap test that lets through every name `_name_matches` accepts (and a few more)."""
    quick = name.lower().translate(_QUICK_FOLD)
    return all(token in quick for token in tokens)


def _name_matches(tokens: list[str], name: str) -> bool:
    """Every typed word is a word of the name (the last may be its beginning), diacritics ignored."""
    words = fold(name).split()
    *whole, last = tokens
    return all(t in words for t in whole) and any(w.startswith(last) for w in words)


async def search(
    session: AsyncSession, query: str, *, scope: Scope, today: date, limit: int = SEARCH_LIMIT
) -> SearchResult:
    """The donors matching `query` that `scope` may see (see the module docstring), booked today first."""
    scoped = scope_filter(scope)
    where = [scoped] if scoped is not None else []
    text = " ".join(query.split())
    digits = sum(ch.isdigit() for ch in text)
    if digits >= 9 and (phone := parse_phone(text)) is not None:
        ids = list((await session.scalars(select(Donor.id).where(Donor.phone == phone, *where))).all())
        return SearchResult("phone", await _found(session, ids, today=today), more=False)
    if looks_like_code(text):
        ids = list(
            (
                await session.scalars(
                    select(Donor.id)
                    .join(Signup, Signup.donor_id == Donor.id)
                    .where(Signup.code == normalise_code(text), *where)
                )
            ).all()
        )
        if ids:
            return SearchResult("code", await _found(session, ids, today=today), more=False)
    tokens = fold(text).split()
    if not tokens or not any(ch.isalpha() for ch in "".join(tokens)):
        return SearchResult("none", (), more=False)
    # Those booked today first (a short list), then the others, without sorting the whole table.
    today_rows = await session.execute(
        select(Donor.id, Donor.full_name)
        .join(Signup, Signup.donor_id == Donor.id)
        .join(DriveDay, DriveDay.id == Signup.drive_day_id)
        .where(DriveDay.day == today, Signup.status != CANCELLED, *where)
    )
    first = sorted(
        {(name, i) for i, name in today_rows.tuples() if _maybe(tokens, name) and _name_matches(tokens, name)}
    )
    ids = list(dict.fromkeys(i for _, i in first))
    others: list[tuple[str, int]] = []
    if len(ids) <= limit:
        rows = await session.stream(select(Donor.id, Donor.full_name).where(*where))
        async for donor_id, name in rows:
            if donor_id not in ids and _maybe(tokens, name) and _name_matches(tokens, name):
                others.append((name, donor_id))
                if len(ids) + len(others) > limit:
                    break
        await rows.close()
    ids += [i for _, i in sorted(others)]
    return SearchResult("name", await _found(session, ids[:limit], today=today), more=len(ids) > limit)


async def _found(session: AsyncSession, donor_ids: list[int], *, today: date) -> tuple[Found, ...]:
    if not donor_ids:
        return ()
    donors = {d.id: d for d in (await session.scalars(select(Donor).where(Donor.id.in_(donor_ids)))).all()}
    rows = (
        await session.execute(
            select(Signup, DriveDay)
            .join(DriveDay, DriveDay.id == Signup.drive_day_id)
            .where(Signup.donor_id.in_(donor_ids), Signup.status != CANCELLED)
            .order_by(DriveDay.day, Signup.id)
        )
    ).tuples()
    today_of: dict[int, Booking] = {}
    other_of: dict[int, Booking] = {}
    for signup, drive in rows:
        assert signup.donor_id is not None
        booking = Booking(
            signup.id, signup.code, signup.status, drive.id, drive.day, signup.slot_start, drive.place_name
        )
        if drive.day == today and drive.status != CANCELLED:
            today_of.setdefault(signup.donor_id, booking)
        elif signup.status == ACTIVE and drive.status != CANCELLED:
            known = other_of.get(signup.donor_id)
            # the next booking to come; failing that, the latest one missed
            if known is None or (known.day < today and (drive.day > today or drive.day > known.day)):
                other_of[signup.donor_id] = booking
    return tuple(
        Found(
            donor_id=i,
            name=donors[i].full_name,
            phone=donors[i].phone,
            ward=donors[i].ward,
            today=today_of.get(i),
            other=None if i in today_of else other_of.get(i),
        )
        for i in donor_ids
        if i in donors
    )


async def sessions_today(session: AsyncSession, today: date) -> list[DriveDay]:
    """Today's sessions that are not cancelled, in order of their start (a walk-in's choices)."""
    return list(
        (
            await session.scalars(
                select(DriveDay)
                .where(DriveDay.day == today, DriveDay.status != CANCELLED)
                .order_by(DriveDay.start_time, DriveDay.id)
            )
        ).all()
    )


async def sessions_for(session: AsyncSession, today: date, scope: Scope) -> list[DriveDay]:
    """Today's sessions where `scope` may serve a walk-in: those it holds (`Scope.holds_drive_day`: the
    area's, the ward's, the desk's own day); an organisation's organiser, whose people go to days run by
    others, any of today's."""
    everywhere = scope.kind is ScopeKind.ORGANISATION
    return [
        drive
        for drive in await sessions_today(session, today)
        if everywhere or scope.holds_drive_day(drive_day_id=drive.id, ward=drive.ward)
    ]


async def can_see(session: AsyncSession, donor_id: int, scope: Scope) -> bool:
    """Whether the search within `scope` may show this donor (`scope_filter`)."""
    scoped = scope_filter(scope)
    query = select(Donor.id).where(Donor.id == donor_id)
    return await session.scalar(query.where(scoped) if scoped is not None else query) is not None


class PhoneTaken(Exception):
    """Another donor already has this phone number."""


@dataclass(frozen=True)
class PaperDonor:
    """A walk-in as typed at the desk; the paper consent form was signed (else nothing is written)."""

    full_name: str
    phone: str
    date_of_birth: date
    sex: str
    blood_abo: str | None
    blood_rh: str | None
    weight_kg: float | None
    language: str = "vi"


async def add_paper_donor(
    session: AsyncSession, new: PaperDonor, *, taken_by: str, form_on: date, now: datetime
) -> Donor:
    """The walk-in's donor row, consent from the paper form (`desk_paper`, who recorded it, its date);
    PhoneTaken when the phone is registered (a moment ago, from elsewhere): nothing is written then."""
    donor = Donor(
        full_name=new.full_name,
        phone=new.phone,
        date_of_birth=new.date_of_birth,
        sex=new.sex,
        blood_abo=new.blood_abo,
        blood_rh=new.blood_rh,
        weight_kg=new.weight_kg,
        language=new.language,
        is_reserve=False,
        consent_at=now,
        consent_source="desk_paper",
        consent_taken_by=taken_by,
        consent_form_on=form_on,
        created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(donor)
            await session.flush()
    except IntegrityError as exc:
        raise PhoneTaken(new.phone) from exc
    return donor


def _walk_in_slot(drive: DriveDay, local_now: time) -> time:
    """The slot a walk-in is served in: the one running now, else the first (early) or the last (late)."""
    starts = slot_starts(start=drive.start_time, end=drive.end_time, slot_minutes=drive.slot_minutes)
    if not starts:
        return drive.start_time
    return max((s for s in starts if s <= local_now), default=starts[0])


async def _free_code(session: AsyncSession) -> str:
    for _ in range(20):
        code = new_code(_SYSTEM_RNG)
        if await session.scalar(select(Signup.id).where(Signup.code == code)) is None:
            return code
    raise RuntimeError("could not draw an unused sign-up code")


async def walk_in_signup(
    session: AsyncSession,
    *,
    drive_day_id: int,
    donor_id: int,
    today: date,
    now: datetime,
    tz: tzinfo,
    actor: str,
) -> Signup | None:
    """The donor's sign-up on today's session `drive_day_id`, checked in now: a new one with a code (or
    their cancelled one again), or the one they already have. None when the session is not today's or
    was cancelled. A person at the desk is served whatever the slots' capacity (they are here)."""
    drive = await lock_drive_day(session, drive_day_id)
    if drive is None or drive.day != today or drive.status == CANCELLED:
        return None
    signup: Signup | None = await session.scalar(
        select(Signup).where(and_(Signup.drive_day_id == drive.id, Signup.donor_id == donor_id))
    )
    if signup is not None and signup.status != CANCELLED:
        if signup.status == ACTIVE:
            signup.status, signup.checked_in_at, signup.updated_at = "checked_in", now, now
            await session.flush()
            await _audit_check_in(session, signup, actor=actor, now=now)
        return signup
    code = await _free_code(session)
    slot = _walk_in_slot(drive, now.astimezone(tz).time())
    if signup is None:
        signup = Signup(drive_day_id=drive.id, donor_id=donor_id, created_at=now)
        session.add(signup)
    signup.slot_start, signup.code, signup.status = slot, code, "checked_in"
    signup.checked_in_at, signup.updated_at = now, now
    signup.result_volume_ml = signup.deferral_reason = None
    await session.flush()
    await _audit_check_in(session, signup, actor=actor, now=now, walk_in=True)
    return signup


async def _audit_check_in(
    session: AsyncSession, signup: Signup, *, actor: str, now: datetime, walk_in: bool = False
) -> None:
    details: dict[str, object] = {"session": signup.drive_day_id}
    if walk_in:
        details["walk_in"] = True
    await audit.record(
        session, actor=actor, action="signup.check_in", target=f"signup:{signup.id}", details=details, now=now
    )
