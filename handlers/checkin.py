"""Organiser tools in the chat: check a donor in by code (or QR deep link) and record the result.

Every command and button checks the caller's organiser role again; nobody else learns whether a code
exists. The desk, step by step:

* `/checkin CODE` (or the QR deep link) on the session's day marks the donor as arrived and shows the
  check-in screen: the session's date, the donor's weight and the result buttons. A code of a session on
  another day is only checked in after an explicit "check in anyway" that names both dates; the donation
  is then dated on the day of the check-in.
* The volume buttons are those the rules allow for the donor's weight (`domain.volumes.
  whole_blood_volumes`); the screen says why one is missing, and "enter the weight measured here" adds
  or corrects the weight. A volume the rules do not allow is refused even from a forged button.
* Once a result is recorded, a second check-in shows it with "Correct the result"; a stale result
  button of an earlier screen is refused. Only the correction screen changes a recorded result.
* A recorded donation queues a thank-you to the donor through the outbox, `THANKS_DELAY` later, so a
  result corrected at the desk meanwhile withdraws it before the donor sees it (services.checkin); a
  walk-in without a chat is thanked by nobody, and the desk is told so.
* The screen shows the blood group and where it comes from (the lab, or the donor's word) with the
  "blood group from the lab" button, also offered with a first donation's result (handlers/desk.py).

Finding a donor without a code, walk-ins and the lab's group are in handlers/desk.py.
"""

from __future__ import annotations

from typing import Final

from babel.numbers import format_decimal

from core import buttons
from core.i18n import Translator
from domain.blood import ABO, BloodGroup, Rh
from domain.ids import parse_id, parse_int
from domain.measures import parse_weight_kg
from domain.roles import Capability
from domain.rules import Rules
from domain.volumes import VolumeLimit, Volumes
from handlers.context import Context
from handlers.flow import END, Dialogue, Edge, Parsed, Step, organiser_only, signup_in_scope
from handlers.messages import Choice
from models import checkin, drive_days, honours
from models.checkin import CheckInRefusal
from models.tables import Donor, Signup
from services import checkin as desk_service
from services.checkin import (
    DEFERRALS,
    RESULTS,
    THANKS_DELAY,
    DeskResultKind,
    allowed_volumes,
    record_desk_result,
    record_weight,
)

VOLUMES = checkin.VOLUMES
WEIGHT: Final = "desk_weight"


def kg(t: Translator, value: float) -> str:
    """A weight as people of the language write it: 52,5 in Vietnamese, 52.5 in English."""
    return str(format_decimal(value, format="#,##0.#", locale=t.lang))


async def check_in(ctx: Context, args: str) -> None:
    """/checkin CODE: marks the donor as arrived on the session's day and shows the check-in screen."""
    if not await organiser_only(ctx, Capability.CHECKIN):  # also reached from the QR's deep link
        return
    if ctx.state.flow == WEIGHT:
        ctx.state.clear()
    code = args.strip()
    if not code:
        ctx.say("checkin_usage")
        return
    found = await checkin.signup_by_code(ctx.session, code)  # a desk's day, a ward's days (domain.roles)
    if found is not None and not await signup_in_scope(ctx, Capability.CHECKIN, found):
        return
    result = await checkin.check_in(ctx.session, code=code, actor=ctx.actor, now=ctx.now(), today=ctx.today())
    if result is CheckInRefusal.NOT_FOUND:
        ctx.say("checkin_not_found", code=code)
    elif result is CheckInRefusal.OTHER_DAY:
        signup = await checkin.signup_by_code(ctx.session, code)
        assert signup is not None
        await ask_other_day(ctx, signup)
    else:
        assert isinstance(result, Signup)
        await show_desk(ctx, result)


async def ask_other_day(ctx: Context, signup: Signup) -> None:
    """The code is of a session on another day: says which day, and offers to check in anyway today."""
    donor = await ctx.session.get(Donor, signup.donor_id) if signup.donor_id is not None else None
    today, anyway = ctx.today(), buttons.DeskCheckIn(signup.id)
    ctx.say(
        "desk_other_day",
        code=signup.code,
        name=donor.full_name if donor else "?",
        day=ctx.t.day(signup.drive_day.day),
        place=signup.drive_day.place_name,
        today=ctx.t.day(today),
        choices=[[ctx.choice("desk_button_check_in_anyway", anyway, date=ctx.t.date(today))]],
    )


