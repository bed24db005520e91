"""Emergency call-outs in the chat: /khancap for organisers, the tally's buttons, the donors' answers.

The organiser describes the need; the preview counts matching reserve donors by blood group and ward;
confirming sends the first wave (services.callouts.waves). A preview that matches nobody cannot be sent;
when compatible groups (domain.compatibility) would find more donors, it offers to ask them too. The
organiser's tally is refreshed in place, keeps its buttons, and comes back with /dskhancap; only
organisers see the accepted donors' names and phones. Donors answer with the message's buttons or a
clear "yes"/"no" (services.callouts.answers). What happens then (waves, filling, closing, the tally's
updates) is in services/callouts/, shared with the scheduler and `donorbot callout`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum

from domain import limits
from domain.blood import parse_blood_group
from domain.compatibility import COMPONENTS
from domain.ids import parse_id, parse_index, parse_int
from domain.phone import display_phone
from handlers import common
from handlers.context import Context
from handlers.messages import Choice
from models import callout_matching, callouts
from models.callout_criteria import Criteria
from models.tables import Callout
from services.callouts import answers, closing, waves
from services.callouts.matching import criteria_of, wider_groups
from services.callouts.need import MAX_UNITS, MIN_TEXT, Need, group_list, label, parse_deadline
from services.callouts.tally import tally_view

NAME = "callout_create"
GROUP_CODES = ("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-")
DEADLINE_HOURS = (2, 6, 24)  # the deadline buttons: in 2, 6 or 24 hours
RECENT = timedelta(hours=24)  # /dskhancap also shows call-outs that ended this recently


class Step(StrEnum):
    GROUPS = "groups"
    COMPONENT = "component"
    UNITS = "units"
    PLACE = "place"
    ADDRESS = "address"
    CONTACT = "contact"
    DEADLINE = "deadline"
    AREA = "area"
    PREVIEW = "preview"


ORDER = list(Step)
# The typed steps and their columns' lengths (callouts.place, .address, .contact).
TEXT_LIMITS = {Step.PLACE: limits.PLACE, Step.ADDRESS: limits.ADDRESS, Step.CONTACT: limits.CONTACT}


# --- the organiser's dialogue --------------------------------------------------------------------


async def start(ctx: Context, _args: str = "") -> None:
    """/khancap: asks which blood groups are needed."""
    if not await ctx.is_organiser():
        ctx.say("organiser_only")
        return
    ctx.state.go(NAME, Step.GROUPS)
    ctx.state.data.update({"groups": [], "wards": []})
    await ask(ctx)


async def ask(ctx: Context, *, edit: bool = False) -> None:
    step = Step(ctx.state.step or Step.GROUPS)
    data = ctx.state.data
    if step is Step.GROUPS:
        picked = set(data["groups"])
        buttons = [Choice(("✓ " if c in picked else "") + label(c), f"cog:{c}") for c in GROUP_CODES]
        rows = [buttons[i : i + 4] for i in range(0, 8, 4)]
        rows.append([ctx.choice("button_done", "cog:done")])
        ctx.say("callout_ask_groups", choices=rows, edit=edit)
    elif step is Step.COMPONENT:
        rows = [[ctx.choice(f"callout_component_{c}", f"coc:{c}")] for c in COMPONENTS]
        ctx.say("callout_ask_component", choices=rows)
    elif step is Step.UNITS:
        ctx.say("callout_ask_units")
    elif step is Step.PLACE:
        ctx.say("callout_ask_place")
    elif step is Step.ADDRESS:
        ctx.say("callout_ask_address")
    elif step is Step.CONTACT:
        ctx.say("callout_ask_contact")
    elif step is Step.DEADLINE:
        rows = [[ctx.choice("callout_in_hours", f"codl:{h}", hours=h) for h in DEADLINE_HOURS]]
        ctx.say("callout_ask_deadline", choices=rows)
    elif step is Step.AREA:
        wards = ctx.settings.area.wards
        picked = set(data["wards"])
        buttons = [Choice(("✓ " if w in picked else "") + w, f"coa:{i}") for i, w in enumerate(wards)]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([ctx.choice("callout_all_wards", "coa:all"), ctx.choice("button_done", "coa:done")])
        ctx.say("callout_ask_area", choices=rows, edit=edit)
    else:
        await preview(ctx, edit=edit)


class CreateFlow:
    name = NAME

    async def on_input(self, ctx: Context) -> None:
        """Reads one answer (the role is checked again on every step)."""
        if not await ctx.is_organiser():
            ctx.state.clear()
            ctx.say("organiser_only")
            return
        step = Step(ctx.state.step or Step.GROUPS)
        outcome = await read(ctx, step)
        if outcome == "stay":
            await ask(ctx, edit=True)
        elif outcome == "done":
            return
        elif outcome:
            limit = TEXT_LIMITS.get(step)
            ctx.say_text(ctx.t(outcome, limit=limit) if limit else ctx.t(outcome))
            await ask(ctx)
        else:
            ctx.state.step = ORDER[ORDER.index(step) + 1]
            await ask(ctx)

    async def reprompt(self, ctx: Context) -> None:
        await ask(ctx)


FLOW = CreateFlow()


async def read(ctx: Context, step: Step) -> str | None:
    """None: stored, go on; "stay": a toggle, ask again in place; "done": ended; else an error key."""
    data, text = ctx.state.data, ctx.typed()
    if step is Step.GROUPS:
        picked = ctx.picked("cog")
        if picked == "done":
            return None if data["groups"] else "callout_error_groups"
        if picked in GROUP_CODES:
            data["groups"] = sorted(set(data["groups"]) ^ {picked}, key=GROUP_CODES.index)
            return "stay"
        codes = [parse_blood_group(part) for part in re.split(r"[,;]| va | và | and ", text or "")]
        if not text or any(g is None or g.abo is None or g.rh is None for g in codes):
            return "callout_error_groups"
        data["groups"] = sorted({g.code for g in codes if g}, key=GROUP_CODES.index)
    elif step is Step.COMPONENT:
        picked = ctx.picked("coc")
        if picked not in COMPONENTS:
            return "error_use_buttons_current"
        data["component"] = picked
    elif step is Step.UNITS:
        units = parse_int(text, minimum=1, maximum=MAX_UNITS)
        if units is None:
            return "callout_error_units"
        data["units"] = units
    elif step in TEXT_LIMITS:
        if not text or not MIN_TEXT <= len(text) <= TEXT_LIMITS[step] or text.startswith("/"):
            return f"callout_error_{step.value}"
        data[step.value] = " ".join(text.split())
    elif step is Step.DEADLINE:
        hours = parse_int(ctx.picked("codl"), minimum=1, maximum=max(DEADLINE_HOURS))
        deadline: datetime | None = None
        if hours in DEADLINE_HOURS:
            deadline = ctx.now() + timedelta(hours=hours)
        elif text:
            deadline = parse_deadline(text, now=ctx.now(), settings=ctx.settings)
        if deadline is None:
            return "callout_error_deadline"
        data["deadline"] = deadline.isoformat()
    elif step is Step.AREA:
        wards = ctx.settings.area.wards
        picked = ctx.picked("coa")
        if picked == "all":
            data["wards"] = []
            return None
        if picked == "done":
            return None
        if (index := parse_index(picked, len(wards))) is not None:
            data["wards"] = [w for w in wards if (w in data["wards"]) != (w == wards[index])]
            return "stay"
        return "error_use_buttons_current"
    else:
        answer = ctx.picked("cogo")
        if answer == "no":
            ctx.state.clear()
            common.say_cancelled(ctx, "khancap")
            return "done"
        if answer == "widen":
            extra = wider_groups(ctx.settings, data["groups"], data["component"], _criteria_for(ctx).groups)
            if not extra:
                return "error_use_buttons_current"
            data["donor_groups"] = [*_criteria_for(ctx).groups, *extra]
            return "stay"
        if answer != "yes":
            return "error_use_buttons_current"
        if not await launch(ctx):
            return "callout_nobody_to_send"
        return "done"
    return None


def _need(ctx: Context) -> Need:
    """The call-out described so far (complete from the preview on)."""
    d = ctx.state.data
    return Need(
        groups=d["groups"],
        component=d["component"],
        units=d["units"],
        place=d["place"],
        address=d["address"],
        contact=d["contact"],
        deadline=datetime.fromisoformat(d["deadline"]),
        wards=d["wards"],
        donor_groups=d.get("donor_groups"),
    )


def _criteria_for(ctx: Context) -> Criteria:
    return criteria_of(_need(ctx), ctx.settings, ctx.knowledge.rules, now=ctx.now())


async def preview(ctx: Context, *, edit: bool = False) -> None:
    """How many reserve donors match, by blood group and ward, before anything is sent.

    Send is offered only when someone matches; widening to compatible groups whenever there are
    some the call-out does not ask yet (the organiser decides; whole blood only, unless config.toml
    names compatible groups for platelets).
    """
    found = _criteria_for(ctx)
    counts = await callout_matching.preview(ctx.session, found)
    d = ctx.state.data
    lines = "\n".join(
        f"• {label(code)} · {ward or ctx.t('ward_other')}: {n}"
        for (code, ward), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0]))
    )
    total = sum(counts.values())
    deadline = datetime.fromisoformat(d["deadline"]).astimezone(ctx.settings.tz)
    text = ctx.t(
        "callout_preview",
        groups=group_list(d["groups"]),
        component=ctx.t(f"callout_component_{d['component']}"),
        units=d["units"],
        place=d["place"],
        deadline=deadline.strftime("%H:%M %d/%m/%Y"),
        area=", ".join(d["wards"]) or ctx.t("callout_all_wards"),
        total=total,
        lines=lines or ctx.t("callout_no_match"),
    )
    parts = [text]
    if d.get("donor_groups"):
        added = [g for g in d["donor_groups"] if g not in d["groups"]]
        parts[0] += "\n" + ctx.t("callout_preview_widened", groups=group_list(added))
    wave = min(total, d["units"] * ctx.settings.callouts.wave_factor)
    parts.append(ctx.t("callout_preview_send", wave=wave) if total else ctx.t("callout_preview_nobody"))
    extra = wider_groups(ctx.settings, d["groups"], d["component"], found.groups)
    rows: list[list[Choice]] = []
    if extra:
        groups = group_list(extra)
        parts.append(ctx.t("callout_preview_widen", groups=groups))
        rows.append([ctx.choice("button_callout_widen", "cogo:widen", groups=groups)])
    send = [ctx.choice("button_send_callout", "cogo:yes")] if total else []
    rows.append([*send, ctx.choice("button_cancel", "cogo:no")])
    ctx.say_text("\n\n".join(parts), choices=rows, edit=edit)


async def launch(ctx: Context) -> bool:
    """Creates the call-out, messages the first wave and shows the live tally; False (nothing created)
    when nobody matches (a preview pressed late, or forged)."""
    launched = await waves.launch(
        ctx.session,
        _need(ctx),
        created_by_account_id=ctx.account.id if ctx.account else None,
        tally_chat_id=ctx.incoming.chat_id,
        actor=ctx.actor,
        catalogs=ctx.catalogs,
        settings=ctx.settings,
        rules=ctx.knowledge.rules,
        now=ctx.now(),
    )
    if launched is None:
        return False
    ctx.state.clear()
    ctx.pushed = True
    launched.callout.tally_message_id = ctx.incoming.ref  # the preview message becomes the live tally
    await show_tally(ctx, launched.callout.id, edit=True)
    ctx.say("callout_launched", id=launched.callout.id, sent=launched.sent)
    return True


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


async def on_tally_button(ctx: Context, payload: str) -> None:
    """Refresh, accepted list, extend or close — organisers only, checked on every press.

    The tally pressed by the organiser who created the call-out becomes the live one (the one its
    updates edit), so a tally brought back with /dskhancap takes over from one far up the chat.
    """
    if not await ctx.is_organiser():
        ctx.say("organiser_only")
        return
    action, _, cid = payload.partition(":")
    callout_id = parse_id(cid)
    callout = await ctx.session.get(Callout, callout_id) if callout_id is not None else None
    if callout is None:
        ctx.say("error_button_expired")
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
    if not await ctx.is_organiser():
        ctx.say("organiser_only")
        return
    found = await callouts.running(ctx.session, since=ctx.now() - RECENT)
    if not found:
        ctx.say("callout_none_running")
        return
    for callout in found:
        await show_tally(ctx, callout.id)


# --- the donor's answer ----------------------------------------------------------------------------


async def on_answer(ctx: Context, payload: str) -> None:
    """Accept / Can't come on a call-out message; "Can't come after all" on the acceptance."""
    cid, _, answer = payload.partition(":")
    callout_id = parse_id(cid)
    if ctx.donor is None or callout_id is None or answer not in ("yes", "no", "withdraw"):
        ctx.say("error_button_expired")
        return
    await respond(ctx, callout_id, accepted=answer == "yes")


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
            choices=[[ctx.choice("button_callout_withdraw", f"co:{callout.id}:withdraw")]],
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
