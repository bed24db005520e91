"""What an organiser sees of a donor on the web page's donor list and card: found as the desk finds them
(`models.desk.search`, the organiser's scope applied by `models.desk.scope_filter`), counted as /hoso
counts (`models.honours`), the last donation and the next possible day as /hoso says them (the donor's
facts, `models.donor_facts`, and `domain.decision.decide(...).earliest`). Read only; never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.blood import BloodGroup
from domain.decision import decide
from domain.figures import Scope
from domain.rules import Rules
from models import clubs, desk, donor_facts, honours
from models.tables import Donor

WEB_LIMIT = 20  # donors shown for one search on the web page (the chat's desk shows 8)


@dataclass(frozen=True)
class Card:
    donor_id: int
    name: str
    phone: str  # E.164; shown masked
    ward: str | None
    organisation: str | None
    blood: str  # "O+", "A", "" when unknown
    blood_confirmed_on: date | None  # the lab's group, confirmed that day; None: the donor's word
    donations: int  # earlier donations included, as /hoso counts them
    last_donation_on: date | None
    earliest: date | None  # the first day from today the rules allow (None: not known or never)
    reserve: bool
    clubs: tuple[str, ...]  # the clubs' names


@dataclass(frozen=True)
class Found:
    kind: str  # desk.SearchResult.kind: "phone" | "code" | "name" | "none"
    cards: tuple[Card, ...]
    more: bool


def _blood(donor: Donor) -> str:
    if donor.blood_abo is None and donor.blood_rh is None:
        return ""
    return BloodGroup.from_code(f"{donor.blood_abo or '?'}{donor.blood_rh or '?'}").label


async def cards(
    session: AsyncSession, donor_ids: Sequence[int], *, rules: Rules, now: datetime, tz: tzinfo
) -> list[Card]:
    """The cards of these donors, in the order given (unknown ids left out)."""
    if not donor_ids:
        return []
    ids = list(donor_ids)
    donors = {d.id: d for d in (await session.scalars(select(Donor).where(Donor.id.in_(ids)))).all()}
    counts = await honours.counts_of(session, ids)
    facts = await donor_facts.donor_facts(session, list(donors.values()), now=now, tz=tz)
    today = now.astimezone(tz).date()
    shown: list[Card] = []
    for donor_id in ids:
        donor = donors.get(donor_id)
        if donor is None:
            continue
        known = facts.get(donor_id)
        decision = decide(known, on=today, rules=rules)
        memberships = await clubs.clubs_of(session, donor_id)
        shown.append(
            Card(
                donor_id=donor.id,
                name=donor.full_name,
                phone=donor.phone,
                ward=donor.ward,
                organisation=donor.organisation,
                blood=_blood(donor),
                blood_confirmed_on=donor.blood_confirmed_on,
                donations=counts.get(donor_id, 0),
                last_donation_on=known.person.last_donation_on if known else donor.last_donation_on,
                earliest=decision.earliest,
                reserve=donor.is_reserve,
                clubs=tuple(club.name for club, _ in memberships),
            )
        )
    return shown


async def search(
    session: AsyncSession,
    query: str,
    *,
    scope: Scope,
    rules: Rules,
    now: datetime,
    tz: tzinfo,
    limit: int = WEB_LIMIT,
) -> Found:
    """The donors within `scope` matching what was typed (a phone in any form, a check-in code, a name
    with or without diacritics: the desk's search), at most `limit`."""
    today = now.astimezone(tz).date()
    result = await desk.search(session, query, scope=scope, today=today, limit=limit)
    found = await cards(session, [f.donor_id for f in result.found], rules=rules, now=now, tz=tz)
    return Found(result.kind, tuple(found), result.more)


async def in_scope(session: AsyncSession, donor_id: int, scope: Scope) -> bool | None:
    """Whether the donor is within `scope` (the desk's filter); None when there is no such donor."""
    if await session.get(Donor, donor_id) is None:
        return None
    scoped = desk.scope_filter(scope)
    where = [scoped] if scoped is not None else []
    return await session.scalar(select(Donor.id).where(Donor.id == donor_id, *where)) is not None
