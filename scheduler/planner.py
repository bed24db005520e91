"""Planning scheduled pushes into the outbox: reminders, ward invitations, "eligible again" nudges and the
follow-up after a donation. Nothing here sends; the delivery loop does (scheduler/delivery.py). This is the
policy (what to queue, when, in which words); the rows it considers come from `models.planning`, and every
eligibility question goes to `domain.decision` with the facts of `models.donor_facts`.

Every planner takes `(session, *, catalogs, settings, rules, now)`, never commits (the caller's transaction
does), renders each text in the donor's language, and returns how many outbox rows were new. Keys make
planning idempotent: running a planner twice, or on two instances at once, queues nothing twice.

Just in time. A push is queued when it is due within the look-ahead (two planning intervals), not weeks
ahead. So a sign-up cancelled, a slot changed or a session moved before the reminder's time is simply seen
as it is then. What is already queued when such a change happens is forgotten by the change itself
(`models.outbox.forget_waiting`: a new time, a cancelled sign-up, a cancelled or moved session, a donor who
books after an invitation), and planned again here if it still applies, so no queued text goes stale.
The cost: a reminder already sent is not sent again for the same offset after a session moves (the move
notice told the donor).

Reminders carry Change time / Cancel buttons and ward invitations a Book button (the session's slots):
the buttons of `handlers.my_signups` and `handlers.drives`, which check the sign-up and the session
when pressed, days later too.

Time rules (all local times in `[bot] timezone`, stored and compared in UTC):

* Quiet hours (`[reminders] quiet_start`–`quiet_end`): a push due in them waits for their end
  (`domain.quiet`). The one exception: a session reminder configured on the session's own day that waiting
  would push to or past the start is sent at its own time (06:30 for a 07:00 session: the donor is getting
  up for it; after the start it would be useless). Any other reminder that quiet hours would push to the
  start is not planned (22:00 the evening before a 07:00 session).
* Downtime: a push whose time passed while the bot was down is due now (then shifted out of quiet hours)
  if it is still useful: a session reminder before its session starts, a ward invitation before its
  session starts, a nudge up to `NUDGE_CATCH_UP_DAYS` after the day, a follow-up within a day.
* Of the session reminders, each expires when the next one is due (the last one when the session
  starts); a reminder that would not come before the next one is not planned, nor one that comes late or
  was moved by the quiet hours to less than `MOVED_GAP` before the next: after downtime the donor gets the
  latest still-useful reminder once, never a pile of stale ones. A reminder whose time had passed when the
  donor signed up is not theirs: booking the evening before brings no catch-up, only the morning one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from core import buttons
from core.config import Settings
from core.i18n import Catalogs, Translator
from domain.decision import decide, eligible_again_on
from domain.followup import FEELINGS
from domain.rules import Rules
from models import donor_facts, outbox, planning
from models.tables import DriveDay
from services.quiet import quiet_shift

__all__ = [
    "NUDGE_CATCH_UP_DAYS",
    "PLANNERS",
    "PlannedReminder",
    "Planner",
    "lookahead",
    "plan_drive_day_reminders",
    "plan_eligible_again_nudges",
    "plan_followups",
    "plan_ward_reminders",
    "reminder_schedule",
]

MOVED_GAP: Final = timedelta(hours=3)
"""A session reminder that comes late (downtime) or later than configured (quiet hours) is dropped when the
next reminder follows within this time: two reminders in quick succession would be one too many."""

NUDGE_CATCH_UP_DAYS: Final = 7
"""A nudge missed (bot down, or the feature just switched on) is still sent this many days later, no more:
switching the bot on must not message everyone who could have given blood any time in the past years."""

FOLLOWUP_VALID: Final = timedelta(days=1)
"""A follow-up not sent within a day of its time is dropped: "how do you feel?" days later is odd."""


# --------------------------------------------------------------------------------------------- time


def local_at(day: date, at: time, settings: Settings) -> datetime:
    """`day` at wall-clock `at` in the configured zone, as an aware datetime (compare it in UTC)."""
    return datetime.combine(day, at, tzinfo=settings.tz)


def local_date(when: datetime, settings: Settings) -> date:
    return when.astimezone(settings.tz).date()


def lookahead(settings: Settings) -> timedelta:
    """How far ahead a planning run queues pushes: two planning intervals, so a run that is a little late
    still queues a push before its time and the delivery loop sends it on the minute."""
    return timedelta(minutes=2 * settings.reminders.plan_every_minutes)


def _catch_up(due: datetime, now: datetime, settings: Settings) -> datetime:
    """A due time already past is due now; either way, out of quiet hours."""
    return quiet_shift(max(due, now), settings)


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder of a session: which offset (its index in `[reminders] offsets`), when, until when."""

    offset_index: int
    due_at: datetime
    expires_at: datetime


