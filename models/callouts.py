"""Emergency call-outs and the donors they asked: the life cycle. Never commits.

Life of a call-out: ``open`` → ``filled`` (enough donors accepted; an accepted donor who withdraws reopens
it) | ``closed`` (by an organiser) | ``expired`` (the deadline passed while open). Recipients:
``messaged`` → ``accepted`` | ``declined``; those who never answered become ``cancelled`` when it closes.
Waves are the caller's (``services.callouts.waves``): it sets ``waves_sent`` and ``next_wave_at``;
:func:`due_waves` finds them. Whom to ask is ``models.callout_matching``.

Also here, until one latest-donation query serves every reader: the donors' own copy of their latest
donation (``donors.last_donation_on`` / ``last_donation_kind``), which the matching index reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.compatibility import COMPONENTS
from models.callout_criteria import SHORT_INTERVAL_KINDS, Candidate, split_group
from models.tables import Callout, CalloutRecipient, Donation, Donor

STATUSES: Final = ("open", "filled", "closed", "expired")
RECIPIENT_STATUSES: Final = ("messaged", "accepted", "declined", "cancelled")

Answer = Literal["accepted", "declined", "filled", "closed", "not_found"]


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
    first_clubs: Sequence[int] | None = None,
    wards_only: bool = False,
) -> Callout:
    """A new open call-out (no wave sent yet). Bad values are the caller's bug: ValueError.

    `donor_groups`: the groups to ask when the organiser widened it to compatible groups (None: the
    configured matching for `groups`). `first_clubs`: the clubs whose members the first wave asks
    ([] every club; None: no club first)."""
    codes = list(dict.fromkeys(groups))
    if not codes:
        raise ValueError("a call-out needs at least one blood group")
    for code in codes:
        split_group(code)
    asked = list(dict.fromkeys(donor_groups)) if donor_groups is not None else None
    for code in asked or ():
        split_group(code)
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
        wards_only=wards_only and bool(wards),
        status="open",
        waves_sent=0,
        next_wave_at=None,
        tally_chat_id=tally_chat_id,
        created_at=now,
        first_clubs=list(dict.fromkeys(first_clubs)) if first_clubs is not None else None,
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
    rows = await session.execute(
        select(CalloutRecipient.status, func.count())
        .where(CalloutRecipient.callout_id == callout_id)
        .group_by(CalloutRecipient.status)
    )
    return _tallied({status: int(n) for status, n in rows.tuples()})


def _tallied(statuses: dict[str, int]) -> dict[str, int]:
    """Recipients by status → the tally's counts (every one asked is messaged; no answer is the rest)."""
    counts = dict.fromkeys(RECIPIENT_STATUSES, 0) | statuses
    messaged = sum(counts.values())
    return {
        "messaged": messaged,
        "accepted": counts["accepted"],
        "declined": counts["declined"],
        "no_answer": messaged - counts["accepted"] - counts["declined"],
    }


UNKNOWN_GROUP: Final = "?"  # the group of a donor who erased their data since (`tally_by_group`)


async def tally_by_group(session: AsyncSession, callout_id: int) -> dict[str, dict[str, int]]:
    """`tally`'s counts by the blood group of the donors asked (their group now; a donor of a compatible
    group asked for a widened call-out counts under their own), "?" for those who erased themselves."""
    rows = await session.execute(
        select(Donor.blood_abo, Donor.blood_rh, CalloutRecipient.status, func.count())
        .select_from(CalloutRecipient)
        .outerjoin(Donor, Donor.id == CalloutRecipient.donor_id)
        .where(CalloutRecipient.callout_id == callout_id)
        .group_by(Donor.blood_abo, Donor.blood_rh, CalloutRecipient.status)
    )
    statuses: dict[str, dict[str, int]] = {}
    for abo, rh, status, n in rows.tuples():
        group = f"{abo}{rh}" if abo is not None and rh is not None else UNKNOWN_GROUP
        by_status = statuses.setdefault(group, {})
        by_status[status] = by_status.get(status, 0) + int(n)
    return {group: _tallied(counted) for group, counted in statuses.items()}


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
