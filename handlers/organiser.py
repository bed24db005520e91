"""Organiser tools in the chat: check a donor in by code (or QR deep link) and record the result.

Every command and button checks the caller's organiser role again; nobody else learns whether a code
exists. A recorded donation queues a thank-you to the donor through the outbox.
"""

from __future__ import annotations

from datetime import date

from domain.eligibility import DonationKind, next_eligible_date
from domain.ids import parse_id, parse_int
from handlers.context import Context
from handlers.messages import Choice
from models import drives, outbox
from models.tables import Donor

VOLUMES = (250, 350, 450)
DEFERRALS = ("haemoglobin", "blood_pressure", "other")


def actor(ctx: Context) -> str:
    return f"{ctx.incoming.platform}:{ctx.incoming.user_id}"


async def is_organiser(ctx: Context) -> bool:
    return await drives.is_organiser(
        ctx.session, platform=ctx.incoming.platform, user_id=ctx.incoming.user_id
    )


async def check_in(ctx: Context, args: str) -> None:
    """/checkin CODE: marks the donor as arrived and offers the result buttons."""
    if not await is_organiser(ctx):
        ctx.say("organiser_only")
        return
    code = args.strip()
    if not code:
        ctx.say("checkin_usage")
        return
    signup = await drives.check_in(ctx.session, code=code, actor=actor(ctx), now=ctx.now())
    if signup is None:
        ctx.say("checkin_not_found", code=code)
        return
    donor = await ctx.session.get(Donor, signup.donor_id)
    view = await drives.session_view(ctx.session, signup.session_id)
    count = await drives.donation_count(ctx.session, signup.donor_id)
    volumes = [Choice(ctx.t("result_donated", ml=ml), f"res:{signup.id}:{ml}") for ml in VOLUMES]
    defers = [ctx.choice(f"result_defer_{r}", f"res:{signup.id}:defer_{r}") for r in DEFERRALS]
    ctx.say(
        "checkin_done",
        name=donor.full_name if donor else "?",
        code=signup.code,
        start=signup.slot_start.strftime("%H:%M"),
        place=view.place_name if view else "",
        count=count,
        choices=[volumes, defers],
    )


async def on_result(ctx: Context, payload: str) -> None:
    """A result button: donated with a volume, or deferred with a reason."""
    if not await is_organiser(ctx):
        ctx.say("organiser_only")
        return
    signup_part, _, outcome = payload.partition(":")
    signup_id = parse_id(signup_part)
    volume = parse_int(outcome, minimum=min(VOLUMES), maximum=max(VOLUMES))
    donated = volume in VOLUMES
    reason = outcome.removeprefix("defer_") if outcome.startswith("defer_") else None
    if signup_id is None or (not donated and reason not in DEFERRALS):
        ctx.say("error_button_expired")
        return
    donation = await drives.record_result(
        ctx.session,
        signup_id=signup_id,
        donated=donated,
        volume_ml=volume if donated else None,
        deferral_reason=reason,
        actor=actor(ctx),
        now=ctx.now(),
    )
    if donated and donation is None:
        ctx.say("error_button_expired")
        return
    ctx.say("result_recorded_donated" if donated else "result_recorded_deferred")
    if donation is not None:
        await thank(ctx, donation.donor_id, donation.donated_on, signup_id=signup_id)


async def thank(ctx: Context, donor_id: int, donated_on: date, *, signup_id: int) -> None:
    """Queues the thank-you with the donation count and the next eligible date, in the donor's language."""
    donor = await ctx.session.get(Donor, donor_id)
    if donor is None:
        return
    t = ctx.catalogs.get(donor.language)
    count = await drives.donation_count(ctx.session, donor_id)
    next_on = next_eligible_date(
        last_on=donated_on,
        last_kind=DonationKind.WHOLE_BLOOD,
        next_kind=DonationKind.WHOLE_BLOOD,
        rules=ctx.knowledge.rules,
    )
    text = t("thanks_after_donation", name=donor.full_name, count=count, date=t.date(next_on))
    await outbox.enqueue_for_donor(
        ctx.session,
        donor_id=donor_id,
        key=f"thanks:{signup_id}",
        kind="thanks",
        text=text,
        due_at=ctx.now(),
    )
    ctx.pushed = True
