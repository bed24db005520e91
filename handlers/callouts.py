"""Emergency call-outs: /khancap for organisers, Accept / Can't-come for reserve donors, waves.

The organiser describes the need; the preview counts matching reserve donors by blood group and ward;
confirming messages the first wave through the outbox (call-outs go first and ignore quiet hours).
Further waves follow every `wave_interval_minutes` until enough donors accept or the deadline passes.
Only a button or a clear "yes" accepts: "I'll try" does not. The organiser's tally is refreshed in
place, and only organisers see the accepted donors' names and phones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Catalogs, Translator
from domain import limits
from domain.blood import BloodGroup, parse_blood_group
from domain.choices import parse_yes_no
from domain.dates import parse_date
from domain.eligibility import Rules
from domain.ids import parse_id, parse_index, parse_int
from domain.phone import display_phone
from handlers import common
from handlers.context import Context
from handlers.messages import Choice
from handlers.organiser import actor, is_organiser
from models import audit, callouts, outbox
from models.tables import Callout
from scheduler.planner import quiet_shift

NAME = "callout_create"
GROUP_CODES = ("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-")
COMPONENTS = ("whole_blood", "platelets")
MAX_UNITS = 50
DEADLINE_HOURS = (2, 6, 24)  # the deadline buttons: in 2, 6 or 24 hours
_TIME = re.compile(r"(\d{1,2})\s*[:hg.]\s*(\d{2})?|(\d{1,2})\s*(?:h|gio|giờ)\b")


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
MIN_TEXT = 3
# The typed steps and their columns' lengths (callouts.place, .address, .contact).
TEXT_LIMITS = {Step.PLACE: limits.PLACE, Step.ADDRESS: limits.ADDRESS, Step.CONTACT: limits.CONTACT}


def label(code: str) -> str:
    return BloodGroup.from_code(code).label


# --- the organiser's dialogue --------------------------------------------------------------------


async def start(ctx: Context, _args: str = "") -> None:
    """/khancap: asks which blood groups are needed."""
    if not await is_organiser(ctx):
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
        await preview(ctx)


def parse_deadline(text: str, *, now: datetime, settings: Settings) -> datetime | None:
    """ "18:00" (today, or tomorrow if already past), "24/11 18:00", "24/11/2026 18h"; local time."""
    tz = settings.tz
    local_now = now.astimezone(tz)
    m = _TIME.search(text)
    if m is None:
        return None
    hour = int(m.group(1) or m.group(3))
    minute = int(m.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    rest = (text[: m.start()] + " " + text[m.end() :]).strip()
    day = parse_date(rest, today=local_now.date()) if rest else None
    if rest and day is None:
        day = parse_date(f"{rest}/{local_now.year}", today=local_now.date())
        if day is None:
            return None
    when = datetime.combine(day or local_now.date(), datetime.min.time(), tzinfo=tz).replace(
        hour=hour, minute=minute
    )
    if day is None and when <= local_now:
        when += timedelta(days=1)
    return when if when > local_now else None


class CreateFlow:
    name = NAME

    async def on_input(self, ctx: Context) -> None:
        """Reads one answer (the role is checked again on every step)."""
        if not await is_organiser(ctx):
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
        if answer != "yes":
            return "error_use_buttons_current"
        await launch(ctx)
        return "done"
    return None


def criteria(
    settings: Settings,
    rules: Rules,
    *,
    groups: list[str],
    component: str,
    wards: list[str],
    now: datetime,
    exclude: int | None = None,
) -> callouts.Criteria:
    """What a donor must meet for this call-out (the rules file's age, weight and intervals)."""
    table = settings.callouts.compatibility if settings.callouts.widen_red_cells else None
    return callouts.criteria_for(
        rules,
        needed=groups,
        component=component,
        table=table,
        wards=wards or None,
        ward_order=settings.area.wards,
        day=now.astimezone(settings.tz).date(),
        max_calls_30d=settings.callouts.max_calls_per_30_days,
        now=now,
        exclude_callout_id=exclude,
    )


def _criteria_for(ctx: Context) -> callouts.Criteria:
    d = ctx.state.data
    return criteria(
        ctx.settings,
        ctx.knowledge.rules,
        groups=d["groups"],
        component=d["component"],
        wards=d["wards"],
        now=ctx.now(),
    )


async def preview(ctx: Context) -> None:
    """How many reserve donors match, by blood group and ward, before anything is sent."""
    counts = await callouts.preview(ctx.session, _criteria_for(ctx))
    d = ctx.state.data
    lines = "\n".join(
        f"• {label(code)} · {ward or ctx.t('ward_other')}: {n}"
        for (code, ward), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0]))
    )
    total = sum(counts.values())
    deadline = datetime.fromisoformat(d["deadline"]).astimezone(ctx.settings.tz)
    ctx.say(
        "callout_preview",
        groups=", ".join(label(g) for g in d["groups"]),
        component=ctx.t(f"callout_component_{d['component']}"),
        units=d["units"],
        place=d["place"],
        deadline=deadline.strftime("%H:%M %d/%m/%Y"),
        area=", ".join(d["wards"]) or ctx.t("callout_all_wards"),
        total=total,
        lines=lines or ctx.t("callout_no_match"),
        wave=min(total, d["units"] * ctx.settings.callouts.wave_factor),
        choices=[[ctx.choice("button_send_callout", "cogo:yes"), ctx.choice("button_cancel", "cogo:no")]],
    )


