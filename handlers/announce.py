"""Organisers announce to donors: /thongbao composes and queues, /tiendo shows how far it got.

/thongbao asks who (all registered donors, one ward, or the reserve donors), then the text — the
organiser's own words, sent exactly as typed, at most `announcements.MAX_TEXT` characters — then shows a
preview with the number of recipients and waits for Confirm. Confirm writes one outbox row per reachable
chat account (lowest priority: call-outs and reminders go first; due at the end of the quiet hours if
confirmed during them) and an audit entry; the delivery loop sends them within the platform's limits.
The role is checked on every step and every button. Scope (`domain.roles`): a ward organiser's
announcement reaches only donors of their ward, an organisation's organiser's only donors of that
organisation — "who?" offers all or reserve donors within the scope, and the preview names it.
"""

from __future__ import annotations

from core import buttons
from domain.choices import match_option
from domain.figures import ScopeKind
from handlers.context import Context
from handlers.flow import END, Dialogue, Edge, Parsed, Step, organiser_only, scope_of
from handlers.messages import Choice, InputKind
from models import announcements
from models.announcements import Audience
from services.quiet import quiet_shift

ANNOUNCE = "announce"
_BUTTONS_PLEASE = "error_use_buttons_current"  # said when the answer is not one of the question's buttons


async def _audience(ctx: Context) -> Audience:
    """Who was chosen, inside the role's scope as it is now: a ward organiser's is their ward, an
    organisation organiser's their organisation, whatever the dialogue's data says."""
    data = ctx.state.data
    reserve_only = bool(data.get("reserve_only"))
    scope = await scope_of(ctx)
    if scope is not None and scope.kind is ScopeKind.WARD and scope.name is not None:
        return Audience(wards=(scope.name,), reserve_only=reserve_only)
    if scope is not None and scope.kind is ScopeKind.ORGANISATION:
        return Audience(organisation=scope.name, reserve_only=reserve_only)
    return Audience(wards=tuple(data.get("wards") or ()), reserve_only=reserve_only)


def describe(ctx: Context, audience: Audience) -> str:
    """ "tất cả người hiến đã đăng ký", "người hiến ở Tam Lưu", ..."""
    return ctx.t(
        f"ann_audience_{audience.name}", wards=", ".join(audience.wards), organisation=audience.organisation
    )


# --- /thongbao ----------------------------------------------------------------------------------------


async def start(ctx: Context, _args: str = "") -> None:
    """/thongbao: asks who should get the announcement (a new one, even over one half-written)."""
    if ctx.state.flow == ANNOUNCE:
        ctx.state.data = {}
    await FLOW.begin(ctx)


async def ask_audience(ctx: Context, _page: int = 0) -> None:
    scope = await scope_of(ctx)
    if scope is not None and scope.name is not None:  # a ward's or an organisation's: no other ward
        ctx.say(
            "ann_ask_audience",
            choices=[
                [ctx.choice("ann_button_all_scope", buttons.AnnounceAudience("all"))],
                [ctx.choice("ann_button_reserve_scope", buttons.AnnounceAudience("reserve"))],
            ],
        )
        return
    ctx.say(
        "ann_ask_audience",
        choices=[
            [ctx.choice("ann_button_all", buttons.AnnounceAudience("all"))],
            [ctx.choice("ann_button_ward", buttons.AnnounceAudience("ward"))],
            [ctx.choice("ann_button_reserve", buttons.AnnounceAudience("reserve"))],
        ],
    )


def read_audience(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.AnnounceAudience)
    return Parsed(pressed.audience) if pressed is not None else Parsed(error=_BUTTONS_PLEASE)


async def on_audience(ctx: Context, picked: Parsed) -> str:
    ctx.state.data.update(wards=[], reserve_only=picked.value == "reserve")
    scope = await scope_of(ctx)
    scoped = scope is not None and scope.name is not None  # a forged "ward" press: the scope decides
    return "ward" if picked.value == "ward" and not scoped else "text"


def ask_ward(ctx: Context, _page: int = 0) -> None:
    choices = [Choice(name, buttons.AnnounceWard(i).pack()) for i, name in enumerate(ctx.settings.area.wards)]
    ctx.say("ann_ask_ward", choices=[choices[i : i + 2] for i in range(0, len(choices), 2)])


def read_ward(ctx: Context) -> Parsed:
    """A ward's button, or its name typed."""
    wards = ctx.settings.area.wards
    pressed = ctx.pressed(buttons.AnnounceWard)
    text = ctx.incoming.text.strip() if ctx.incoming.kind is InputKind.TEXT and ctx.incoming.text else ""
    if pressed is not None:
        ward = wards[pressed.index] if pressed.index < len(wards) else None
    else:
        ward = match_option(text, {w: [w] for w in wards}) if text else None
    return Parsed(ward) if ward is not None else Parsed(error="ann_error_ward")


def on_ward(ctx: Context, ward: Parsed) -> str:
    ctx.state.data["wards"] = [ward.value]
    return "text"


def ask_text(ctx: Context, _page: int = 0) -> None:
    ctx.say("ann_ask_text", max=announcements.MAX_TEXT)


def read_text(ctx: Context) -> Parsed:
    """The organiser's own words, exactly as typed; too long is said without asking again."""
    raw = ctx.incoming.text if ctx.incoming.kind is InputKind.TEXT else None
    if not raw or not raw.strip():
        return Parsed(page=0)  # the question again, without a word
    try:
        return Parsed(announcements.clean_text(raw))
    except announcements.AnnouncementError:
        params = {"length": len(raw.strip()), "max": announcements.MAX_TEXT}
        return Parsed(error="ann_error_too_long", params=params, reask=False)


