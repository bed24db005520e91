"""Organisers manage drives from the chat: /taodot creates a session; buttons cancel or move one.

/taodot asks the campaign (the newest first: one just made with /taochiendich leads), the date, hours,
place, ward and capacity; the summary offers the defaults of the address (none), the slot length
(30 minutes) and the audience (open), each changed by a button (15/20/30/60 minutes; open or a sector
of `domain.organisations.SECTORS`) before Confirm.

The role is checked on every step and every button, not only when the dialogue starts. Cancelling or
moving tells the donors signed up, through the outbox (services/drive_days.py).

Scope (`domain.roles`): a ward organiser creates drive days in their own ward (the ward is set, not
asked) and moves or cancels only days held there; an area organiser or admin any.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Any, Final

from core import buttons
from domain.dates import parse_date
from domain.figures import Scope, ScopeKind
from domain.ids import parse_index
from domain.roles import Capability
from domain.slots import has_ended
from handlers.context import Context
from handlers.flow import END, Dialogue, Edge, Parsed, Step, ask_key, refuse, save_as, scope_of, within_scope
from handlers.messages import Choice
from models import campaigns, drive_days
from models.drive_days import DriveDayView
from services import drive_days as drive_day_service
from services.campaigns import Problem

CREATE = "drive_create"
MOVE = "drive_move"
MAX_CAPACITY = drive_day_service.MAX_CAPACITY
parse_hours = drive_day_service.parse_hours


async def start_create(ctx: Context, _args: str = "") -> None:
    """/taodot: asks which campaign the new session belongs to (the runner checks the role)."""
    if await ctx.is_organiser() and not await campaigns.recent_campaigns(ctx.session, 1):
        ctx.say("create_no_campaign_yet")
        return
    await CREATE_FLOW.begin(ctx)


_BUTTONS_PLEASE = "error_use_buttons_current"  # said when the answer is not one of the question's buttons


async def ask_campaign(ctx: Context, _page: int = 0) -> None:
    recent = await campaigns.recent_campaigns(ctx.session)
    # ids, not keys: a key may have 64 characters, and Telegram takes at most 64 bytes of button data
    rows = [[Choice(f"{c.name} ({c.year})", buttons.CreateCampaign(c.id).pack())] for c in recent]
    ctx.say("create_ask_campaign_recent", choices=rows)


async def read_campaign(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.CreateCampaign)
    campaign = await drive_days.campaign_by_id(ctx.session, pressed.campaign_id) if pressed else None
    if campaign is None:
        return Parsed(error=_BUTTONS_PLEASE)
    return Parsed({"campaign_key": campaign.key, "campaign": campaign.name})


def _parsed(ctx: Context, value: object, wrap: Callable[[Any], dict[str, object]]) -> Parsed:
    if isinstance(value, Problem):
        return Parsed(error=value.key, params=dict(value.params))
    return Parsed(wrap(value))


def read_date(ctx: Context) -> Parsed:
    day = drive_day_service.read_day(ctx.typed(), today=ctx.today())
    return _parsed(ctx, day, lambda d: {"day": d.isoformat()})


def read_hours(ctx: Context) -> Parsed:
    data = ctx.state.data
    day = date.fromisoformat(data["day"]) if data.get("day") else ctx.today()
    hours = drive_day_service.read_hours(ctx.typed(), day=day, now=ctx.now(), tz=ctx.settings.tz)
    return _parsed(ctx, hours, lambda h: {"start": h[0].strftime("%H:%M"), "end": h[1].strftime("%H:%M")})


def read_place(ctx: Context) -> Parsed:
    return _parsed(ctx, drive_day_service.read_place(ctx.typed()), lambda p: {"place": p})


async def after_place(ctx: Context, place: Parsed) -> str:
    """On to the ward — or, for a ward organiser, straight to the capacity: their drive days are held in
    their ward."""
    ctx.state.data.update(place.value)
    scope = await scope_of(ctx)
    if scope is not None and scope.kind is ScopeKind.WARD:
        ctx.state.data["ward"] = scope.name
        return "capacity"
    return "ward"


def ask_ward(ctx: Context, _page: int = 0) -> None:
    wards = ctx.settings.area.wards
    choices = [Choice(name, buttons.CreateWard(str(i)).pack()) for i, name in enumerate(wards)]
    rows = [choices[i : i + 2] for i in range(0, len(choices), 2)]
    rows.append([ctx.choice("create_ward_none", buttons.CreateWard("none"))])
    ctx.say("create_ask_ward", choices=rows)


def read_ward(ctx: Context) -> Parsed:
    """A ward's button, "none", or a ward's name typed."""
    pressed, text, wards = ctx.pressed(buttons.CreateWard), ctx.typed(), ctx.settings.area.wards
    if pressed is not None and pressed.pick == "none":
        return Parsed({"ward": None})
    if pressed is not None and (index := parse_index(pressed.pick, len(wards))) is not None:
        return Parsed({"ward": wards[index]})
    return _parsed(ctx, drive_day_service.read_ward(text, wards), lambda w: {"ward": w})


def read_capacity(ctx: Context) -> Parsed:
    return _parsed(ctx, drive_day_service.read_capacity(ctx.typed()), lambda c: {"capacity": c})


SLOT_MINUTES: Final = ("15", "20", "30", "60")
AUDIENCES: Final = ("open", "school", "company", "agency")
DEFAULT_SLOT_MINUTES = drive_day_service.DEFAULT_SLOT_MINUTES
DEFAULT_AUDIENCE = drive_day_service.DEFAULT_AUDIENCE


def read_address(ctx: Context) -> Parsed:
    if ctx.pressed(buttons.FormSkip) is not None:
        return Parsed({"address": None})
    return _parsed(ctx, drive_day_service.read_address(ctx.typed()), lambda a: {"address": a})


def ask_address(ctx: Context, _page: int = 0) -> None:
    ctx.say("create_ask_address", choices=[[ctx.choice("button_skip", buttons.FormSkip())]])


def ask_slot(ctx: Context, _page: int = 0) -> None:
    row = [ctx.choice("create_slot_button", buttons.CreateSlotLength(m), minutes=m) for m in SLOT_MINUTES]
    ctx.say("create_ask_slot", choices=[row])


def read_slot(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.CreateSlotLength)
    typed = (ctx.typed() or "").removesuffix("phút").removesuffix("min").strip()
    minutes = pressed.minutes if pressed is not None else typed
    return (
        Parsed({"slot_minutes": int(minutes)}) if minutes in SLOT_MINUTES else Parsed(error=_BUTTONS_PLEASE)
    )


def ask_audience(ctx: Context, _page: int = 0) -> None:
    choices = [ctx.choice(f"create_audience_button_{a}", buttons.CreateAudience(a)) for a in AUDIENCES]
    ctx.say("create_ask_audience", choices=[choices[:2], choices[2:]])


def read_audience(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.CreateAudience)
    return Parsed({"audience": pressed.pick}) if pressed is not None else Parsed(error=_BUTTONS_PLEASE)


def ask_confirm(ctx: Context, _page: int = 0) -> None:
    d = ctx.state.data
    audience = d.get("audience") or DEFAULT_AUDIENCE
    more = ctx.t(
        "create_summary_more",
        address=d.get("address") or ctx.t("create_address_none"),
        slot=d.get("slot_minutes") or DEFAULT_SLOT_MINUTES,
        audience=ctx.t(f"drive_audience_{audience}"),
    )
    ctx.say_text(
        ctx.t(
            "create_summary",
            campaign=d["campaign"],
            day=ctx.t.day(date.fromisoformat(d["day"])),
            start=d["start"],
            end=d["end"],
            place=d["place"],
            ward=d.get("ward") or ctx.t("create_ward_none"),
            capacity=d["capacity"],
        )
        + "\n"
        + more,
        choices=[
            [
                ctx.choice("button_confirm", buttons.CreateConfirm("yes")),
                ctx.choice("button_cancel", buttons.CreateConfirm("no")),
            ],
            [
                ctx.choice("button_create_address", buttons.CreateEdit("address")),
                ctx.choice("button_create_slot", buttons.CreateEdit("slot")),
                ctx.choice("button_create_audience", buttons.CreateEdit("audience")),
            ],
        ],
    )


def read_confirm(ctx: Context) -> Parsed:
    if (edit := ctx.pressed(buttons.CreateEdit)) is not None:
        return Parsed(edit.field)
    pressed = ctx.pressed(buttons.CreateConfirm)
    return Parsed(pressed.answer == "yes") if pressed is not None else Parsed(error=_BUTTONS_PLEASE)


async def on_confirm(ctx: Context, answer: Parsed) -> str | None:
    if isinstance(answer.value, str):
        return answer.value  # the step that changes a default: address, slot or audience
    if answer.value:
        await create(ctx)
    else:
        ctx.state.clear()
        ctx.say("cancelled")
    return None


CREATE_FLOW = Dialogue(
    name=CREATE,
    steps=(
        Step(
            "campaign",
            ask_campaign,
            read_campaign,
            save_as(None, "date"),
            buttons=(buttons.CreateCampaign,),
            foreign=_BUTTONS_PLEASE,
            edges=(Edge("date", "a campaign's button"),),
        ),
        Step("date", ask_key("create_ask_date"), read_date, save_as(None, "hours"), edges=(Edge("hours"),)),
        Step(
            "hours", ask_key("create_ask_hours"), read_hours, save_as(None, "place"), edges=(Edge("place"),)
        ),
        Step(
            "place",
            ask_key("create_ask_place"),
            read_place,
            after_place,
            edges=(Edge("ward"), Edge("capacity", "a ward organiser: their ward")),
        ),
        Step(
            "ward",
            ask_ward,
            read_ward,
            save_as(None, "capacity"),
            buttons=(buttons.CreateWard,),
            foreign="error_ward",
            edges=(Edge("capacity", "a ward (button or name) or none"),),
        ),
        Step(
            "capacity",
            ask_key("create_ask_capacity"),
            read_capacity,
            save_as(None, "confirm"),
            edges=(Edge("confirm"),),
        ),
        Step(
            "confirm",
            ask_confirm,
            read_confirm,
            on_confirm,
            buttons=(buttons.CreateConfirm, buttons.CreateEdit),
            foreign=_BUTTONS_PLEASE,
            edges=(
                Edge(END, "Confirm: the session is created / Cancel: nothing"),
                Edge("address", "🏠 Address"),
                Edge("slot", "⏱ Slot length"),
                Edge("audience", "👥 Audience"),
            ),
        ),
        Step(
            "address",
            ask_address,
            read_address,
            save_as(None, "confirm"),
            buttons=(buttons.FormSkip,),
            edges=(Edge("confirm", "an address or Skip"),),
        ),
        Step(
            "slot",
            ask_slot,
            read_slot,
            save_as(None, "confirm"),
            buttons=(buttons.CreateSlotLength,),
            foreign=_BUTTONS_PLEASE,
            edges=(Edge("confirm", "15 / 20 / 30 / 60 minutes"),),
        ),
        Step(
            "audience",
            ask_audience,
            read_audience,
            save_as(None, "confirm"),
            buttons=(buttons.CreateAudience,),
            foreign=_BUTTONS_PLEASE,
            edges=(Edge("confirm", "open or a sector"),),
        ),
    ),
    restart="taodot",
    organisers=True,
    entries=(Edge("campaign", "/taodot (organisers; at least one campaign)"),),
    notes=("The role is checked again on every step.",),
)
"""/taodot: a new session of a campaign, asked one value at a time."""


async def create(ctx: Context) -> None:
    d = ctx.state.data
    scope = await scope_of(ctx)
    campaign = await drive_days.campaign_by_key(ctx.session, d["campaign_key"])
    wanted = drive_day_service.NewDriveDay(
        campaign_id=campaign.id if campaign is not None else 0,
        day=date.fromisoformat(d["day"]),
        start_time=time.fromisoformat(d["start"]),
        end_time=time.fromisoformat(d["end"]),
        place_name=d["place"],
        capacity=d["capacity"],
        ward=d.get("ward"),
        address=d.get("address"),
        slot_minutes=d.get("slot_minutes") or DEFAULT_SLOT_MINUTES,
        audience=d.get("audience") or DEFAULT_AUDIENCE,
    )
    try:
        row = await drive_day_service.create(
            ctx.session, wanted, scope=scope or Scope.area(), actor=ctx.actor, now=ctx.now()
        )
    except drive_day_service.OutOfScope:
        ctx.state.clear()  # a dialogue begun under another scope: nothing is created outside the ward
        await refuse(ctx, Capability.DRIVE_CREATE, target=f"ward:{d.get('ward') or '-'}")
        return
    ctx.state.clear()
    ctx.say("create_done", id=row.id, link=ctx.start_links(f"drive_{row.id}"))
    ctx.say("create_poster_hint", id=row.id)


# --- cancel and move buttons under a session (shown to organisers) -----------------------------------


async def staff_rows(ctx: Context, drive_day_id: int, *, ward: str | None) -> list[list[Choice]]:
    """Move and Cancel under a session, for a role that may change it (`domain.roles`: the area's, or a
    ward organiser's own ward's day); nothing for anyone else."""
    grant = await ctx.grant()
    if grant is None or not grant.may(Capability.DRIVE_CHANGE):
        return []
    if not grant.effective_scope.holds_drive_day(drive_day_id=drive_day_id, ward=ward):
        return []
    return [organiser_row(ctx, drive_day_id)]


def organiser_row(ctx: Context, drive_day_id: int) -> list[Choice]:
    return [
        ctx.choice("button_drive_move", buttons.DriveMove(drive_day_id)),
        ctx.choice("button_drive_cancel", buttons.DriveCancel(drive_day_id)),
    ]


DRIVE_BUTTONS: Final = (buttons.DriveMove, buttons.DriveCancel, buttons.DriveCancelYes)
DriveButton = buttons.DriveMove | buttons.DriveCancel | buttons.DriveCancelYes


async def on_button(ctx: Context, pressed: DriveButton) -> None:
    """Cancel (after a confirmation) or start moving a session (organisers only: `on_press` checks)."""
    view = await drive_days.drive_day_view(ctx.session, pressed.drive_id)
    if view is None or view.status != "scheduled":
        ctx.say("drive_not_available")
        return
    if not await within_scope(ctx, Capability.DRIVE_CHANGE, drive_day_id=view.id, ward=view.ward):
        return
    if isinstance(pressed, buttons.DriveCancel):
        ctx.say(
            "drive_cancel_confirm",
            day=ctx.t.day(view.day),
            place=view.place_name,
            taken=view.taken,
            choices=[[ctx.choice("button_drive_cancel_yes", buttons.DriveCancelYes(view.id))]],
        )
    elif isinstance(pressed, buttons.DriveCancelYes):
        told = await drive_day_service.cancel(
            ctx.session,
            catalogs=ctx.catalogs,
            drive_day_id=view.id,
            actor=ctx.actor,
            tz=ctx.settings.tz,
            now=ctx.now(),
            scope=await scope_of(ctx),
        )
        ctx.pushed = True
        ctx.say("drive_cancelled_told", count=told.donors)
    else:
        ctx.state.go(MOVE, "date")
        ctx.state.data["session_id"] = view.id
        ctx.say("move_ask_date", day=ctx.t.date(view.day))


async def _moved_view(ctx: Context) -> DriveDayView | Parsed:
    """The session being moved while it is still on; else the dialogue ends, saying why."""
    view = await drive_days.drive_day_view(ctx.session, int(ctx.state.data["session_id"]))
    if view is not None and view.status == "scheduled":
        return view
    ctx.state.clear()  # another organiser cancelled it meanwhile
    return Parsed(error="drive_move_cancelled" if view is not None else "drive_not_available", reask=False)


async def read_new_date(ctx: Context) -> Parsed:
    """A new date, or "-" to keep it; an error is said without the question again."""
    if isinstance(found := await _moved_view(ctx), Parsed):
        return found
    text = ctx.typed() or ""
    day = None if text == "-" else parse_date(text, today=ctx.today())
    if text != "-" and (day is None or day < ctx.today()):
        return Parsed(error="create_error_past" if day else "error_date_format", reask=False)
    return Parsed({"day": day.isoformat() if day else None})


async def read_new_hours(ctx: Context) -> Parsed:
    """New hours, or "-" to keep them (None); the dialogue's data holds the new date (None: kept)."""
    if isinstance(view := await _moved_view(ctx), Parsed):
        return view
    text, data = ctx.typed() or "", ctx.state.data
    hours = None if text == "-" else parse_hours(text)
    if text != "-" and hours is None:
        return Parsed(error="create_error_hours", reask=False)
    new_day = date.fromisoformat(data["day"]) if data.get("day") else view.day
    if has_ended(new_day, hours[1] if hours else view.end_time, now=ctx.now(), tz=ctx.settings.tz):
        return Parsed(error="create_error_hours_past", reask=False)
    return Parsed(hours)