async def launch(ctx: Context) -> None:
    """Creates the call-out, messages the first wave and shows the live tally."""
    d = ctx.state.data
    callout = await callouts.create(
        ctx.session,
        created_by_account_id=ctx.account.id if ctx.account else None,
        groups=d["groups"],
        component=d["component"],
        units_needed=d["units"],
        place=d["place"],
        address=d["address"],
        contact=d["contact"],
        deadline=datetime.fromisoformat(d["deadline"]),
        wards=d["wards"] or None,
        tally_chat_id=ctx.incoming.chat_id,
        now=ctx.now(),
    )
    await audit.record(
        ctx.session,
        actor=actor(ctx),
        action="callout.create",
        target=f"callout:{callout.id}",
        details={"groups": d["groups"], "units": d["units"], "component": d["component"]},
        now=ctx.now(),
    )
    callout.matched = sum((await callouts.preview(ctx.session, _criteria_for(ctx))).values())
    ctx.state.clear()
    sent = await send_wave(
        ctx.session,
        callout,
        catalogs=ctx.catalogs,
        settings=ctx.settings,
        rules=ctx.knowledge.rules,
        now=ctx.now(),
    )
    ctx.pushed = True
    callout.tally_message_id = ctx.incoming.ref  # the preview message becomes the live tally
    await show_tally(ctx, callout.id, edit=True)
    ctx.say("callout_launched", id=callout.id, sent=sent)


async def send_wave(
    session: AsyncSession,
    callout: Callout,
    *,
    catalogs: Catalogs,
    settings: Settings,
    rules: Rules,
    now: datetime,
) -> int:
    """Messages the next wave of matching donors who were not asked yet; schedules the one after."""
    found = await callouts.match(
        session,
        criteria(
            settings,
            rules,
            groups=list(callout.groups),
            component=callout.component,
            wards=list(callout.wards or []),
            now=now,
            exclude=callout.id,
        ),
        limit=callout.units_needed * settings.callouts.wave_factor,
    )
    wave = callout.waves_sent + 1
    await callouts.add_recipients(session, callout.id, found, wave=wave, now=now)
    due = now if settings.reminders.callouts_ignore_quiet_hours else quiet_shift(now, settings)
    for candidate in found:
        t = catalogs.get(candidate.language)
        text = t(
            "callout_message",
            groups=", ".join(label(g) for g in callout.groups),
            component=t(f"callout_component_{callout.component}"),
            place=t("place_and_address", place=callout.place, address=callout.address)
            if callout.address
            else callout.place,
            deadline=callout.deadline.astimezone(settings.tz).strftime("%H:%M %d/%m"),
        )
        await outbox.enqueue(
            session,
            key=f"callout:{callout.id}:{candidate.donor_id}",
            account_id=candidate.account_id,
            kind="callout",
            text=text,
            about_donor_id=candidate.donor_id,
            choices=[
                [
                    (t("button_callout_yes"), f"co:{callout.id}:yes"),
                    (t("button_callout_no"), f"co:{callout.id}:no"),
                ]
            ],
            due_at=due,
            expires_at=callout.deadline,
        )
    callout.waves_sent = wave
    interval = timedelta(minutes=settings.callouts.wave_interval_minutes)
    callout.next_wave_at = now + interval if found and now + interval < callout.deadline else None
    return len(found)


