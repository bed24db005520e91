"""Call-outs once sent, in the chat: the organiser's tally and /dskhancap, the donors' answers.

Split from handlers/callouts.py (the /khancap dialogue), which shows the first tally through
`show_tally` when the call-out is sent. The organiser's tally is refreshed in place, keeps its
buttons, and comes back with /dskhancap; only organisers see the accepted donors' names and phones.
Donors answer with the message's buttons or a clear "yes"/"no" (services.callouts.answers). What
happens then (waves, filling, closing, the tally's updates) is in services/callouts/, shared with the
scheduler and `donorbot callout`.
"""

from __future__ import annotations

from datetime import timedelta

from core import buttons
from domain.phone import display_phone
from handlers.context import Context
from handlers.flow import callout_in_scope, on_press, organiser_only, scope_of
from handlers.messages import Choice
from models import callouts
from models.tables import Callout
from services.callouts import answers, closing
from services.callouts.tally import tally_view

RECENT = timedelta(hours=24)  # /dskhancap also shows call-outs that ended this recently


# --- the organiser's tally ------------------------------------------------------------------------


async def show_tally(ctx: Context, callout_id: int, *, edit: bool = False) -> None:
    """The tally as a reply, with its buttons (`edit`: in place of the message pressed)."""
    callout = await ctx.session.get(Callout, callout_id)
    if callout is None:
        ctx.say("error_button_expired")
        return
    counts = await callouts.tally(ctx.session, callout_id)
    text, rows = tally_view(ctx.t, ctx.settings, callout, counts)
    ctx.say_text(text, choices=[[Choice(label, value) for label, value in row] for row in rows], edit=edit)


async def tally_pressed(ctx: Context, pressed: buttons.CalloutTally) -> None:
    """Refresh, accepted list, extend or close — organisers only, checked on every press (`on_press`).

    The tally pressed by the organiser who created the call-out becomes the live one (the one its
    updates edit), so a tally brought back with /dskhancap takes over from one far up the chat.
    """
    action = pressed.action
    callout = await ctx.session.get(Callout, pressed.callout_id)
    if callout is None:
        ctx.say("error_button_expired")
        return
    if not await callout_in_scope(ctx, callout):  # a ward organiser: their ward's call-outs only
        return
    if ctx.account is not None and ctx.account.id == callout.created_by_account_id and ctx.incoming.ref:
        callout.tally_message_id = ctx.incoming.ref
    if action == "list":
        await show_tally(ctx, callout.id, edit=True)  # the tally stays as it was, buttons and all
        people = await callouts.accepted_donors(ctx.session, callout.id)
        lines = "\n".join(f"• {p.full_name} · {display_phone(p.phone)}" for p in people)
        if erased := await callouts.accepted_erased(ctx.session, callout.id):
            lines = "\n".join(filter(None, (lines, ctx.t("callout_accepted_erased", count=erased))))
        ctx.say("callout_accepted_list", lines=lines or ctx.t("callout_nobody_yet"))
        return
    if action == "extend" and callout.status in ("open", "filled"):
        await closing.extend(ctx.session, callout, actor=ctx.actor, now=ctx.now())
    elif action == "close" and callout.status in ("open", "filled"):
        await closing.close_callout(
            ctx.session, callout, actor=ctx.actor, catalogs=ctx.catalogs, settings=ctx.settings, now=ctx.now()
        )
        ctx.pushed = True
    await show_tally(ctx, callout.id, edit=True)


async def show_running(ctx: Context, _args: str = "") -> None:
    """/dskhancap: the tally of every call-out still running (or ended in the last day), with its buttons."""
    if not await organiser_only(ctx):
        return
    scope = await scope_of(ctx)
    found = [  # a ward organiser follows their ward's call-outs only (domain.roles)
        c
        for c in await callouts.running(ctx.session, since=ctx.now() - RECENT)
        if scope is not None and scope.holds_callout(wards=c.wards, wards_only=c.wards_only)
    ]
    if not found:
        ctx.say("callout_none_running")
        return
    for callout in found:
        await show_tally(ctx, callout.id)


# --- the donor's answer ----------------------------------------------------------------------------


async def answer_pressed(ctx: Context, pressed: buttons.CalloutAnswer) -> None:
    """Accept / Can't come on a call-out message; "Can't come after all" on the acceptance."""
    if ctx.donor is None:
        ctx.say("error_button_expired")
        return
    await respond(ctx, pressed.callout_id, accepted=pressed.answer == "yes")


on_answer = on_press(buttons.CalloutAnswer, answer_pressed)
"""The router's handler of the donors' answer buttons (`co:`): anything else is "this button has expired"."""


async def respond(ctx: Context, callout_id: int, *, accepted: bool) -> None:
    """Records the answer (services.callouts.answers) and replies to the donor."""
    donor = ctx.donor
    assert donor is not None
    outcome = await answers.respond(
        ctx.session,
        callout_id=callout_id,
        donor=donor,
        accepted=accepted,
        catalogs=ctx.catalogs,
        settings=ctx.settings,
        rules=ctx.knowledge.rules,
        now=ctx.now(),
    )
    result, callout = outcome.result, outcome.callout
    if result == "accepted" and callout is not None:
        ctx.say(
            "callout_accepted",
            place=callout.place,
            address=callout.address,
            contact=callout.contact,
            deadline=callout.deadline.astimezone(ctx.settings.tz).strftime("%H:%M %d/%m"),
            choices=[[ctx.choice("button_callout_withdraw", buttons.CalloutAnswer(callout.id, "withdraw"))]],
        )
        for booking in outcome.clashes:
            ctx.say("callout_booking_warning", date=ctx.t.date(booking.day), place=booking.place)
    elif result == "declined" and outcome.withdrew and callout is not None:
        ctx.say("callout_withdrawn")
    elif result == "declined":
        ctx.say("callout_declined")
    elif result == "filled":
        ctx.say("callout_already_filled")
    elif result == "closed":
        ctx.say("callout_closed")
    else:
        ctx.say("error_button_expired")
    ctx.pushed |= outcome.pushed


async def clear_answer(ctx: Context) -> bool:
    """A typed clear yes/no from someone with an unanswered call-out; True when it was one."""
    donor, text = ctx.donor, ctx.typed()
    if donor is None or not text:
        return False
    typed = await answers.typed_answer(ctx.session, donor_id=donor.id, text=text)
    if typed is None:
        return False
    callout_id, accepted = typed
    await respond(ctx, callout_id, accepted=accepted)
    return True
