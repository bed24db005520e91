"""Blood drives for citizens: /lichhien, a session's free time slots, sign-up.

Eligibility comes first: /lichhien marks each session a registered donor cannot book with why (the
rules on that day, the kept "again from" date, another booking or an accepted call-out inside the
interval), a session's page says so instead of offering its slots, and a slot pressed anyway is refused
the same way — all through `domain.decision.decide`. A session for a sector (`audience`) is listed and
bookable only for donors of that organisation type. Sessions and slots that have ended, in the configured
time zone, are neither listed nor bookable. The confirmation carries a calendar file and a check-in QR
code. Someone not registered yet is taken through registration first and then back to the session they
chose. Deep link: t.me/<bot>?start=drive_<id>. The donor's own sign-ups (/lichcuatoi, changing the time,
cancelling) are in handlers/my_signups.py.
"""

from __future__ import annotations

from datetime import date, time

from core import buttons
from domain.decision import Decision, DonorFacts, Source, decide
from domain.eligibility import Verdict
from domain.organisations import admits, audiences_for
from domain.slots import has_ended
from handlers import organiser_drives, registration, verdicts
from handlers.context import Context
from handlers.messages import Choice
from models import drive_days, outbox, signups
from models.drive_days import DriveDayView
from models.signups import TakeRefusal
from models.tables import Signup
from services import tickets

LIST_LIMIT = 8
LATER_LIMIT = 5
BLOCKED = "⛔ "


def hhmm(at: time) -> str:
    """A time as shown to people: 07:30."""
    return at.strftime("%H:%M")


def audience(ctx: Context, name: str) -> str:
    """ "Ngành giáo dục" for a session restricted to the education sector; the raw name otherwise."""
    key = f"drive_audience_{name}"
    return ctx.t(key) if ctx.t.has(key) else name


def describe(ctx: Context, view: DriveDayView) -> str:
    """One session in a few lines: day, hours, place, ward, free places."""
    return ctx.t(
        "drive_line",
        day=ctx.t.day(view.day),
        start=hhmm(view.start_time),
        end=hhmm(view.end_time),
        place=view.place_name,
        where=view.ward or audience(ctx, view.audience),
        free=view.free,
    )


def _organisation_type(ctx: Context) -> str | None:
    return ctx.donor.organisation_type if ctx.donor is not None else None


def ended(ctx: Context, view: DriveDayView) -> bool:
    """The session is over, in the configured time zone: no longer listed, booked or changed."""
    return has_ended(view.day, view.end_time, now=ctx.now(), tz=ctx.settings.tz)


def _decision(ctx: Context, facts: DonorFacts, view: DriveDayView) -> Decision:
    """The donor on the session's day; their own booking of this session is not a clash with itself."""
    return decide(facts, on=view.day, rules=ctx.knowledge.rules, drive_day_id=view.id)


def _booked_here(facts: DonorFacts | None, view: DriveDayView) -> bool:
    return facts is not None and any(
        p.source is Source.BOOKING and p.drive_day_id == view.id for p in facts.planned
    )


def _mark(ctx: Context, facts: DonorFacts | None, view: DriveDayView) -> tuple[str, bool] | None:
    """Why the person cannot book this session (the text, True) or that they already did (False)."""
    if _booked_here(facts, view):
        return ctx.t("drive_mark_booked_here"), False
    if facts is not None and not admits(view.audience, _organisation_type(ctx)):
        return ctx.t("drive_mark_sector", audience=audience(ctx, view.audience)), True
    if facts is None:
        return None
    decision = _decision(ctx, facts, view)
    if decision.may_book:
        return None
    return why_not(ctx, decision), True


def why_not(ctx: Context, decision: Decision) -> str:
    """The one-line reason a donor cannot book on `decision.on`: the rules first, then the plans."""
    assessment = decision.assessment
    if assessment.verdict is Verdict.NOT_ELIGIBLE:
        return ctx.t("drive_mark_not_eligible")
    if not decision.eligible:
        if assessment.from_date is not None:
            return ctx.t("drive_mark_from", date=ctx.t.date(assessment.from_date))
        return ctx.t("drive_mark_not_yet")
    first = decision.clashes[0]
    key = "drive_mark_booked" if first.source is Source.BOOKING else "drive_mark_callout"
    return ctx.t(key, date=ctx.t.date(first.day))


async def _audiences(ctx: Context) -> tuple[str, ...] | None:
    """The audiences listed: organisers see every session (they manage them), others open ones and their
    own sector's."""
    if await ctx.is_organiser():
        return None
    return audiences_for(_organisation_type(ctx))


