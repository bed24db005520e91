"""Organisers manage drives from the chat: /taodot creates a session; buttons cancel or move one.

The role is checked on every step and every button, not only when the dialogue starts. Cancelling or
moving tells the donors signed up, through the outbox (services/drive_days.py).
"""

from __future__ import annotations

import re
from datetime import date, time
from enum import StrEnum

from domain import limits, plan_file
from domain.choices import match_option
from domain.dates import parse_date
from domain.ids import parse_id, parse_index, parse_int
from domain.slots import has_ended
from handlers.context import Context
from handlers.messages import Choice
from models import drive_day_changes, drive_days
from services import drive_days as drive_day_service

CREATE = "drive_create"
MOVE = "drive_move"
MAX_CAPACITY = 5000
_HOURS = re.compile(r"^\s*(\d{1,2})\s*[:h.]?\s*(\d{2})?\s*[-–—đến to]+\s*(\d{1,2})\s*[:h.]?\s*(\d{2})?\s*$")


class Step(StrEnum):
    CAMPAIGN = "campaign"
    DATE = "date"
    HOURS = "hours"
    PLACE = "place"
    WARD = "ward"
    CAPACITY = "capacity"
    CONFIRM = "confirm"


NEXT = {
    Step.CAMPAIGN: Step.DATE,
    Step.DATE: Step.HOURS,
    Step.HOURS: Step.PLACE,
    Step.PLACE: Step.WARD,
    Step.WARD: Step.CAPACITY,
    Step.CAPACITY: Step.CONFIRM,
}