async def advance(
    session: AsyncSession, *, catalogs: Catalogs, settings: Settings, rules: Rules, now: datetime
) -> int:
    """The periodic job: next waves for unfilled call-outs, and expiry at the deadline."""
    sent = 0
    for callout in await callouts.due_waves(session, now=now):
        sent += await send_wave(session, callout, catalogs=catalogs, settings=settings, rules=rules, now=now)
        await push_tally(session, callout, catalogs=catalogs, settings=settings, now=now)
    for callout_id in await callouts.expire(session, now=now):
        await outbox.cancel(session, key_prefix=f"callout:{callout_id}:")
    return sent


# --- the organiser's tally ------------------------------------------------------------------------


def tally_view(
    t: Translator, settings: Settings, callout: Callout, counts: Mapping[str, int]
) -> tuple[str, list[list[tuple[str, str]]]]:
    """The organiser's tally: the text and its buttons (refresh, who accepted, extend, close)."""
    text = t(
        "callout_tally",
        id=callout.id,
        matched=callout.matched if callout.matched is not None else "?",
        status=t(f"callout_status_{callout.status}"),
        accepted=counts.get("accepted", 0),
        units=callout.units_needed,
        messaged=counts.get("messaged", 0),
        declined=counts.get("declined", 0),
        no_answer=counts.get("no_answer", 0),
        waves=callout.waves_sent,
        deadline=callout.deadline.astimezone(settings.tz).strftime("%H:%M %d/%m"),
    )
    accepted_list = (t("button_accepted_list"), f"cov:list:{callout.id}")
    if callout.status != "open":
        return text, [[accepted_list]]
    return text, [
        [(t("button_refresh"), f"cov:refresh:{callout.id}"), accepted_list],
        [
            (t("button_extend_2h"), f"cov:extend:{callout.id}"),
            (t("button_close_callout"), f"cov:close:{callout.id}"),
        ],
    ]


async def show_tally(ctx: Context, callout_id: int, *, edit: bool = False) -> None:
    callout = await ctx.session.get(Callout, callout_id)
    if callout is None:
        ctx.say("error_button_expired")
        return
    counts = await callouts.tally(ctx.session, callout_id)
    text, rows = tally_view(ctx.t, ctx.settings, callout, counts)
    ctx.say_text(text, choices=[[Choice(label, value) for label, value in row] for row in rows], edit=edit)


async def push_tally(
    session: AsyncSession, callout: Callout, *, catalogs: Catalogs, settings: Settings, now: datetime
) -> bool:
    """Queues an in-place update of the organiser's tally message (one per distinct state)."""
    if callout.tally_message_id is None or callout.created_by_account_id is None:
        return False
    counts = await callouts.tally(session, callout.id)
    text, rows = tally_view(catalogs.get(settings.bot.default_language), settings, callout, counts)
    state = "-".join(str(counts.get(k, 0)) for k in ("messaged", "accepted", "declined"))
    return await outbox.enqueue(
        session,
        key=f"tally:{callout.id}:{state}:{callout.status}:{callout.waves_sent}",
        account_id=callout.created_by_account_id,
        kind="notice",
        text=text,
        about_donor_id=None,  # counts only: the names are shown on request, never queued
        choices=rows,
        due_at=now,
        edit_message_id=callout.tally_message_id,
    )


async def on_tally_button(ctx: Context, payload: str) -> None:
    """Refresh, accepted list, extend or close — organisers only, checked on every press."""
    if not await is_organiser(ctx):
        ctx.say("organiser_only")
        return
    action, _, cid = payload.partition(":")
    callout_id = parse_id(cid)
    callout = await ctx.session.get(Callout, callout_id) if callout_id is not None else None
    if callout is None:
        ctx.say("error_button_expired")
        return
    if action == "list":
        people = await callouts.accepted_donors(ctx.session, callout.id)
        lines = "\n".join(f"• {p.full_name} · {display_phone(p.phone)}" for p in people)
        ctx.say("callout_accepted_list", lines=lines or ctx.t("callout_nobody_yet"))
        return
    if action == "extend" and callout.status == "open":
        await callouts.extend(ctx.session, callout.id, deadline=callout.deadline + timedelta(hours=2))
        await audit.record(
            ctx.session,
            actor=actor(ctx),
            action="callout.extend",
            target=f"callout:{callout.id}",
            now=ctx.now(),
        )
    elif action == "close" and callout.status == "open":
        await callouts.close(ctx.session, callout.id, now=ctx.now())
        await outbox.cancel(ctx.session, key_prefix=f"callout:{callout.id}:")
        await audit.record(
            ctx.session,
            actor=actor(ctx),
            action="callout.close",
            target=f"callout:{callout.id}",
            now=ctx.now(),
        )
    await show_tally(ctx, callout.id, edit=True)