async def list_drive_days(ctx: Context, _args: str = "") -> None:
    """/lichhien: sessions still to come, the person's own ward first, each marked when they cannot book."""
    ward = ctx.donor.ward if ctx.donor is not None else None
    views = await drive_days.upcoming_drive_days(
        ctx.session,
        now=ctx.now(),
        tz=ctx.settings.tz,
        ward=ward,
        audiences=await _audiences(ctx),
        limit=LIST_LIMIT,
    )
    if not views:
        ctx.say("drives_none", hotline=ctx.settings.bot.hotline)
        return
    facts = await verdicts.facts(ctx)
    rows: list[list[Choice]] = []
    lines: list[str] = []
    blocked_any = False
    for view in views:
        mark = _mark(ctx, facts, view)
        blocked = mark is not None and mark[1]
        blocked_any |= blocked
        label = ctx.t("drive_button", day=ctx.t.date(view.day), place=view.place_name)
        rows.append([Choice((BLOCKED if blocked else "") + label, f"drive:{view.id}")])
        lines.append(describe(ctx, view) + (f"\n{mark[0]}" if mark else ""))
    text = ctx.t("drives_list", lines="\n\n".join(lines))
    if blocked_any:
        text += "\n\n" + ctx.t("drives_marked_note")
    ctx.say_text(text, choices=rows)


def bookable(ctx: Context, view: DriveDayView | None) -> bool:
    """Whether the session takes sign-ups; otherwise says why (cancelled, over, unknown).

    Its buttons are on lists, on posters' deep links and on invitations pressed days later.
    """
    if view is None:
        ctx.say("drive_not_available")
    elif view.status != "scheduled":
        ctx.say("drive_cancelled", day=ctx.t.date(view.day), place=view.place_name)
    elif ended(ctx, view):
        ctx.say("drive_past", day=ctx.t.date(view.day), place=view.place_name)
    else:
        return True
    return False


def _details(ctx: Context, view: DriveDayView) -> str:
    details = ctx.t(
        "drive_details",
        campaign=view.campaign_name,
        day=ctx.t.day(view.day),
        start=hhmm(view.start_time),
        end=hhmm(view.end_time),
        place=view.place_name,
        address=view.address,  # none on record: the line is left out
        free=view.free,
    )
    if view.audience != "open":
        details += "\n" + ctx.t("drive_for_sector", audience=audience(ctx, view.audience))
    if view.map_url:
        details += "\n" + ctx.t("drive_map", url=view.map_url)
    return details


async def refuse(ctx: Context, facts: DonorFacts, decision: Decision) -> None:
    """Why the donor cannot book that day, and the sessions they can book later, if any."""
    if decision.eligible:  # only their other plans stand in the way
        ctx.say("drive_planned_that_day", day=ctx.t.date(decision.on))
        ctx.say_text(verdicts.render_reasons(ctx, decision.clash_reasons))
        if any(p.source is Source.BOOKING for p in decision.clashes):
            ctx.say("booking_change_hint")
    else:
        ctx.say("drive_not_eligible_that_day", day=ctx.t.date(decision.on))
        ctx.say_text(verdicts.render_decision(ctx, decision))
    if decision.earliest is not None:
        await offer_later(ctx, facts, decision.earliest)


async def on_drive(ctx: Context, pressed: buttons.Drive) -> None:
    """`drive:{id}`: a session from a list, an invitation or the deep link kept through registration."""
    await show_drive_day(ctx, pressed.drive_id)


async def show_drive_day(ctx: Context, drive_day_id: int | None) -> None:
    """A session's details and, when the person may book it, its time slots still open as buttons
    (None: an id that was not one, which reads "not available")."""
    view = await drive_days.drive_day_view(ctx.session, drive_day_id) if drive_day_id is not None else None
    if not bookable(ctx, view):
        return
    assert view is not None
    details = _details(ctx, view)
    staff = await organiser_drives.staff_rows(ctx, view.id, ward=view.ward)
    facts = await verdicts.facts(ctx)
    if facts is not None:
        if _booked_here(facts, view):
            ctx.say_text(details, choices=staff)
            ctx.say("drive_already_signed_up")
            return
        if not admits(view.audience, _organisation_type(ctx)):
            ctx.say_text(details, choices=staff)
            ctx.say("drive_not_for_you", audience=audience(ctx, view.audience))
            return
        decision = _decision(ctx, facts, view)
        if not decision.may_book:
            ctx.say_text(details, choices=staff)
            await refuse(ctx, facts, decision)
            return
    slots = await signups.free_slots(ctx.session, view.id, open_at=(ctx.now(), ctx.settings.tz))
    if not slots:
        ctx.say_text(details, choices=staff)
        ctx.say("drive_full")
        return
    choices = [
        Choice(ctx.t("slot_button", start=hhmm(s.start), free=s.free), buttons.Slot(view.id, s.start).pack())
        for s in slots
    ]
    rows = [choices[i : i + 3] for i in range(0, len(choices), 3)]
    ctx.say_text(details + "\n\n" + ctx.t("drive_pick_slot"), choices=rows + staff)