def parse_hours(text: str) -> tuple[time, time] | None:
    """ "07:00-11:30", "7h-11h30", "7.00 – 11.30" → opening and closing time (closing after opening)."""
    m = _HOURS.match(text.casefold())
    if not m:
        return None
    h1, m1, h2, m2 = (int(g) if g else 0 for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        return None
    start, end = time(h1, m1), time(h2, m2)
    return (start, end) if end > start else None


async def start_create(ctx: Context, _args: str = "") -> None:
    """/taodot: asks which campaign the new session belongs to."""
    if not await ctx.is_organiser():
        ctx.say("organiser_only")
        return
    campaigns = await drive_days.list_campaigns(ctx.session)
    if not campaigns:
        ctx.say("create_no_campaign")
        return
    ctx.state.go(CREATE, Step.CAMPAIGN)
    await ask(ctx)


async def ask(ctx: Context) -> None:
    step = Step(ctx.state.step or Step.CAMPAIGN)
    if step is Step.CAMPAIGN:
        campaigns = await drive_days.list_campaigns(ctx.session)
        # ids, not keys: a key may have 64 characters, and Telegram takes at most 64 bytes of button data
        rows = [[Choice(f"{c.name} ({c.year})", f"cmp:{c.id}")] for c in campaigns]
        ctx.say("create_ask_campaign", choices=rows)
    elif step is Step.DATE:
        ctx.say("create_ask_date")
    elif step is Step.HOURS:
        ctx.say("create_ask_hours")
    elif step is Step.PLACE:
        ctx.say("create_ask_place")
    elif step is Step.WARD:
        wards = ctx.settings.area.wards
        buttons = [Choice(name, f"cward:{i}") for i, name in enumerate(wards)]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([ctx.choice("create_ward_none", "cward:none")])
        ctx.say("create_ask_ward", choices=rows)
    elif step is Step.CAPACITY:
        ctx.say("create_ask_capacity")
    else:
        d = ctx.state.data
        ctx.say(
            "create_summary",
            campaign=d["campaign"],
            day=ctx.t.day(date.fromisoformat(d["day"])),
            start=d["start"],
            end=d["end"],
            place=d["place"],
            ward=d.get("ward") or ctx.t("create_ward_none"),
            capacity=d["capacity"],
            choices=[[ctx.choice("button_confirm", "cnew:yes"), ctx.choice("button_cancel", "cnew:no")]],
        )


class CreateFlow:
    name = CREATE

    async def on_input(self, ctx: Context) -> None:
        """Stores one answer (after checking the role again) and asks the next question."""
        if not await ctx.is_organiser():
            ctx.state.clear()
            ctx.say("organiser_only")
            return
        step = Step(ctx.state.step or Step.CAMPAIGN)
        error = await read(ctx, step)
        if error == "":
            return  # finished
        if error:
            ctx.say_text(ctx.t(error, limit=limits.PLACE) if step is Step.PLACE else ctx.t(error))
        else:
            ctx.state.step = NEXT[step]
        await ask(ctx)

    async def reprompt(self, ctx: Context) -> None:
        await ask(ctx)


CREATE_FLOW = CreateFlow()


async def read(ctx: Context, step: Step) -> str | None:
    """None when the answer was stored, a catalog key for a problem, "" when the dialogue ended."""
    data, text = ctx.state.data, ctx.typed()
    if step is Step.CAMPAIGN:
        campaign_id = parse_id(ctx.picked("cmp"))
        campaign = await drive_days.campaign_by_id(ctx.session, campaign_id) if campaign_id else None
        if campaign is None:
            return "error_use_buttons_current"
        data["campaign_key"], data["campaign"] = campaign.key, campaign.name
    elif step is Step.DATE:
        day = parse_date(text, today=ctx.today()) if text else None
        if day is None:
            return "error_date_format"
        if day < ctx.today():
            return "create_error_past"
        data["day"] = day.isoformat()
    elif step is Step.HOURS:
        hours = parse_hours(text) if text else None
        if hours is None:
            return "create_error_hours"
        day = date.fromisoformat(data["day"]) if data.get("day") else ctx.today()
        if has_ended(day, hours[1], now=ctx.now(), tz=ctx.settings.tz):
            return "create_error_hours_past"  # today, and the closing time has passed
        data["start"], data["end"] = (h.strftime("%H:%M") for h in hours)
    elif step is Step.PLACE:
        if not text or not 3 <= len(text) <= limits.PLACE or text.startswith("/"):
            return "create_error_place"
        data["place"] = " ".join(text.split())
    elif step is Step.WARD:
        picked = ctx.picked("cward")
        wards = ctx.settings.area.wards
        if picked == "none":
            data["ward"] = None
        elif (index := parse_index(picked, len(wards))) is not None:
            data["ward"] = wards[index]
        elif text and (match := match_option(text, {w: [w] for w in wards})):
            data["ward"] = match
        else:
            return "error_ward"
    elif step is Step.CAPACITY:
        capacity = parse_int(text, minimum=1, maximum=MAX_CAPACITY)
        if capacity is None:
            return "create_error_capacity"
        data["capacity"] = capacity
    else:
        answer = ctx.picked("cnew")
        if answer not in ("yes", "no"):
            return "error_use_buttons_current"
        if answer == "no":
            ctx.state.clear()
            ctx.say("cancelled")
            return ""
        await create(ctx)
        return ""
    return None


async def create(ctx: Context) -> None:
    d = ctx.state.data
    day = date.fromisoformat(d["day"])
    key = await drive_day_changes.free_session_key(ctx.session, campaign_key=d["campaign_key"], day=day)
    plan = plan_file.SessionPlan(
        key=key,
        day=day,
        start_time=time.fromisoformat(d["start"]),
        end_time=time.fromisoformat(d["end"]),
        place_name=d["place"],
        capacity=d["capacity"],
        ward=d.get("ward"),
    )
    row = await drive_day_changes.add_session(
        ctx.session, campaign_key=d["campaign_key"], plan=plan, actor=ctx.actor, now=ctx.now()
    )
    ctx.state.clear()
    link = (
        f"https://t.me/{ctx.bot_username}?start=drive_{row.id}"
        if ctx.bot_username
        else f"/start drive_{row.id}"
    )
    ctx.say("create_done", id=row.id, link=link)


# --- cancel and move buttons under a session (shown to organisers) -----------------------------------


def organiser_row(ctx: Context, session_id: int) -> list[Choice]:
    return [
        ctx.choice("button_drive_move", f"orgdrive:move:{session_id}"),
        ctx.choice("button_drive_cancel", f"orgdrive:cancel:{session_id}"),
    ]


async def on_button(ctx: Context, payload: str) -> None:
    """Cancel (after a confirmation) or start moving a session."""
    if not await ctx.is_organiser():
        ctx.say("organiser_only")
        return
    action, _, sid = payload.partition(":")
    session_id = parse_id(sid)
    view = await drive_days.session_view(ctx.session, session_id) if session_id is not None else None
    if view is None or view.status != "scheduled":
        ctx.say("drive_not_available")
        return
    if action == "cancel":
        ctx.say(
            "drive_cancel_confirm",
            day=ctx.t.day(view.day),
            place=view.place_name,
            taken=view.taken,
            choices=[[ctx.choice("button_drive_cancel_yes", f"orgdrive:cancelyes:{view.id}")]],
        )
    elif action == "cancelyes":
        told = await drive_day_service.cancel(
            ctx.session,
            catalogs=ctx.catalogs,
            drive_day_id=view.id,
            actor=ctx.actor,
            tz=ctx.settings.tz,
            now=ctx.now(),
        )
        ctx.pushed = True
        ctx.say("drive_cancelled_told", count=told.donors)
    elif action == "move":
        ctx.state.go(MOVE, "date")
        ctx.state.data["session_id"] = view.id
        ctx.say("move_ask_date", day=ctx.t.date(view.day))
    else:
        ctx.say("error_button_expired")


class MoveFlow:
    name = MOVE

    async def on_input(self, ctx: Context) -> None:
        """New date (or "-" to keep it), then new hours (or "-"); then moves and tells the donors."""
        if not await ctx.is_organiser():
            ctx.state.clear()
            ctx.say("organiser_only")
            return
        text, data = ctx.typed() or "", ctx.state.data
        session_id = int(data["session_id"])
        view = await drive_days.session_view(ctx.session, session_id)
        if view is None or view.status != "scheduled":  # another organiser cancelled it meanwhile
            ctx.state.clear()
            ctx.say("drive_move_cancelled" if view is not None else "drive_not_available")
            return
        if ctx.state.step == "date":
            day = None if text == "-" else parse_date(text, today=ctx.today())
            if text != "-" and (day is None or day < ctx.today()):
                ctx.say("create_error_past" if day else "error_date_format")
                return
            data["day"] = day.isoformat() if day else None
            ctx.state.step = "hours"
            ctx.say("move_ask_hours")
            return
        hours = None if text == "-" else parse_hours(text)
        if text != "-" and hours is None:
            ctx.say("create_error_hours")
            return
        new_day = date.fromisoformat(data["day"]) if data.get("day") else view.day
        if has_ended(new_day, hours[1] if hours else view.end_time, now=ctx.now(), tz=ctx.settings.tz):
            ctx.say("create_error_hours_past")
            return
        try:
            async with ctx.session.begin_nested():
                told = await drive_day_service.change(
                    ctx.session,
                    catalogs=ctx.catalogs,
                    drive_day_id=session_id,
                    day=date.fromisoformat(data["day"]) if data.get("day") else None,
                    start_time=hours[0] if hours else None,
                    end_time=hours[1] if hours else None,
                    actor=ctx.actor,
                    tz=ctx.settings.tz,
                    now=ctx.now(),
                )
        except drive_days.DriveError:  # cancelled between the check above and the row lock
            ctx.state.clear()
            ctx.say("drive_move_cancelled")
            return
        ctx.pushed = True
        ctx.state.clear()
        ctx.say("drive_moved_told", count=told.donors)

    async def reprompt(self, ctx: Context) -> None:
        ctx.say("move_ask_hours" if ctx.state.step == "hours" else "move_ask_date_again")


MOVE_FLOW = MoveFlow()
