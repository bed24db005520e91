"""Blood drives for citizens: /lichhien, a session's free time slots, sign-up, /lichcuatoi.

A sign-up is checked against the eligibility rules for the session's date; the confirmation carries a
calendar file and a check-in QR code. Someone not registered yet is taken through registration first
and then back to the session they chose. Deep link: t.me/<bot>?start=drive_<id>.
"""

from __future__ import annotations

from datetime import time

from domain.eligibility import Verdict, assess
from domain.ids import parse_id, parse_int
from handlers import organiser_drives, registration, tickets, verdicts
from handlers.context import Context
from handlers.messages import Choice
from handlers.organiser import is_organiser
from models import drives
from models.drives import SessionView, TakeRefusal
from models.tables import Signup

LIST_LIMIT = 8


def _hhmm(at: time) -> str:
    return at.strftime("%H:%M")


def _code(at: time) -> str:
    return at.strftime("%H%M")


def _from_code(text: str) -> time | None:
    hour = parse_int(text[:2], minimum=0, maximum=23) if len(text) == 4 else None
    minute = parse_int(text[2:], minimum=0, maximum=59) if hour is not None else None
    return time(hour, minute) if hour is not None and minute is not None else None


def audience(ctx: Context, name: str) -> str:
    """ "Ngành giáo dục" for a session restricted to the education sector; the raw name otherwise."""
    key = f"drive_audience_{name}"
    return ctx.t(key) if ctx.t.has(key) else name


def describe(ctx: Context, view: SessionView) -> str:
    """One session in a few lines: day, hours, place, ward, free places."""
    return ctx.t(
        "drive_line",
        day=ctx.t.day(view.day),
        start=_hhmm(view.start_time),
        end=_hhmm(view.end_time),
        place=view.place_name,
        where=view.ward or audience(ctx, view.audience),
        free=view.free,
    )


async def list_sessions(ctx: Context, _args: str = "") -> None:
    """/lichhien: upcoming sessions, the person's own ward first."""
    ward = ctx.donor.ward if ctx.donor is not None else None
    views = await drives.upcoming_sessions(ctx.session, today=ctx.today(), ward=ward, limit=LIST_LIMIT)
    if not views:
        ctx.say("drives_none", hotline=ctx.settings.bot.hotline)
        return
    rows = [
        [Choice(ctx.t("drive_button", day=ctx.t.date(v.day), place=v.place_name), f"drive:{v.id}")]
        for v in views
    ]
    lines = "\n\n".join(describe(ctx, v) for v in views)
    ctx.say("drives_list", lines=lines, choices=rows)


