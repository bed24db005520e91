"""Who a call-out asks: the SQL narrows, `domain.decision` decides.

``models.callout_matching`` finds candidates fast with terms that agree with the rules as a rule; each
candidate is then decided on their facts (``models.donor_facts``) with ``may_call``, the way every other
eligibility decision is made, so a term the SQL cannot express (a booking that clashes, say) still
counts. Candidates turned down make room: matching runs again, up to :data:`MATCH_ROUNDS` times.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from domain.compatibility import donors_for, widest_table
from domain.decision import decide, may_call
from domain.figures import Scope, ScopeKind
from domain.rules import DonationKind, Rules
from models import callout_matching, clubs, donor_facts
from models.callout_criteria import Candidate, Criteria, criteria_for
from services.callouts.need import Need

KINDS = {"whole_blood": DonationKind.WHOLE_BLOOD, "platelets": DonationKind.PLATELETS}
MATCH_ROUNDS = 4  # matching again for the candidates decide() turned down (the SQL agrees as a rule)


def criteria(
    settings: Settings,
    rules: Rules,
    *,
    groups: Sequence[str],
    component: str,
    wards: Sequence[str],
    now: datetime,
    exclude: int | None = None,
    donor_groups: Sequence[str] | None = None,
    wave: int = 0,
    clubs: Sequence[int] | None = None,
    wards_only: bool = False,
) -> Criteria:
    """What a donor must meet for this call-out (the rules file's age, weight and intervals).

    `donor_groups` are the groups asked when the organiser widened the call-out; otherwise the groups
    needed, widened by config.toml's table when `widen_red_cells` is on. The first wave leaves out
    donors booked for a session today. `clubs`: only members of these clubs (() any club).
    """
    table = settings.callouts.compatibility if settings.callouts.widen_red_cells else None
    if donor_groups is not None:
        groups, table = list(donor_groups), None
    return criteria_for(
        rules,
        needed=groups,
        component=component,
        table=table,
        wards=wards or None,
        ward_order=settings.area.wards,
        day=now.astimezone(settings.tz).date(),
        max_calls_30d=settings.callouts.max_calls_per_30_days,
        now=now,
        exclude_callout_id=exclude,
        tz=settings.tz,
        skip_booked=wave == 1,
        clubs=clubs,
        wards_only=wards_only,
    )


def criteria_of(
    need: Need, settings: Settings, rules: Rules, *, now: datetime, club_members: bool = False
) -> Criteria:
    """The criteria of a call-out not created yet (the preview, and the check before sending);
    `club_members`: only the members of its clubs first (the preview's count of them)."""
    return criteria(
        settings,
        rules,
        groups=need.groups,
        component=need.component,
        wards=need.wards,
        now=now,
        donor_groups=need.donor_groups,
        clubs=need.clubs if club_members else None,
        wards_only=need.wards_only,
    )


async def clubs_offered(session: AsyncSession, *, scope: Scope, actor: str) -> list[clubs.Listed]:
    """The clubs a call-out of this scope may ask first: those the scope covers that have members."""
    return [c for c in await clubs.listed(session, scope=scope, actor=actor) if c.members]


async def every_club(session: AsyncSession, *, scope: Scope, actor: str) -> list[int]:
    """ "All clubs first": `[]` (every club) across the area; for a ward organiser, the clubs they look
    after (`clubs_offered`)."""
    if scope.kind is ScopeKind.AREA:
        return []
    return [c.club.id for c in await clubs_offered(session, scope=scope, actor=actor)]


def wider_groups(
    settings: Settings, groups: Sequence[str], component: str, asked: Sequence[str]
) -> list[str]:
    """Compatible donor groups not asked yet (`domain.compatibility.widest_table`), in its order."""
    table = widest_table(settings.callouts.compatibility)
    extra: list[str] = []
    for code in groups:
        for group in donors_for(code, component=component, table=table):
            if group not in asked and group not in extra:
                extra.append(group)
    return extra


async def candidates(
    session: AsyncSession, crit: Criteria, *, rules: Rules, wave: int, limit: int
) -> list[Candidate]:
    """The donors to message in `wave`: matched in SQL, each then decided on their facts
    (`domain.decision.may_call`), the way every other eligibility decision is made."""
    found: list[Candidate] = []
    turned_down: set[int] = set()
    kind = KINDS.get(crit.component, DonationKind.WHOLE_BLOOD)
    for _ in range(MATCH_ROUNDS):
        batch = await callout_matching.match(
            session,
            crit,
            limit=limit - len(found),
            offset_donor_ids=turned_down | {c.donor_id for c in found},
        )
        if not batch:
            break
        facts = await donor_facts.facts_by_id(session, [c.donor_id for c in batch], now=crit.now, tz=crit.tz)
        for candidate in batch:
            known = facts.get(candidate.donor_id)
            decision = decide(known, on=crit.day, rules=rules, kind=kind) if known else None
            if decision is not None and may_call(decision, today=crit.day, wave=wave):
                found.append(candidate)
            else:
                turned_down.add(candidate.donor_id)
        if len(found) >= limit:
            break
    return found
