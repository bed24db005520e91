"""/nhacnho: reminders on or off; and the donor's answer to "how do you feel?" the day after a donation.

Turning reminders off also cancels the ones already queued (session reminders, ward invitations, "give
again" nudges). An answer other than "fine" is passed on to every organiser at once, with the donor's
name and phone so they can call; "fine" bothers nobody.
"""

from __future__ import annotations

from typing import Final

from core import buttons
from domain.phone import display_phone
from handlers.context import Context
from models import accounts, drive_days, organisers, outbox
from models.tables import Donor, Signup

REMINDER_PREFIXES: Final = ("reminder:", "ward:", "nudge:")
"""Outbox keys of the pushes /nhacnho switches off (see scheduler/planner.py)."""


def _status(ctx: Context, enabled: bool) -> None:
    switch = buttons.Reminders("off" if enabled else "on")
    if enabled:
        ctx.say("reminders_status_on", choices=[[ctx.choice("reminders_button_off", switch)]])
    else:
        ctx.say("reminders_status_off", choices=[[ctx.choice("reminders_button_on", switch)]])


async def show(ctx: Context, _args: str = "") -> None:
    """/nhacnho (/reminders): whether reminders are on, with a button to switch."""
    if ctx.donor is None:
        ctx.say("reminders_register_first")
        return
    _status(ctx, ctx.donor.reminders_enabled)


async def on_toggle(ctx: Context, pressed: buttons.Reminders) -> None:
    """`remind:on` / `remind:off`."""
    donor = ctx.donor
    if donor is None:
        ctx.say("reminders_register_first")
        return
    enabled = pressed.switch == "on"
    if donor.reminders_enabled != enabled:
        donor.reminders_enabled = enabled
        donor.updated_at = ctx.now()
    if not enabled:
        for account in await accounts.accounts_of(ctx.session, donor.id):
            await outbox.cancel_for_account(ctx.session, account.id, key_prefixes=REMINDER_PREFIXES)
    ctx.say("reminders_turned_on" if enabled else "reminders_turned_off")


async def on_feeling(ctx: Context, pressed: buttons.Feeling) -> None:
    """`feel:{signup_id}:{answer}`: stores the answer on the donor's own sign-up and thanks them."""
    donor, answer = ctx.donor, pressed.answer
    signup = await ctx.session.get(Signup, pressed.signup_id)
    if donor is None or signup is None or signup.donor_id != donor.id or signup.status != "donated":
        ctx.say("error_button_expired")
        return
    now = ctx.now()
    if signup.feeling not in (None, answer):  # a changed answer: the organisers' notice of the old one goes
        await outbox.withdraw(ctx.session, key_prefix=f"feel:{signup.id}:")
    signup.feeling, signup.feeling_at, signup.updated_at = answer, now, now
    ctx.say(f"feel_reply_{answer}", hotline=ctx.settings.bot.hotline)
    if answer != "fine" and await _tell_organisers(ctx, donor, signup, answer):
        ctx.say("feel_told_organisers")


async def _tell_organisers(ctx: Context, donor: Donor, signup: Signup, answer: str) -> bool:
    """A notice to every organiser's chat (in their language); False when there is nobody to tell."""
    view = await drive_days.drive_day_view(ctx.session, signup.drive_day_id)
    told = False
    for account, _role in await organisers.listing(ctx.session):
        if account.unreachable_at is not None:
            continue
        linked = await ctx.session.get(Donor, account.donor_id) if account.donor_id is not None else None
        t = ctx.catalogs.get(linked.language if linked is not None else ctx.settings.bot.default_language)
        text = t(
            "feel_organiser_notice",
            answer=t(f"feel_answer_{answer}"),
            name=donor.full_name,
            phone=display_phone(donor.phone),
            day=t.date(view.day) if view is not None else None,  # None: the line is left out
            place=view.place_name if view is not None else None,
        )
        await outbox.enqueue(
            ctx.session,
            key=f"feel:{signup.id}:{answer}:{account.id}",
            account_id=account.id,
            kind="notice",
            text=text,
            about_donor_id=donor.id,  # names the donor and their health report: erased with them
            due_at=ctx.now(),
        )
        told = True
    if told:
        ctx.pushed = True
    return told