def reminder_schedule(
    *, day: date, start_time: time, settings: Settings, now: datetime, since: datetime | None = None
) -> list[PlannedReminder]:
    """The session reminders still to send for a session on `day` starting at `start_time` (local), as of
    `now`, in time order. Pure; see the module doc for the rules.

    `since` is when the donor signed up: a reminder whose time had already passed then is not for them
    (the sign-up confirmation said it all), so someone booking the evening before gets no catch-up.
    """
    start = local_at(day, start_time, settings)
    candidates: list[tuple[datetime, int, datetime]] = []  # (configured time, offset index, due)
    for index, offset in enumerate(settings.reminders.offsets):
        configured = local_at(day - timedelta(days=offset.days_before), offset.at, settings)
        if since is not None and configured <= since:
            continue
        wanted = max(configured, now)
        if wanted >= start:
            continue
        shifted = quiet_shift(wanted, settings)
        if shifted < start:
            due = shifted
        elif local_date(configured, settings) == day:
            due = wanted  # the session's morning: sent at its own time despite quiet hours
        else:
            continue
        candidates.append((configured, index, due))
    candidates.sort()
    kept: list[tuple[int, datetime]] = []
    for position, (configured, index, due) in enumerate(candidates):
        later = [d for _, _, d in candidates[position + 1 :]]
        if later and due >= min(later):
            continue  # a later reminder comes as soon or sooner and says the same, closer to the day
        if later and due != configured and min(later) - due < MOVED_GAP:
            continue  # late or pushed by the quiet hours to just before the next one: one is enough
        kept.append((index, due))
    planned = []
    for position, (index, due) in enumerate(kept):
        expires = kept[position + 1][1] if position + 1 < len(kept) else start
        planned.append(PlannedReminder(index, due.astimezone(now.tzinfo), expires.astimezone(now.tzinfo)))
    return planned


def _when(t: Translator, day: date, due: datetime, settings: Settings) -> str:
    days = (day - local_date(due, settings)).days
    if days <= 0:
        return t("reminder_when_today")
    if days == 1:
        return t("reminder_when_tomorrow")
    return t("reminder_when_days", count=days)


# --------------------------------------------------------------------------------------------- planners


async def plan_drive_day_reminders(
    session: AsyncSession, *, catalogs: Catalogs, settings: Settings, rules: Rules, now: datetime
) -> int:
    """Reminders to donors with an active sign-up for an upcoming session (key
    `reminder:{session_id}:{donor_id}:{offset_index}`), due within the look-ahead. Also cancels the waiting
    reminders of cancelled sessions and of sign-ups no longer active."""
    del rules
    today = local_date(now, settings)
    horizon = now + lookahead(settings)
    furthest = max((o.days_before for o in settings.reminders.offsets), default=0) + 1
    created = 0
    for drive in await planning.drive_days_between(session, today, today + timedelta(furthest)):
        if drive.status != planning.SCHEDULED:
            await outbox.cancel(session, key_prefix=f"reminder:{drive.id}:")
            continue
        for signup, donor in await planning.signups_with_donors(session, drive.id):
            if signup.status != "active" or not donor.reminders_enabled:
                await outbox.cancel(session, key_prefix=f"reminder:{drive.id}:{donor.id}:")
                continue
            schedule = reminder_schedule(
                day=drive.day,
                start_time=drive.start_time,
                settings=settings,
                now=now,
                since=signup.created_at,
            )
            t = catalogs.get(donor.language)
            for planned in (p for p in schedule if p.due_at <= horizon):
                text = t(
                    "reminder_session",
                    when=_when(t, drive.day, planned.due_at, settings),
                    day=t.day(drive.day),
                    slot=signup.slot_start.strftime("%H:%M"),
                    place=drive.place_name,
                    address=drive.address,  # no address on record: the line is left out
                    code=signup.code,
                )
                created += await outbox.enqueue_for_donor(
                    session,
                    donor_id=donor.id,
                    key=f"reminder:{drive.id}:{donor.id}:{planned.offset_index}",
                    kind="reminder",
                    text=text,
                    choices=signup_choices(t, signup.id),
                    due_at=planned.due_at,
                    expires_at=planned.expires_at,
                )
    return created