async def show_session(ctx: Context, payload: str) -> None:
    """A session's details and its free time slots as buttons."""
    session_id = parse_id(payload)
    view = await drives.session_view(ctx.session, session_id) if session_id is not None else None
    if view is None or view.status != "scheduled" or view.day < ctx.today():
        ctx.say("drive_not_available")
        return
    slots = [s for s in await drives.free_slots(ctx.session, view.id) if s.free > 0]
    details = ctx.t(
        "drive_details",
        campaign=view.campaign_name,
        day=ctx.t.day(view.day),
        start=_hhmm(view.start_time),
        end=_hhmm(view.end_time),
        place=view.place_name,
        address=view.address,  # none on record: the line is left out
        free=view.free,
    )
    if view.map_url:
        details += "\n" + ctx.t("drive_map", url=view.map_url)
    staff = [organiser_drives.organiser_row(ctx, view.id)] if await is_organiser(ctx) else []
    if not slots:
        ctx.say_text(details, choices=staff)
        ctx.say("drive_full")
        return
    buttons = [
        Choice(ctx.t("slot_button", start=_hhmm(s.start), free=s.free), f"slot:{view.id}:{_code(s.start)}")
        for s in slots
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    ctx.say_text(details + "\n\n" + ctx.t("drive_pick_slot"), choices=rows + staff)


async def on_slot(ctx: Context, payload: str) -> None:
    """A time slot was chosen: checks eligibility for that day, then takes the place."""
    session_part, _, slot_part = payload.partition(":")
    session_id, slot = parse_id(session_part), _from_code(slot_part)
    if session_id is None or slot is None:
        ctx.say("error_button_expired")
        return
    view = await drives.session_view(ctx.session, session_id)
    if view is None or view.status != "scheduled" or view.day < ctx.today():
        ctx.say("drive_not_available")
        return
    donor = ctx.donor
    if donor is None:
        ctx.say("drive_register_first")
        await registration.start(ctx, f"drive_{session_id}")
        return
    person = await verdicts.person_from_profile(ctx)
    assessment = assess(person, on=view.day, rules=ctx.knowledge.rules)
    if assessment.verdict in (Verdict.NOT_YET, Verdict.NOT_ELIGIBLE):
        ctx.say("drive_not_eligible_that_day", day=ctx.t.date(view.day))
        ctx.say_text(verdicts.render(ctx, assessment))
        if assessment.from_date is not None:
            await offer_later(ctx, assessment.from_date)
        return
    result = await drives.take_slot(
        ctx.session,
        session_id=view.id,
        donor_id=donor.id,
        slot_start=slot,
        today=ctx.today(),
        now=ctx.now(),
    )
    if isinstance(result, Signup):
        confirm(ctx, view, result)
    elif result is TakeRefusal.FULL:
        ctx.press_refused = True  # the other slots on the pressed message are still good
        ctx.say("slot_full")
        await show_session(ctx, str(view.id))
    elif result is TakeRefusal.ALREADY:
        ctx.say("drive_already_signed_up")
    elif result is TakeRefusal.SESSION_FULL:
        ctx.say("drive_full")
    else:
        ctx.say("drive_not_available")


async def offer_later(ctx: Context, from_date: object) -> None:
    """Sessions on or after the day the person can donate again."""
    views = await drives.upcoming_sessions(
        ctx.session, today=ctx.today(), ward=ctx.donor.ward if ctx.donor else None, limit=50
    )
    later = [v for v in views if v.day >= from_date and v.free > 0][:5]  # type: ignore[operator]
    if not later:
        return
    rows = [
        [Choice(ctx.t("drive_button", day=ctx.t.date(v.day), place=v.place_name), f"drive:{v.id}")]
        for v in later
    ]
    ctx.say("drive_later_sessions", choices=rows)


def confirm(ctx: Context, view: SessionView, signup: Signup) -> None:
    """The confirmation: the place and time, a calendar file, and the check-in QR code."""
    tz = ctx.settings.tz
    start = tickets.local(view.day, signup.slot_start, tz)
    end = tickets.local(view.day, view.end_time, tz)
    ctx.say(
        "drive_signed_up",
        day=ctx.t.day(view.day),
        start=_hhmm(signup.slot_start),
        place=view.place_name,
        address=view.address,  # none on record: the line is left out
        code=signup.code,
    )
    ctx.say(
        "drive_ics_caption",
        attachment=tickets.ics(
            uid=f"signup-{signup.id}-{signup.code}@donorbot",
            summary=ctx.t("drive_ics_summary", campaign=view.campaign_name),
            location=", ".join(p for p in (view.place_name, view.address) if p),
            description=ctx.t("drive_ics_description", code=signup.code),
            start=start,
            end=end,
            stamp=ctx.now(),
        ),
    )
    ctx.say(
        "drive_qr_caption",
        code=signup.code,
        attachment=tickets.qr_png(
            tickets.checkin_link(ctx.bot_username, signup.code), filename=f"checkin-{signup.code}.png"
        ),
    )


async def my_signups(ctx: Context, _args: str = "", *, cancel_only: bool = False) -> None:
    """/lichcuatoi: my upcoming sign-ups, each with change and cancel buttons (only cancel ones when the
    person asked to cancel: "tôi muốn hủy lịch hẹn")."""
    donor = ctx.donor
    if donor is None:
        ctx.say("not_registered")
        return
    mine = await drives.my_signups(ctx.session, donor_id=donor.id, today=ctx.today())
    if not mine:
        ctx.say("my_signups_none")
        return
    if cancel_only:
        ctx.say("cancel_signup_pick")
    for signup, view in mine:
        text = ctx.t(
            "my_signup",
            day=ctx.t.day(view.day),
            start=_hhmm(signup.slot_start),
            place=view.place_name,
            code=signup.code,
        )
        if view.status != "scheduled":
            ctx.say_text(text + "\n" + ctx.t("my_signup_session_cancelled"))
            continue
        row = [ctx.choice("button_cancel_signup", f"mysu:cancel:{signup.id}")]
        if not cancel_only:
            row.insert(0, ctx.choice("button_change_slot", f"mysu:move:{signup.id}"))
        ctx.say_text(text, choices=[row])


async def on_my_signup(ctx: Context, payload: str) -> None:
    """Change or cancel buttons under /lichcuatoi."""
    action, _, signup_part = payload.partition(":")
    donor, signup_id = ctx.donor, parse_id(signup_part)
    if donor is None or signup_id is None:
        ctx.say("error_button_expired")
        return
    if action == "cancel":
        done = await drives.cancel_signup(ctx.session, signup_id=signup_id, donor_id=donor.id, now=ctx.now())
        ctx.say("signup_cancelled" if done else "error_button_expired")
        return
    mine = {
        s.id: (s, v) for s, v in await drives.my_signups(ctx.session, donor_id=donor.id, today=ctx.today())
    }
    if action != "move" or signup_id not in mine:
        ctx.say("error_button_expired")
        return
    signup, view = mine[signup_id]
    slots = [
        s
        for s in await drives.free_slots(ctx.session, view.id)
        if s.free > 0 and s.start != signup.slot_start
    ]
    if not slots:
        ctx.say("drive_full")
        return
    buttons = [Choice(_hhmm(s.start), f"mvslot:{signup.id}:{_code(s.start)}") for s in slots]
    ctx.say("ask_new_slot", choices=[buttons[i : i + 3] for i in range(0, len(buttons), 3)])


async def on_move_slot(ctx: Context, payload: str) -> None:
    signup_part, _, slot_part = payload.partition(":")
    signup_id, slot = parse_id(signup_part), _from_code(slot_part)
    donor = ctx.donor
    if donor is None or signup_id is None or slot is None:
        ctx.say("error_button_expired")
        return
    result = await drives.move_signup(
        ctx.session,
        signup_id=signup_id,
        donor_id=donor.id,
        slot_start=slot,
        today=ctx.today(),
        now=ctx.now(),
    )
    if isinstance(result, Signup):
        ctx.say("signup_moved", start=_hhmm(result.slot_start))
    elif result is TakeRefusal.FULL:
        ctx.press_refused = True  # the other slots on the pressed message are still good
        ctx.say("slot_full")
    else:
        ctx.say("error_button_expired")