async def on_text(ctx: Context, text: Parsed) -> str:
    """On to the preview, or back to "who?" when nobody would get it."""
    ctx.state.data["text"] = text.value
    audience = await _audience(ctx)
    if (await announcements.reach(ctx.session, audience)).donors == 0:
        ctx.say("ann_no_recipients", audience=describe(ctx, audience))
        return "audience"
    return "confirm"


async def preview(ctx: Context, _page: int = 0) -> None:
    """The recipient count, then the text exactly as donors will see it, with Confirm / Cancel."""
    audience = await _audience(ctx)
    reach = await announcements.reach(ctx.session, audience)
    ctx.say("ann_preview", audience=describe(ctx, audience), count=reach.donors)
    ctx.say_text(
        ctx.state.data["text"],
        choices=[
            [
                ctx.choice("button_confirm", buttons.AnnounceConfirm("yes")),
                ctx.choice("button_cancel", buttons.AnnounceConfirm("no")),
            ]
        ],
    )


def read_confirm(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.AnnounceConfirm)
    return Parsed(pressed.answer == "yes") if pressed is not None else Parsed(error=_BUTTONS_PLEASE)


async def on_confirm(ctx: Context, answer: Parsed) -> None:
    """Queues the announcement (after the quiet hours, if need be), or drops it."""
    if not answer.value:
        ctx.state.clear()
        ctx.say("ann_cancelled")
        return
    due = quiet_shift(ctx.now(), ctx.settings)  # nothing but call-outs goes out in quiet hours
    created = await announcements.create(
        ctx.session,
        text=ctx.state.data["text"],
        audience=await _audience(ctx),
        actor=ctx.actor,
        now=ctx.now(),
        due_at=due,
    )
    ctx.state.clear()
    ctx.pushed = True
    if due > ctx.now():
        ctx.say("ann_after_quiet_hours", time=f"{due.astimezone(ctx.settings.tz):%H:%M}")
    ctx.say(
        "ann_queued",
        id=created.id,
        count=created.donors,
        choices=[[ctx.choice("ann_button_progress", buttons.AnnounceProgress(created.id))]],
    )


FLOW = Dialogue(
    name=ANNOUNCE,
    steps=(
        Step(
            "audience",
            ask_audience,
            read_audience,
            on_audience,
            buttons=(buttons.AnnounceAudience,),
            foreign=_BUTTONS_PLEASE,
            edges=(Edge("ward", "One ward"), Edge("text", "All / Reserve donors")),
        ),
        Step(
            "ward",
            ask_ward,
            read_ward,
            on_ward,
            buttons=(buttons.AnnounceWard,),
            foreign="ann_error_ward",
            edges=(Edge("text", "a ward's button or its name"),),
        ),
        Step(
            "text",
            ask_text,
            read_text,
            on_text,
            foreign=None,  # a button: the question again
            edges=(
                Edge("confirm", "the text (at most MAX_TEXT characters)"),
                Edge("audience", "nobody would get it"),
            ),
        ),
        Step(
            "confirm",
            preview,
            read_confirm,
            on_confirm,
            buttons=(buttons.AnnounceConfirm,),
            foreign=_BUTTONS_PLEASE,
            edges=(Edge(END, "Confirm: queued in the outbox / Cancel: nothing sent"),),
        ),
    ),
    restart="thongbao",
    organisers=True,
    max_text_length=4096,  # longer than MAX_TEXT, so the organiser hears how much to cut
    entries=(Edge("audience", "/thongbao (organisers)"),),
    notes=("The role is checked again on every step.",),
)


# --- /tiendo ------------------------------------------------------------------------------------------


async def show_progress(ctx: Context, args: str = "") -> None:
    """/tiendo [ID]: counts of the organiser's latest announcement, or of announcement ID."""
    if not await organiser_only(ctx):
        return
    if args.strip():
        announcement_id = announcements.parse_id(args)
        if announcement_id is None:
            ctx.say("ann_progress_usage")
            return
        await _progress(ctx, announcement_id)
        return
    latest = await announcements.latest(ctx.session, actor=ctx.actor)
    if latest is None:
        ctx.say("ann_progress_none")
        return
    await _progress(ctx, latest.id)


async def on_progress_button(ctx: Context, pressed: buttons.AnnounceProgress) -> None:
    """The "progress" button under a queued announcement or a progress message (organisers only)."""
    await _progress(ctx, pressed.announcement_id)


async def _progress(ctx: Context, announcement_id: int) -> None:
    found = await announcements.find(ctx.session, announcement_id)
    if found is None:
        ctx.say("ann_progress_not_found", id=announcement_id)
        return
    counts = await announcements.progress(ctx.session, announcement_id)
    local = found.at.astimezone(ctx.settings.tz)
    key = "ann_progress_done" if counts.done else "ann_progress"
    ctx.say(
        key,
        id=found.id,
        when=f"{local:%H:%M} {ctx.t.date(local.date())}",
        audience=describe(ctx, found.audience),
        sent=counts.sent,
        total=counts.total,
        share=f"{counts.share_sent:.0%}",
        waiting=counts.waiting,
        failed=counts.failed,
        cancelled=counts.cancelled,
        choices=[]
        if counts.done
        else [[ctx.choice("ann_button_refresh", buttons.AnnounceProgress(found.id))]],
    )