async def move(ctx: Context, answer: Parsed) -> None:
    """Moves the session and tells the donors signed up."""
    hours: tuple[time, time] | None = answer.value
    data = ctx.state.data
    try:
        async with ctx.session.begin_nested():
            told = await drive_day_service.change(
                ctx.session,
                catalogs=ctx.catalogs,
                drive_day_id=int(data["session_id"]),
                day=date.fromisoformat(data["day"]) if data.get("day") else None,
                start_time=hours[0] if hours else None,
                end_time=hours[1] if hours else None,
                actor=ctx.actor,
                tz=ctx.settings.tz,
                now=ctx.now(),
                scope=await scope_of(ctx),
            )
    except drive_day_service.OutOfScope:  # the role's scope changed since the Move button
        ctx.state.clear()
        await refuse(ctx, Capability.DRIVE_CHANGE, target=f"drive_day:{data['session_id']}")
        return
    except drive_days.DriveError:  # cancelled between the check above and the row lock
        ctx.state.clear()
        ctx.say("drive_move_cancelled")
        return
    ctx.pushed = True
    ctx.state.clear()
    ctx.say("drive_moved_told", count=told.donors)


MOVE_FLOW = Dialogue(
    name=MOVE,
    steps=(
        Step(
            "date",
            ask_key("move_ask_date_again"),  # first asked, with the session's date, by the Move button
            read_new_date,
            save_as(None, "hours"),
            edges=(Edge("hours", 'a date or "-"'),),
        ),
        Step(
            "hours",
            ask_key("move_ask_hours"),
            read_new_hours,
            move,
            edges=(Edge(END, 'hours or "-": moved, the donors told'),),
        ),
    ),
    restart="lichhien",
    organisers=True,
    entries=(Edge("date", "Move under a session (organisers)"),),
    notes=("The role and the session are checked again on every step.",),
)
"""Moving a session: a new date, new hours (each may stay); the donors signed up are told."""