def describe_result(t: Translator, signup: Signup) -> str:
    """The recorded result as the buttons name it ("Đã hiến 350 ml", "Hoãn: huyết áp")."""
    if signup.status == "donated":
        return t("result_donated", ml=signup.result_volume_ml or "?")
    reason = signup.deferral_reason if signup.deferral_reason in DEFERRALS else "other"
    return t(f"result_defer_{reason}")


def blood_text(t: Translator, donor: Donor) -> str:
    """The donor's blood group and where it comes from: the lab (and when) or the donor's own word."""
    group = BloodGroup(
        ABO(donor.blood_abo) if donor.blood_abo else None, Rh(donor.blood_rh) if donor.blood_rh else None
    )
    if not group.label:
        return t("blood_unknown")
    if donor.blood_confirmed_on is not None:
        return t("desk_blood_confirmed", group=group.label, date=t.date(donor.blood_confirmed_on))
    return t("desk_blood_self_reported", group=group.label)


def volumes_for(ctx: Context, donor: Donor) -> Volumes:
    return allowed_volumes(ctx.knowledge.rules, donor)


def weight_line(t: Translator, rules: Rules, donor: Donor, volumes: Volumes, *, button: str = "") -> str:
    """What the weight allows, and why a volume button is missing (`button`: how the screen names the
    way to enter the weight, the chat's button by default)."""
    rule = rules.weight
    left_out = ", ".join(f"{ml} ml" for ml in volumes.left_out)
    if volumes.limit is VolumeLimit.NO_WEIGHT or donor.weight_kg is None:
        return t("desk_weight_unknown", button=button or t("desk_button_weight"))
    weight = kg(t, donor.weight_kg)
    if volumes.limit is VolumeLimit.BELOW_MIN:
        return t("desk_weight_below_min", kg=weight, min_kg=kg(t, volumes.min_kg or 0))
    largest = max(volumes.allowed)
    if not volumes.left_out:
        return t("desk_weight_ok", kg=weight, max_ml=largest)
    if volumes.limit is VolumeLimit.SMALL:
        return t(
            "desk_weight_small",
            kg=weight,
            full_kg=kg(t, rule.full_volume_from_kg),
            max_ml=largest,
            left_out=left_out,
        )
    return t("desk_weight_per_kg", kg=weight, per_kg=kg(t, rule.ml_per_kg), max_ml=largest, left_out=left_out)


async def show_desk(ctx: Context, signup: Signup, *, correcting: bool = False) -> None:
    """The check-in screen: who, which session (its date), the weight, and the result buttons — or,
    once a result is recorded, that result with a button to correct it."""
    assert signup.donor_id is not None
    donor = await ctx.session.get(Donor, signup.donor_id)
    view = await drive_days.drive_day_view(ctx.session, signup.drive_day_id)
    if donor is None or view is None:
        ctx.say("error_button_expired")
        return
    count = await honours.total_count(ctx.session, donor.id)
    header = ctx.t(
        "checkin_done",
        name=donor.full_name,
        day=ctx.t.day(view.day),
        code=signup.code,
        start=signup.slot_start.strftime("%H:%M"),
        place=view.place_name,
        count=count,
    )
    recorded = signup.status in RESULTS
    if recorded and not correcting:
        text = ctx.t(
            "desk_result_recorded", result=describe_result(ctx.t, signup), button=ctx.t("desk_button_fix")
        )
        ctx.say_text(
            header + "\n\n" + text, choices=[[ctx.choice("desk_button_fix", buttons.DeskFix(signup.id))]]
        )
        return
    volumes = volumes_for(ctx, donor)
    mark = "fix" if correcting else ""
    rows: list[list[Choice]] = []
    if volumes.allowed:
        rows.append(
            [
                Choice(ctx.t("result_donated", ml=ml), buttons.Result(signup.id, str(ml), mark).pack())
                for ml in volumes.allowed
            ]
        )
    rows.append(
        [ctx.choice(f"result_defer_{r}", buttons.Result(signup.id, f"defer_{r}", mark)) for r in DEFERRALS]
    )
    rows.append([ctx.choice("desk_button_weight", buttons.DeskWeight(signup.id, mark))])
    rows.append([ctx.choice("desk_button_lab_group", buttons.DeskBlood(signup.id))])
    ask = (
        ctx.t("desk_correcting", result=describe_result(ctx.t, signup))
        if recorded
        else ctx.t("desk_pick_result")
    )
    blood = ctx.t("desk_blood_line", group=blood_text(ctx.t, donor))
    weight = weight_line(ctx.t, ctx.knowledge.rules, donor, volumes)
    ctx.say_text("\n".join((header, weight, blood, "", ask)), choices=rows)


