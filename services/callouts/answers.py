"""A reserve donor's answer to a call-out, and what it sets in motion.

Only a button or a clear "yes" accepts ("I'll try" does not: :func:`typed_answer`). The acceptance that
reaches the units needed fills the call-out: the messages still waiting are withdrawn and the organiser
hears it. A donor who accepted can withdraw; if that un-fills it, the call-out calls again and the
organiser hears why. A donor who accepts while booked for a session the donation would make impossible
is told (the clashes are returned for the reply). Every answer refreshes the organiser's tally.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.i18n import Catalogs
from domain.choices import parse_callout_answer
from domain.decision import Planned, Source, decide
from domain.rules import DonationKind, Rules
from models import callouts, donor_facts, outbox
from models.tables import Callout, Donor
from services.callouts.matching import KINDS
from services.callouts.tally import push_tally


@dataclass(frozen=True)
class Answered:
    """What an answer did, for the reply to the donor (the pushes it needs are already queued)."""

    result: callouts.Answer
    callout: Callout | None
    withdrew: bool  # they had accepted before
    clashes: tuple[Planned, ...]  # bookings an accepted donation makes impossible
    pushed: bool  # outbox rows were queued: wake the delivery loop


async def typed_answer(session: AsyncSession, *, donor_id: int, text: str) -> tuple[int, bool] | None:
    """The call-out a typed clear yes/no answers (the latest one not answered), and the answer."""
    pending = await callouts.pending_for(session, donor_id=donor_id)
    if pending is None:
        return None
    answer = parse_callout_answer(text)
    if answer is None:
        return None
    return pending, answer


async def respond(
    session: AsyncSession,
    *,
    callout_id: int,
    donor: Donor,
    accepted: bool,
    catalogs: Catalogs,
    settings: Settings,
    rules: Rules,
    now: datetime,
) -> Answered:
    """Records the answer; on filling, reopening or any change, tells the organiser."""
    before = await callouts.recipient_status(session, callout_id=callout_id, donor_id=donor.id)
    prior = await session.get(Callout, callout_id)
    was_filled = prior is not None and prior.status == "filled"
    result = await callouts.answer(
        session, callout_id=callout_id, donor_id=donor.id, accepted=accepted, now=now
    )
    callout = await session.get(Callout, callout_id)
    clashes: tuple[Planned, ...] = ()
    pushed = False
    if result == "accepted" and callout is not None:
        clashes = await _booking_clashes(session, donor, callout, settings=settings, rules=rules, now=now)
        if callout.status == "filled" and before != "accepted":
            pushed |= await _filled(session, callout, donor.id, catalogs=catalogs, settings=settings, now=now)
    elif result == "declined" and callout is not None:
        withdrawal_unfilled = before == "accepted" and was_filled and callout.status == "open"
        if withdrawal_unfilled:
            pushed |= await _reopened(
                session, callout, donor.id, catalogs=catalogs, settings=settings, now=now
            )
    if result in ("accepted", "declined") and callout is not None:
        pushed |= await push_tally(session, callout, catalogs=catalogs, settings=settings, now=now)
    return Answered(result, callout, withdrew=before == "accepted", clashes=clashes, pushed=pushed)


async def _booking_clashes(
    session: AsyncSession, donor: Donor, callout: Callout, *, settings: Settings, rules: Rules, now: datetime
) -> tuple[Planned, ...]:
    """The donor's bookings for sessions that giving blood for this call-out today would make impossible."""
    facts = await donor_facts.facts_of(session, donor, now=now, tz=settings.tz)
    kind = KINDS.get(callout.component, DonationKind.WHOLE_BLOOD)
    decision = decide(facts, on=now.astimezone(settings.tz).date(), rules=rules, kind=kind)
    return tuple(p for p in decision.clashes if p.source is Source.BOOKING)


async def _reopened(
    session: AsyncSession,
    callout: Callout,
    donor_id: int,
    *,
    catalogs: Catalogs,
    settings: Settings,
    now: datetime,
) -> bool:
    """An accepted donor withdrew from a filled call-out: it calls again; the organiser hears why."""
    t = catalogs.get(settings.bot.default_language)
    key = f"callout-reopened:{callout.id}:{donor_id}:{int(now.timestamp())}"
    return await _tell_organiser(session, callout, key, t("callout_reopened_notice", id=callout.id), now=now)


async def _filled(
    session: AsyncSession,
    callout: Callout,
    donor_id: int,
    *,
    catalogs: Catalogs,
    settings: Settings,
    now: datetime,
) -> bool:
    """Enough donors accepted: stop the messages still waiting and tell the organiser (again, if it
    fills a second time after a withdrawal: the key names the donor whose answer filled it)."""
    await outbox.cancel(session, key_prefix=f"callout:{callout.id}:")
    t = catalogs.get(settings.bot.default_language)
    key = f"callout-filled:{callout.id}:{donor_id}:{int(now.timestamp())}"
    text = t("callout_filled_notice", id=callout.id, units=callout.units_needed)
    return await _tell_organiser(session, callout, key, text, now=now)


async def _tell_organiser(
    session: AsyncSession, callout: Callout, key: str, text: str, *, now: datetime
) -> bool:
    """A notice to the organiser who created the call-out in the chat (none for the CLI's); counts only,
    no name. Returns whether one was queued."""
    if callout.created_by_account_id is None:
        return False
    await outbox.enqueue(
        session,
        key=key,
        account_id=callout.created_by_account_id,
        kind="notice",
        text=text,
        about_donor_id=None,
        due_at=now,
    )
    return True