async def plan_ward_reminders(
    session: AsyncSession, *, catalogs: Catalogs, settings: Settings, rules: Rules, now: datetime
) -> int:
    """Invites the donors of a session's ward who have not signed up for its round (key
    `ward:{campaign_id}:{round}:{donor_id}`): `ward_reminder_days_before` days before the session, once per
    campaign round (for the round's first session in their ward still to come), only donors the rules
    would let donate that day, with reminders on and a reachable chat. Sessions for a sector only
    (audience other than "open") are not announced to a whole ward."""
    r = settings.reminders
    today = local_date(now, settings)
    horizon = now + lookahead(settings)
    sessions = await planning.open_ward_drive_days(
        session, today, today + timedelta(days=r.ward_reminder_days_before + 1)
    )
    firsts: dict[tuple[int, int, str], tuple[DriveDay, datetime, datetime]] = {}
    for drive in sessions:
        start = local_at(drive.day, drive.start_time, settings)
        if start <= now or drive.ward is None:
            continue
        configured = local_at(
            drive.day - timedelta(days=r.ward_reminder_days_before), r.ward_reminder_at, settings
        )
        due = _catch_up(configured, now, settings)
        group = (drive.campaign_id, drive.round, drive.ward)
        if group not in firsts and due < start:
            firsts[group] = (drive, due, start)
    created = 0
    for (campaign_id, round_, ward), (drive, due, start) in sorted(firsts.items(), key=lambda i: i[1][1]):
        if due > horizon:
            continue
        batch = f"ward:{campaign_id}:{round_}"
        donors = await planning.ward_donors_to_invite(
            session, campaign_id=campaign_id, round_=round_, ward=ward, batch=batch
        )
        facts = await donor_facts.donor_facts(session, donors, now=now, tz=settings.tz)
        for donor in donors:
            # the rules, the kept date and the donor's other plans, on the session's day
            if not decide(facts[donor.id], on=drive.day, rules=rules, drive_day_id=drive.id).may_book:
                continue
            t = catalogs.get(donor.language)
            text = t(
                "reminder_ward_invite",
                ward=ward,
                day=t.day(drive.day),
                start=drive.start_time.strftime("%H:%M"),
                end=drive.end_time.strftime("%H:%M"),
                place=drive.place_name,
                address=drive.address,  # no address on record: the line is left out
            )
            created += await outbox.enqueue_for_donor(
                session,
                donor_id=donor.id,
                key=f"ward:{campaign_id}:{round_}:{donor.id}",
                kind="announcement",
                text=text,
                choices=[[(t("button_book_slot"), buttons.Drive(drive.id).pack())]],
                due_at=due,
                expires_at=start,
                batch=batch,
            )
    return created