async def _desk_signup(ctx: Context, signup_id: int | None) -> Signup | None:
    """The sign-up a desk button names, if it is checked in (or has a result) and its donor still exists."""
    found = await desk_service.desk_signup(ctx.session, signup_id)
    return found[0] if found is not None else None


DeskButton = buttons.DeskCheckIn | buttons.DeskFix | buttons.DeskWeight
DESK_BUTTONS: Final = (buttons.DeskCheckIn, buttons.DeskFix, buttons.DeskWeight)


async def on_desk(ctx: Context, pressed: DeskButton) -> None:
    """`desk:in:{id}` check in anyway on another day; `desk:fix:{id}` correct the result;
    `desk:weight:{id}[:fix]` type the weight measured at the desk (organisers only: the registry's
    `on_press` checks the role)."""
    signup_id = pressed.signup_id
    if ctx.state.flow == WEIGHT:
        ctx.state.clear()  # another screen's button: the weight asked for before is not awaited any more
    found = await ctx.session.get(Signup, signup_id)
    if found is not None and not await signup_in_scope(ctx, Capability.CHECKIN, found):
        return
    if isinstance(pressed, buttons.DeskCheckIn):
        result = await checkin.check_in(
            ctx.session, signup_id=signup_id, actor=ctx.actor, now=ctx.now(), today=ctx.today(), any_day=True
        )
        if isinstance(result, Signup):
            await show_desk(ctx, result)
        else:
            ctx.say("error_button_expired")
        return
    signup = await _desk_signup(ctx, signup_id)
    if signup is None:
        ctx.say("error_button_expired")
        return
    if isinstance(pressed, buttons.DeskFix):
        await show_desk(ctx, signup, correcting=True)
        return
    ctx.state.go(WEIGHT, "weight")
    ctx.state.data.update({"signup_id": signup.id, "fix": pressed.fix == "fix"})
    await WEIGHT_FLOW.ask(ctx)


async def _weighed(ctx: Context) -> tuple[Signup, Donor] | None:
    """The sign-up whose weight is asked (kept in the dialogue's data) and its donor, if both still exist."""
    signup = await _desk_signup(ctx, parse_id(str(ctx.state.data.get("signup_id", ""))))
    donor = await ctx.session.get(Donor, signup.donor_id) if signup and signup.donor_id else None
    return (signup, donor) if signup is not None and donor is not None else None


async def ask_weight(ctx: Context, _page: int = 0) -> None:
    found = await _weighed(ctx)
    ctx.say("desk_ask_weight", name=found[1].full_name if found else "?")


async def read_weight(ctx: Context) -> Parsed:
    if await _weighed(ctx) is None:  # the sign-up or its donor is gone meanwhile
        ctx.state.clear()
        return Parsed(error="error_button_expired", reask=False)
    typed = ctx.typed()
    weight = parse_weight_kg(typed) if typed else None
    return Parsed(weight) if weight is not None else Parsed(error="desk_weight_error", reask=False)


