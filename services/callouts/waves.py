"""Creating a call-out and messaging its waves of reserve donors through the outbox.

Confirming the preview (or `donorbot callout create`) creates the call-out and queues the first wave;
the scheduler's job (:func:`advance`, every minute) queues the next one every `wave_interval_minutes`
until enough donors accept or the deadline passes, and expires the call-outs whose deadline passed.
Call-out messages go first in the outbox and, as configured, ignore quiet hours; each expires at the
deadline. A wave is sent once: the recipients are rows, and the keys name the call-out and the donor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.i18n import Catalogs
from domain.rules import Rules
from models import audit, callout_matching, callouts, outbox
from models.callout_criteria import Candidate, Criteria
from models.tables import Callout
from services.callouts.matching import candidates, criteria, criteria_of
from services.callouts.need import Need, group_list
from services.callouts.tally import push_tally
from services.quiet import quiet_shift


@dataclass(frozen=True)
class Launched:
    callout: Callout
    sent: int  # donors in the first wave


async def launch(
    session: AsyncSession,
    need: Need,
    *,
    created_by_account_id: int | None,
    tally_chat_id: str | None,
    actor: str,
    catalogs: Catalogs,
    settings: Settings,
    rules: Rules,
    now: datetime,
) -> Launched | None:
    """Creates the call-out (audited) and queues its first wave; None, and nothing created, when nobody
    matches (a preview pressed late or forged; a command line nobody matches)."""
    counts = await callout_matching.preview(session, criteria_of(need, settings, rules, now=now))
    matched = sum(counts.values())
    if matched == 0:
        return None
    callout = await callouts.create(
        session,
        created_by_account_id=created_by_account_id,
        groups=need.groups,
        component=need.component,
        units_needed=need.units,
        place=need.place,
        address=need.address,
        contact=need.contact,
        deadline=need.deadline,
        wards=need.wards or None,
        tally_chat_id=tally_chat_id,
        now=now,
        donor_groups=need.donor_groups,
        first_clubs=need.clubs,
        wards_only=need.wards_only,
    )
    details: dict[str, object] = {
        "groups": list(need.groups),
        "units": need.units,
        "component": need.component,
    }
    if need.clubs is not None:
        details["clubs_first"] = list(need.clubs) or "all"
    await audit.record(
        session,
        actor=actor,
        action="callout.create",
        target=f"callout:{callout.id}",
        details=details,
        now=now,
    )
    callout.matched = matched
    sent = await send_wave(session, callout, catalogs=catalogs, settings=settings, rules=rules, now=now)
    return Launched(callout, sent)


async def send_wave(
    session: AsyncSession,
    callout: Callout,
    *,
    catalogs: Catalogs,
    settings: Settings,
    rules: Rules,
    now: datetime,
) -> int:
    """Messages the next wave of matching donors who were not asked yet (`wave_candidates`: clubs first
    too); schedules the one after."""
    wave = callout.waves_sent + 1
    found = await wave_candidates(
        session,
        groups=list(callout.groups),
        component=callout.component,
        units=callout.units_needed,
        wards=list(callout.wards or []),
        donor_groups=callout.donor_groups,
        first_clubs=callout.first_clubs,
        wards_only=callout.wards_only,
        exclude=callout.id,
        wave=wave,
        settings=settings,
        rules=rules,
        now=now,
    )
    await callouts.add_recipients(session, callout.id, found, wave=wave, now=now)
    due = now if settings.reminders.callouts_ignore_quiet_hours else quiet_shift(now, settings)
    for candidate in found:
        t = catalogs.get(candidate.language)
        text = t(
            "callout_message",
            groups=group_list(callout.groups),
            component=t(f"callout_component_{callout.component}"),
            place=t("place_and_address", place=callout.place, address=callout.address)
            if callout.address
            else callout.place,
            deadline=callout.deadline.astimezone(settings.tz).strftime("%H:%M %d/%m"),
        )
        await outbox.enqueue(
            session,
            key=f"callout:{callout.id}:{candidate.donor_id}",
            account_id=candidate.account_id,
            to_donor_id=candidate.donor_id,  # their other chat gets it if they blocked the bot in this one
            kind="callout",
            text=text,
            about_donor_id=candidate.donor_id,
            choices=[
                [
                    (t("button_callout_yes"), f"co:{callout.id}:yes"),
                    (t("button_callout_no"), f"co:{callout.id}:no"),
                ]
            ],
            due_at=due,
            expires_at=callout.deadline,
        )
    callout.waves_sent = wave
    interval = timedelta(minutes=settings.callouts.wave_interval_minutes)
    callout.next_wave_at = now + interval if found and now + interval < callout.deadline else None
    return len(found)


async def wave_candidates(
    session: AsyncSession,
    *,
    groups: Sequence[str],
    component: str,
    units: int,
    wards: Sequence[str],
    donor_groups: Sequence[str] | None,
    first_clubs: Sequence[int] | None,
    wards_only: bool,
    exclude: int | None,
    wave: int,
    settings: Settings,
    rules: Rules,
    now: datetime,
) -> list[Candidate]:
    """The donors wave `wave` asks: `units` × `wave_factor` of the matching donors not asked yet.

    Clubs first (`first_clubs`): the first wave asks only the clubs' matching members — everyone, when
    none of them matches, rather than lose a wave's interval in an emergency; later waves ask the members
    not asked yet first, then everyone else. The same choice for a wave sent and for the preview's dry run
    of wave 1 (`preview`)."""
    limit = units * settings.callouts.wave_factor

    def crit(clubs: list[int] | None) -> Criteria:
        return criteria(
            settings,
            rules,
            groups=list(groups),
            component=component,
            wards=list(wards),
            now=now,
            exclude=exclude,
            donor_groups=donor_groups,
            wave=wave,
            clubs=clubs,
            wards_only=wards_only,
        )

    found: list[Candidate] = []
    if first_clubs is not None:
        found = await candidates(session, crit(list(first_clubs)), rules=rules, wave=wave, limit=limit)
    if wave > 1 or not found:
        taken = {c.donor_id for c in found}
        others = await candidates(
            session, crit(None), rules=rules, wave=wave, limit=limit - len(found) + len(taken)
        )
        found += [c for c in others if c.donor_id not in taken][: limit - len(found)]
    return found


@dataclass(frozen=True)
class Preview:
    """What a call-out not sent yet would do, with no one named: for /khancap's preview and the web's."""

    counts: dict[tuple[str, str | None], int]  # every matching reserve donor, by (group code, ward)
    members: int | None  # clubs first: the matching club members (None: not clubs first)
    first_wave: dict[str, int]  # whom wave 1 would ask, by group code (a dry run of `send_wave`'s choice)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def wave(self) -> int:
        return sum(self.first_wave.values())

    def by_group(self) -> dict[str, int]:
        """Every matching donor by group code, the most first."""
        groups: dict[str, int] = {}
        for (code, _), n in self.counts.items():
            groups[code] = groups.get(code, 0) + n
        return dict(sorted(groups.items(), key=lambda kv: (-kv[1], kv[0])))


async def preview(
    session: AsyncSession, need: Need, *, settings: Settings, rules: Rules, now: datetime
) -> Preview:
    """How many reserve donors match `need` (by group and ward), and whom its first wave would ask —
    counts only. `launch` sends nothing when `total` is 0."""
    counts = await callout_matching.preview(session, criteria_of(need, settings, rules, now=now))
    members = None
    if need.clubs is not None:
        counted = await callout_matching.preview(
            session, criteria_of(need, settings, rules, now=now, club_members=True)
        )
        members = sum(counted.values())
    first: dict[str, int] = {}
    if counts:
        for candidate in await wave_candidates(
            session,
            groups=need.groups,
            component=need.component,
            units=need.units,
            wards=need.wards,
            donor_groups=need.donor_groups,
            first_clubs=need.clubs,
            wards_only=need.wards_only,
            exclude=None,
            wave=1,
            settings=settings,
            rules=rules,
            now=now,
        ):
            first[candidate.blood] = first.get(candidate.blood, 0) + 1
    return Preview(counts, members, first)


async def advance(
    session: AsyncSession, *, catalogs: Catalogs, settings: Settings, rules: Rules, now: datetime
) -> int:
    """The periodic job: next waves for unfilled call-outs, and expiry at the deadline (the messages
    still waiting are withdrawn). Returns how many donors the new waves message."""
    sent = 0
    for callout in await callouts.due_waves(session, now=now):
        sent += await send_wave(session, callout, catalogs=catalogs, settings=settings, rules=rules, now=now)
        await push_tally(session, callout, catalogs=catalogs, settings=settings, now=now)
    for callout_id in await callouts.expire(session, now=now):
        await outbox.cancel(session, key_prefix=f"callout:{callout_id}:")
    return sent
