"""Organisers announce to donors: /thongbao composes and queues, /tiendo shows how far it got.

/thongbao asks who (all registered donors, one ward, or the reserve donors), then the text — the
organiser's own words, sent exactly as typed, at most `announcements.MAX_TEXT` characters — then shows a
preview with the number of recipients and waits for Confirm. Confirm writes one outbox row per reachable
chat account (lowest priority: call-outs and reminders go first; due at the end of the quiet hours if
confirmed during them) and an audit entry; the delivery loop sends them within the platform's limits.
The role is checked on every step and every button.
"""

from __future__ import annotations

from enum import StrEnum

from domain.choices import match_option
from domain.ids import parse_index
from handlers.context import Context
from handlers.messages import Choice, InputKind
from models import announcements
from models.announcements import Audience
from services.quiet import quiet_shift

ANNOUNCE = "announce"


class Step(StrEnum):
    AUDIENCE = "audience"
    WARD = "ward"
    TEXT = "text"
    CONFIRM = "confirm"


def _audience(ctx: Context) -> Audience:
    data = ctx.state.data
    return Audience(wards=tuple(data.get("wards") or ()), reserve_only=bool(data.get("reserve_only")))


def describe(ctx: Context, audience: Audience) -> str:
    """ "tất cả người hiến đã đăng ký", "người hiến ở Tam Lưu", ..."""
    return ctx.t(f"ann_audience_{audience.name}", wards=", ".join(audience.wards))


# --- /thongbao ----------------------------------------------------------------------------------------


async def start(ctx: Context, _args: str = "") -> None:
    """/thongbao: asks who should get the announcement."""
    if not await ctx.is_organiser():
        ctx.say("organiser_only")
        return
    ctx.state.go(ANNOUNCE, Step.AUDIENCE)
    ctx.state.data = {}
    await ask(ctx)


async def ask(ctx: Context) -> None:
    step = Step(ctx.state.step or Step.AUDIENCE)
    if step is Step.AUDIENCE:
        ctx.say(
            "ann_ask_audience",
            choices=[
                [ctx.choice("ann_button_all", "annaud:all")],
                [ctx.choice("ann_button_ward", "annaud:ward")],
                [ctx.choice("ann_button_reserve", "annaud:reserve")],
            ],
        )
    elif step is Step.WARD:
        buttons = [Choice(name, f"annward:{i}") for i, name in enumerate(ctx.settings.area.wards)]
        ctx.say("ann_ask_ward", choices=[buttons[i : i + 2] for i in range(0, len(buttons), 2)])
    elif step is Step.TEXT:
        ctx.say("ann_ask_text", max=announcements.MAX_TEXT)
    else:
        await preview(ctx)


async def preview(ctx: Context) -> None:
    """The recipient count, then the text exactly as donors will see it, with Confirm / Cancel."""
    audience = _audience(ctx)
    reach = await announcements.reach(ctx.session, audience)
    ctx.say("ann_preview", audience=describe(ctx, audience), count=reach.donors)
    ctx.say_text(
        ctx.state.data["text"],
        choices=[[ctx.choice("button_confirm", "annok:yes"), ctx.choice("button_cancel", "annok:no")]],
    )


class AnnounceFlow:
    name = ANNOUNCE
    max_text_length = 4096  # longer than MAX_TEXT, so the organiser hears how much to cut

    async def on_input(self, ctx: Context) -> None:
        """Stores one answer (after checking the role again) and asks the next question."""
        if not await ctx.is_organiser():
            ctx.state.clear()
            ctx.say("organiser_only")
            return
        step = Step(ctx.state.step or Step.AUDIENCE)
        if step is Step.AUDIENCE:
            await self._audience(ctx)
        elif step is Step.WARD:
            await self._ward(ctx)
        elif step is Step.TEXT:
            await self._text(ctx)
        else:
            await self._confirm(ctx)

    async def reprompt(self, ctx: Context) -> None:
        await ask(ctx)

    async def _audience(self, ctx: Context) -> None:
        picked = ctx.picked("annaud")
        if picked not in ("all", "ward", "reserve"):
            ctx.say("error_use_buttons_current")
            await ask(ctx)
            return
        ctx.state.data.update(wards=[], reserve_only=picked == "reserve")
        ctx.state.step = Step.WARD if picked == "ward" else Step.TEXT
        await ask(ctx)

    async def _ward(self, ctx: Context) -> None:
        wards = ctx.settings.area.wards
        picked = ctx.picked("annward")
        text = ctx.incoming.text.strip() if ctx.incoming.kind is InputKind.TEXT and ctx.incoming.text else ""
        if (index := parse_index(picked, len(wards))) is not None:
            ward: str | None = wards[index]
        else:
            ward = match_option(text, {w: [w] for w in wards}) if text else None
        if ward is None:
            ctx.say("ann_error_ward")
            await ask(ctx)
            return
        ctx.state.data["wards"] = [ward]
        ctx.state.step = Step.TEXT
        await ask(ctx)

    async def _text(self, ctx: Context) -> None:
        raw = ctx.incoming.text if ctx.incoming.kind is InputKind.TEXT else None
        if not raw or not raw.strip():
            await ask(ctx)
            return
        try:
            text = announcements.clean_text(raw)
        except announcements.AnnouncementError:
            ctx.say("ann_error_too_long", length=len(raw.strip()), max=announcements.MAX_TEXT)
            return
        ctx.state.data["text"] = text
        audience = _audience(ctx)
        if (await announcements.reach(ctx.session, audience)).donors == 0:
            ctx.say("ann_no_recipients", audience=describe(ctx, audience))
            ctx.state.step = Step.AUDIENCE
            await ask(ctx)
            return
        ctx.state.step = Step.CONFIRM
        await preview(ctx)

    async def _confirm(self, ctx: Context) -> None:
        answer = ctx.picked("annok")
        if answer not in ("yes", "no"):
            ctx.say("error_use_buttons_current")
            await preview(ctx)
            return
        if answer == "no":
            ctx.state.clear()
            ctx.say("ann_cancelled")
            return
        due = quiet_shift(ctx.now(), ctx.settings)  # nothing but call-outs goes out in quiet hours
        created = await announcements.create(
            ctx.session,
            text=ctx.state.data["text"],
            audience=_audience(ctx),
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
            choices=[[ctx.choice("ann_button_progress", f"annprog:{created.id}")]],
        )


FLOW = AnnounceFlow()


# --- /tiendo ------------------------------------------------------------------------------------------


async def show_progress(ctx: Context, args: str = "") -> None:
    """/tiendo [ID]: counts of the organiser's latest announcement, or of announcement ID."""
    if not await ctx.is_organiser():
        ctx.say("organiser_only")
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


async def on_progress_button(ctx: Context, payload: str) -> None:
    """The "progress" button under a queued announcement or a progress message."""
    if not await ctx.is_organiser():
        ctx.say("organiser_only")
        return
    announcement_id = announcements.parse_id(payload)
    if announcement_id is None:
        ctx.say("error_button_expired")
        return
    await _progress(ctx, announcement_id)


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
        choices=[] if counts.done else [[ctx.choice("ann_button_refresh", f"annprog:{found.id}")]],
    )
