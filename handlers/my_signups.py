"""The donor's own sign-ups: /lichcuatoi, their own QR opened, changing the time, cancelling.

Split from handlers/drives.py (listing and booking). A sign-up's Change time / Cancel buttons live under
/lichcuatoi and on reminders (scheduler/planner.py packs the same buttons) and may be pressed days
later, so every press checks again that the sign-up is the donor's own and can still change. A change
forgets the reminders still waiting; the planner queues them again from the sign-up as it is now.
"""

from __future__ import annotations

from core import buttons
from handlers.context import Context
from handlers.drives import ended, hhmm
from handlers.messages import Choice
from models import checkin, drive_days, outbox, signups
from models.drive_days import DriveDayView
from models.signups import TakeRefusal
from models.tables import Signup
from services import tickets

FINISHED = ("checked_in", "donated", "deferred")
"""Sign-up statuses after the donor came: shown in /lichcuatoi with what happened, never changed there."""


async def my_signups(ctx: Context, _args: str = "", *, cancel_only: bool = False) -> None:
    """/lichcuatoi: my sign-ups for sessions not over yet, each with change and cancel buttons (only cancel
    ones when the person asked to cancel: "tôi muốn hủy lịch hẹn")."""
    donor = ctx.donor
    if donor is None:
        ctx.say("not_registered")
        return
    mine = await signups.my_signups(ctx.session, donor_id=donor.id, now=ctx.now(), tz=ctx.settings.tz)
    if not mine:
        ctx.say("my_signups_none")
        return
    if cancel_only:
        ctx.say("cancel_signup_pick")
    for signup, view in mine:
        _say_signup(ctx, signup, view, cancel_only=cancel_only)


def _say_signup(ctx: Context, signup: Signup, view: DriveDayView, *, cancel_only: bool = False) -> None:
    """One sign-up: the day, time, place and code; what happened once the donor came; change and cancel
    buttons while it can still change."""
    text = ctx.t(
        "my_signup",
        day=ctx.t.day(view.day),
        start=hhmm(signup.slot_start),
        place=view.place_name,
        code=signup.code,
    )
    if signup.status in FINISHED:
        ctx.say_text(text + "\n" + ctx.t(f"my_signup_status_{signup.status}"))
        return
    if view.status != "scheduled":
        ctx.say_text(text + "\n" + ctx.t("my_signup_session_cancelled"))
        return
    ctx.say_text(text, choices=[change_buttons(ctx, signup.id, cancel_only=cancel_only)])


async def show_own_signup(ctx: Context, code: str) -> bool:
    """A donor opened the check-in link of their own sign-up (scanned their own QR): shows that
    booking instead of "organisers only". False when the code is not one of theirs (nothing said, so
    nobody learns whether someone else's code exists)."""
    donor = ctx.donor
    signup = await checkin.signup_by_code(ctx.session, code) if donor is not None else None
    if donor is None or signup is None or signup.donor_id != donor.id:
        return False
    ctx.say("own_qr")
    mine = {
        s.id: (s, v)
        for s, v in await signups.my_signups(
            ctx.session, donor_id=donor.id, now=ctx.now(), tz=ctx.settings.tz
        )
    }
    if signup.id in mine:
        _say_signup(ctx, *mine[signup.id])
    else:
        ctx.say("own_qr_not_upcoming")
    return True


def change_buttons(ctx: Context, signup_id: int, *, cancel_only: bool = False) -> list[Choice]:
    """Change time / Cancel for one sign-up (under /lichcuatoi and on reminders)."""
    cancel = ctx.choice("button_cancel_signup", buttons.CancelSignup(signup_id))
    if cancel_only:
        return [cancel]
    return [ctx.choice("button_change_slot", buttons.MoveSignup(signup_id)), cancel]


async def forget_reminders(ctx: Context, signup: Signup) -> None:
    """Reminders of this sign-up still waiting say the old time (or that it is on): the planner queues
    them again from the sign-up as it is now, if it is still on."""
    await outbox.forget_waiting(ctx.session, key_prefix=f"reminder:{signup.drive_day_id}:{signup.donor_id}:")


async def _changeable(ctx: Context, signup_id: int) -> tuple[Signup, DriveDayView] | None:
    """The donor's own sign-up and its session if it can still change; otherwise says why and gives None.

    Buttons for a sign-up live on /lichcuatoi and on reminders, and may be pressed days later: by then
    the donor may have donated, the session may have been cancelled or be over.
    """
    donor = ctx.donor
    signup = await ctx.session.get(Signup, signup_id)
    if donor is None or signup is None or signup.donor_id != donor.id:
        ctx.say("error_button_expired")
        return None
    view = await drive_days.drive_day_view(ctx.session, signup.drive_day_id)
    if view is None:
        ctx.say("error_button_expired")
        return None
    if signup.status == "cancelled":
        ctx.say("signup_already_cancelled")
    elif signup.status in FINISHED:
        ctx.say("signup_finished", status=ctx.t(f"signup_state_{signup.status}"))
    elif view.status != "scheduled":
        ctx.say("signup_session_cancelled", day=ctx.t.date(view.day), place=view.place_name)
    elif ended(ctx, view):
        ctx.say("signup_session_past", day=ctx.t.date(view.day))
    else:
        return signup, view
    return None


async def on_my_signup(ctx: Context, pressed: buttons.MoveSignup | buttons.CancelSignup) -> None:
    """Change or cancel buttons under /lichcuatoi and on reminders."""
    found = await _changeable(ctx, pressed.signup_id)
    if found is None:
        return
    signup, view = found
    assert signup.donor_id is not None  # `_changeable` found it among the donor's own
    if isinstance(pressed, buttons.CancelSignup):
        done = await signups.cancel_signup(
            ctx.session, signup_id=signup.id, donor_id=signup.donor_id, now=ctx.now()
        )
        if done:
            await forget_reminders(ctx, signup)
        ctx.say("signup_cancelled" if done else "error_button_expired")
        return
    slots = [
        s
        for s in await signups.free_slots(ctx.session, view.id, open_at=(ctx.now(), ctx.settings.tz))
        if s.start != signup.slot_start
    ]
    if not slots:
        ctx.say("drive_full")
        return
    choices = [Choice(hhmm(s.start), buttons.MoveToSlot(signup.id, s.start).pack()) for s in slots]
    ctx.say("ask_new_slot", choices=[choices[i : i + 3] for i in range(0, len(choices), 3)])


async def on_move_slot(ctx: Context, pressed: buttons.MoveToSlot) -> None:
    """A new time was chosen: moves the sign-up and sends the calendar file again, for the new time."""
    slot = pressed.at
    found = await _changeable(ctx, pressed.signup_id)
    if found is None:
        return
    signup, view = found
    assert signup.donor_id is not None  # `_changeable` found it among the donor's own
    result = await signups.move_signup(
        ctx.session,
        signup_id=signup.id,
        donor_id=signup.donor_id,
        slot_start=slot,
        now=ctx.now(),
        tz=ctx.settings.tz,
    )
    if isinstance(result, Signup):
        await forget_reminders(ctx, result)
        ctx.say("signup_moved", start=hhmm(result.slot_start))
        ics = tickets.signup_ics(ctx.t, view, result, tz=ctx.settings.tz, now=ctx.now())
        ctx.say("drive_ics_caption_updated", attachment=ics)
    elif result is TakeRefusal.FULL:
        ctx.press_refused = True  # the other slots on the pressed message are still good
        ctx.say("slot_full")
    elif result is TakeRefusal.PAST:
        ctx.press_refused = True
        ctx.say("slot_over")
    else:
        ctx.say("error_button_expired")