async def on_slot(ctx: Context, pressed: buttons.Slot) -> None:
    """A time slot was chosen: checks the donor may book that day, then takes the place."""
    drive_day_id, slot = pressed.drive_id, pressed.at
    view = await drive_days.drive_day_view(ctx.session, drive_day_id)
    if not bookable(ctx, view):
        return
    assert view is not None
    donor = ctx.donor
    if donor is None:
        ctx.say("drive_register_first")
        await registration.start(ctx, f"drive_{drive_day_id}")
        return
    if not admits(view.audience, donor.organisation_type):
        ctx.say("drive_not_for_you", audience=audience(ctx, view.audience))
        return
    facts = await verdicts.facts(ctx)
    assert facts is not None
    if not _booked_here(facts, view):  # else take_slot says it is booked already
        decision = _decision(ctx, facts, view)
        if not decision.may_book:
            await refuse(ctx, facts, decision)
            return
    result = await signups.take_slot(
        ctx.session,
        drive_day_id=view.id,
        donor_id=donor.id,
        slot_start=slot,
        now=ctx.now(),
        tz=ctx.settings.tz,
    )
    if isinstance(result, Signup):
        await forget_invitations(ctx, view, donor.id)
        confirm(ctx, view, result)
    elif result is TakeRefusal.FULL:
        ctx.press_refused = True  # the other slots on the pressed message are still good
        ctx.say("slot_full")
        await show_drive_day(ctx, view.id)
    elif result is TakeRefusal.PAST:
        ctx.press_refused = True
        ctx.say("slot_over")
        await show_drive_day(ctx, view.id)
    elif result is TakeRefusal.ALREADY:
        ctx.say("drive_already_signed_up")
    elif result is TakeRefusal.SESSION_FULL:
        ctx.say("drive_full")
    elif result is TakeRefusal.NOT_FOR_YOU:
        ctx.say("drive_not_for_you", audience=audience(ctx, view.audience))
    else:
        ctx.say("drive_not_available")


async def offer_later(ctx: Context, facts: DonorFacts, from_date: date) -> None:
    """Sessions on or after `from_date` with a free place that the donor may book."""
    views = await drive_days.upcoming_drive_days(
        ctx.session,
        now=ctx.now(),
        tz=ctx.settings.tz,
        ward=ctx.donor.ward if ctx.donor else None,
        audiences=audiences_for(_organisation_type(ctx)),
        limit=50,
    )
    later = [v for v in views if v.day >= from_date and v.free > 0 and _decision(ctx, facts, v).may_book][
        :LATER_LIMIT
    ]
    if not later:
        return
    rows = [
        [Choice(ctx.t("drive_button", day=ctx.t.date(v.day), place=v.place_name), buttons.Drive(v.id).pack())]
        for v in later
    ]
    ctx.say("drive_later_sessions", choices=rows)


async def forget_invitations(ctx: Context, view: DriveDayView, donor_id: int) -> None:
    """The donor booked: an invitation to this round or an "eligible again" nudge still waiting is moot."""
    await outbox.forget_waiting(ctx.session, key_prefix=f"ward:{view.campaign_id}:{view.round}:{donor_id}:")
    await outbox.forget_waiting(ctx.session, key_prefix=f"nudge:{donor_id}:")


def confirm(ctx: Context, view: DriveDayView, signup: Signup) -> None:
    """The confirmation: the place and time, a calendar file, and the check-in QR code."""
    assert signup.code is not None  # only an erased donor's sign-up has none
    ctx.say(
        "drive_signed_up",
        day=ctx.t.day(view.day),
        start=hhmm(signup.slot_start),
        place=view.place_name,
        address=view.address,  # none on record: the line is left out
        code=signup.code,
    )
    ctx.say(
        "drive_ics_caption",
        attachment=tickets.signup_ics(ctx.t, view, signup, tz=ctx.settings.tz, now=ctx.now()),
    )
    ctx.say(
        "drive_qr_caption",
        code=signup.code,
        attachment=tickets.qr_png(
            tickets.checkin_link(ctx.bot_username, signup.code),
            filename=f"checkin-{signup.code}.png",
            alt=ctx.t("drive_qr_alt", code=signup.code),
        ),
    )