async def save_weight(ctx: Context, weight: Parsed) -> None:
    """Stores the weight on the donor and shows the check-in screen again with its volumes."""
    found = await _weighed(ctx)
    assert found is not None  # read_weight found them in this same turn
    signup, donor = found
    await record_weight(
        ctx.session, donor=donor, weight_kg=weight.value, signup_id=signup.id, actor=ctx.actor, now=ctx.now()
    )
    correcting = bool(ctx.state.data.get("fix"))
    ctx.state.clear()
    ctx.say("desk_weight_saved", kg=kg(ctx.t, weight.value), name=donor.full_name)
    await show_desk(ctx, signup, correcting=correcting)


WEIGHT_FLOW = Dialogue(
    name=WEIGHT,
    steps=(
        Step(
            "weight",
            ask_weight,
            read_weight,
            save_weight,
            edges=(Edge(END, "a weight in kg: on the profile, the check-in screen again"),),
        ),
    ),
    restart="checkin",  # the weight typed at the desk: check the donor in again
    organisers=True,
    entries=(Edge("weight", "Enter the weight (check-in screen, organisers)"),),
)
"""The organiser types the weight measured at the desk; it goes on the donor's profile. A button of
another screen ends it (`on_desk`, `on_result`)."""


async def on_result(ctx: Context, pressed: buttons.Result) -> None:
    """A result button: donated with a volume, or deferred with a reason (`:fix` from the correction
    screen, the only one that changes a result already recorded; organisers only, checked by `on_press`).
    The desk's rules are `services.checkin.record_desk_result`'s."""
    if ctx.state.flow == WEIGHT:
        ctx.state.clear()
    signup_id, outcome, mark = pressed.signup_id, pressed.outcome, pressed.fix
    volume = parse_int(outcome, minimum=min(VOLUMES), maximum=max(VOLUMES))
    donated = volume in VOLUMES
    reason = outcome.removeprefix("defer_") if outcome.startswith("defer_") else None
    if not donated and reason not in DEFERRALS:
        ctx.say("error_button_expired")
        return
    signup = await _desk_signup(ctx, signup_id)
    if signup is None:
        ctx.say("error_button_expired")
        return
    if not await signup_in_scope(ctx, Capability.RESULT, signup):
        return
    done = await record_desk_result(
        ctx.session,
        settings=ctx.settings,
        catalogs=ctx.catalogs,
        rules=ctx.knowledge.rules,
        signup_id=signup.id,
        donated=donated,
        volume_ml=volume if donated else None,
        deferral_reason=reason,
        correcting=mark == "fix",
        actor=ctx.actor,
        now=ctx.now(),
        today=ctx.today(),
    )
    if done.kind is DeskResultKind.GONE or done.signup is None or done.donor is None:
        ctx.say("error_button_expired")
        return
    donor = done.donor
    if done.kind is DeskResultKind.VOLUME_REFUSED:
        assert done.volumes is not None
        ctx.press_refused = True  # the other buttons of the screen are still good
        weight = weight_line(ctx.t, ctx.knowledge.rules, donor, done.volumes)
        ctx.say_text(ctx.t("desk_volume_refused", ml=volume) + "\n" + weight)
        return
    if done.kind is DeskResultKind.SAME:
        ctx.say("desk_result_same", result=describe_result(ctx.t, done.signup))
        return
    if done.kind is DeskResultKind.DIFFERS:
        ctx.say(
            "desk_result_differs",
            result=describe_result(ctx.t, done.signup),
            button=ctx.t("desk_button_fix"),
            choices=[[ctx.choice("desk_button_fix", buttons.DeskFix(signup.id))]],
        )
        return
    lab: list[list[Choice]] = []
    if donated and donor.blood_confirmed_on is None:  # the first donation's result: the lab's group too
        lab = [[ctx.choice("desk_button_lab_group", buttons.DeskBlood(signup.id))]]
    if donated and done.has_chat:
        ctx.say("result_recorded_donated", minutes=int(THANKS_DELAY.total_seconds() // 60), choices=lab)
    elif donated:  # a walk-in without a chat: nobody to thank in the chat
        ctx.say("desk_result_recorded_no_chat", choices=lab)
    else:
        ctx.say("result_recorded_deferred")
    if done.donation is not None and done.has_chat:
        ctx.pushed = True  # its thank-you (services.checkin.thank)