# --- the donor's answer ----------------------------------------------------------------------------


async def on_answer(ctx: Context, payload: str) -> None:
    """Accept / Can't come on a call-out message."""
    cid, _, answer = payload.partition(":")
    callout_id = parse_id(cid)
    if ctx.donor is None or callout_id is None or answer not in ("yes", "no"):
        ctx.say("error_button_expired")
        return
    await respond(ctx, callout_id, accepted=answer == "yes")


async def respond(ctx: Context, callout_id: int, *, accepted: bool) -> None:
    donor = ctx.donor
    assert donor is not None
    result = await callouts.answer(
        ctx.session, callout_id=callout_id, donor_id=donor.id, accepted=accepted, now=ctx.now()
    )
    callout = await ctx.session.get(Callout, callout_id)
    if result == "accepted" and callout is not None:
        ctx.say(
            "callout_accepted",
            place=callout.place,
            address=callout.address,
            contact=callout.contact,
            deadline=callout.deadline.astimezone(ctx.settings.tz).strftime("%H:%M %d/%m"),
        )
        if callout.status == "filled":
            await filled(ctx, callout)
    elif result == "declined":
        ctx.say("callout_declined")
    elif result == "filled":
        ctx.say("callout_already_filled")
    elif result == "closed":
        ctx.say("callout_closed")
    else:
        ctx.say("error_button_expired")
    if result in ("accepted", "declined") and callout is not None:
        settings, catalogs = ctx.settings, ctx.catalogs
        ctx.pushed |= await push_tally(
            ctx.session, callout, catalogs=catalogs, settings=settings, now=ctx.now()
        )


async def filled(ctx: Context, callout: Callout) -> None:
    """Enough donors accepted: stop the messages still waiting and tell the organiser."""
    await outbox.cancel(ctx.session, key_prefix=f"callout:{callout.id}:")
    if callout.created_by_account_id is not None:
        organiser_lang = ctx.settings.bot.default_language
        t = ctx.catalogs.get(organiser_lang)
        await outbox.enqueue(
            ctx.session,
            key=f"callout-filled:{callout.id}",
            account_id=callout.created_by_account_id,
            kind="notice",
            text=t("callout_filled_notice", id=callout.id, units=callout.units_needed),
            about_donor_id=None,
            due_at=ctx.now(),
        )
        ctx.pushed = True


async def clear_answer(ctx: Context) -> bool:
    """A typed clear yes/no from someone with an unanswered call-out; True when it was one."""
    donor, text = ctx.donor, ctx.typed()
    if donor is None or not text:
        return False
    pending = await callouts.pending_for(ctx.session, donor_id=donor.id)
    if pending is None:
        return False
    answer = parse_yes_no(text)
    if answer is None:
        return False
    await respond(ctx, pending, accepted=answer)
    return True


# --- /vangmat and rare donors ----------------------------------------------------------------------


async def away(ctx: Context, args: str) -> None:
    """/vangmat DATE pauses call-outs until that day; /vangmat 0 resumes them."""
    donor = ctx.donor
    if donor is None:
        ctx.say("not_registered")
        return
    text = args.strip()
    if not text:
        if donor.away_until and donor.away_until >= ctx.today():
            ctx.say("away_status", date=ctx.t.date(donor.away_until))
        else:
            ctx.say("away_usage")
        return
    if text in ("0", "het", "hết", "off", "xong"):
        donor.away_until = None
        ctx.say("away_cleared")
        return
    until = parse_date(text, today=ctx.today())
    if until is None or until < ctx.today():
        ctx.say("away_usage")
        return
    donor.away_until = until
    ctx.say("away_set", date=ctx.t.date(until))


async def rare(ctx: Context, _args: str = "") -> None:
    """/hiemmau: reserve donors with Rh-negative blood (organisers only)."""
    if not await is_organiser(ctx):
        ctx.say("organiser_only")
        return
    people = await callouts.rare_donors(ctx.session)
    lines = "\n".join(
        " · ".join(
            part
            for part in (f"• {p.full_name}", f"{p.blood_abo or '?'}−", p.ward, display_phone(p.phone))
            if part
        )
        for p in people
    )
    ctx.say("rare_list", count=len(people), lines=lines or ctx.t("callout_nobody_yet"))