async def plan_eligible_again_nudges(
    session: AsyncSession, *, catalogs: Catalogs, settings: Settings, rules: Rules, now: datetime
) -> int:
    """ "You can give again" on the day a donor becomes eligible again, at `nudge_at` (key
    `nudge:{donor_id}:{date}`: one per eligible date). Not to donors already signed up for a session to
    come, nor to those the rules would refuse that day (the age limit, say)."""
    r = settings.reminders
    today = local_date(now, settings)
    horizon = now + lookahead(settings)
    earliest = today - timedelta(days=NUDGE_CATCH_UP_DAYS)
    latest = today + timedelta(days=1)
    weeks = [interval.weeks for interval in rules.intervals.values()]
    donors = await planning.nudge_candidates(
        session,
        today=today,
        earliest=earliest,
        latest=latest,
        last_from=earliest - timedelta(weeks=max(weeks)),
        last_until=latest - timedelta(weeks=min(weeks)),
    )
    facts = await donor_facts.donor_facts(session, donors, now=now, tz=settings.tz)
    created = 0
    for donor in donors:
        on = eligible_again_on(facts[donor.id], rules)
        if on is None or not earliest <= on <= latest:
            continue
        due = _catch_up(local_at(on, r.nudge_at, settings), now, settings)
        if due > horizon or not decide(facts[donor.id], on=on, rules=rules).may_book:
            continue
        t = catalogs.get(donor.language)
        created += await outbox.enqueue_for_donor(
            session,
            donor_id=donor.id,
            key=f"nudge:{donor.id}:{on.isoformat()}",
            kind="nudge",
            text=t("reminder_eligible_again", name=donor.full_name, date=t.date(on)),
            due_at=due,
            expires_at=local_at(on + timedelta(days=NUDGE_CATCH_UP_DAYS + 1), time(0, 0), settings),
        )
    return created


def signup_choices(t: Translator, signup_id: int) -> list[list[tuple[str, str]]]:
    """A reminder's buttons: the same Change time / Cancel as under /lichcuatoi (`handlers.my_signups`), which
    check the sign-up and its session when pressed, however much later."""
    return [
        [
            (t("button_change_slot"), buttons.MoveSignup(signup_id).pack()),
            (t("button_cancel_signup"), buttons.CancelSignup(signup_id).pack()),
        ]
    ]


def followup_choices(t: Translator, signup_id: int) -> list[list[tuple[str, str]]]:
    row = [(t(f"feel_button_{answer}"), buttons.Feeling(signup_id, answer).pack()) for answer in FEELINGS]
    return [row[:2], row[2:]]


async def plan_followups(
    session: AsyncSession, *, catalogs: Catalogs, settings: Settings, rules: Rules, now: datetime
) -> int:
    """ "How do you feel?" `followup_days_after` days after a recorded donation, at `followup_at`, with the
    buttons fine / dizzy / bruise / other (key `followup:{signup_id}`). It is part of the care after a
    donation, like the thank-you, so it does not depend on the reminders switch."""
    del rules
    r = settings.reminders
    today = local_date(now, settings)
    horizon = now + lookahead(settings)
    first_day = today - timedelta(days=r.followup_days_after + 1)
    last_day = today - timedelta(days=r.followup_days_after - 1)
    # The day of the donation, not the session's planned day (planning.donations_to_follow_up).
    rows = await planning.donations_to_follow_up(session, first_day=first_day, last_day=last_day)
    created = 0
    for signup, drive, donor, donated_on in rows:
        configured = local_at(donated_on + timedelta(days=r.followup_days_after), r.followup_at, settings)
        expires = configured + FOLLOWUP_VALID
        due = _catch_up(configured, now, settings)
        if due > horizon or due >= expires:
            continue
        t = catalogs.get(donor.language)
        created += await outbox.enqueue_for_donor(
            session,
            donor_id=donor.id,
            key=f"followup:{signup.id}",
            kind="followup",
            text=t("followup_ask", name=donor.full_name, date=t.date(donated_on), place=drive.place_name),
            choices=followup_choices(t, signup.id),
            due_at=due,
            expires_at=expires,
        )
    return created


class Planner(Protocol):
    async def __call__(
        self, session: AsyncSession, *, catalogs: Catalogs, settings: Settings, rules: Rules, now: datetime
    ) -> int: ...


PLANNERS: Final[Sequence[tuple[str, Planner]]] = (
    ("session_reminders", plan_drive_day_reminders),
    ("ward_reminders", plan_ward_reminders),
    ("eligible_again_nudges", plan_eligible_again_nudges),
    ("followups", plan_followups),
)
"""Every planner by name, in the order a planning run calls them."""
