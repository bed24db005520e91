"""Emergency call-outs: /khancap for organisers, Accept / Can't-come for reserve donors, waves.

The organiser describes the need; the preview counts matching reserve donors by blood group and ward;
confirming messages the first wave through the outbox (call-outs go first and ignore quiet hours). A
preview that matches nobody cannot be sent; when compatible groups (domain.compatibility) would find
more donors, it offers to ask them too. Further waves follow every `wave_interval_minutes` until enough
donors accept or the deadline passes. Only a button or a clear "yes" accepts: "I'll try" does not; a
donor who accepted can withdraw (the call-out reopens if that un-fills it). The organiser's tally is
refreshed in place, keeps its buttons, and comes back with /dskhancap; only organisers see the accepted
donors' names and phones. Closing a call-out early tells everyone it still counted on: the donors who
accepted, and those asked who have not answered (messages not sent yet are simply dropped).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.i18n import Catalogs, Translator
from domain import limits
from domain.blood import BloodGroup, parse_blood_group
from domain.choices import parse_yes_no
from domain.compatibility import donors_for, widest_table
from domain.dates import parse_ahead, parse_date, parse_day_month
from domain.decision import Source, decide, may_call
from domain.eligibility import DonationKind, Rules
from domain.ids import parse_id, parse_index, parse_int
from domain.phone import display_phone
from handlers import common
from handlers.context import Context
from handlers.fields import unreadable_date
from handlers.messages import Choice
from models import audit, callout_criteria, callout_matching, callouts, donor_facts, outbox
from models.tables import Callout
from services.quiet import quiet_shift

NAME = "callout_create"
GROUP_CODES = ("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-")
COMPONENTS = ("whole_blood", "platelets")
MAX_UNITS = 50
KINDS = {"whole_blood": DonationKind.WHOLE_BLOOD, "platelets": DonationKind.PLATELETS}
MATCH_ROUNDS = 4  # matching again for the candidates decide() turned down (the SQL agrees as a rule)
DEADLINE_HOURS = (2, 6, 24)  # the deadline buttons: in 2, 6 or 24 hours
RECENT = timedelta(hours=24)  # /dskhancap also shows call-outs that ended this recently
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


def criteria(
    settings: Settings,
    rules: Rules,
    *,
    groups: list[str],
    component: str,
    wards: list[str],
    now: datetime,
    exclude: int | None = None,
    donor_groups: Sequence[str] | None = None,
    wave: int = 0,
) -> callout_criteria.Criteria:
    """What a donor must meet for this call-out (the rules file's age, weight and intervals).

    `donor_groups` are the groups asked when the organiser widened the call-out; otherwise the groups
    needed, widened by config.toml's table when `widen_red_cells` is on. The first wave leaves out
    donors booked for a session today.
    """
    table = settings.callouts.compatibility if settings.callouts.widen_red_cells else None
    if donor_groups is not None:
        groups, table = list(donor_groups), None
    return callout_criteria.criteria_for(
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
        tz=settings.tz,
        skip_booked=wave == 1,
    )


def _criteria_for(ctx: Context) -> callout_criteria.Criteria:
    d = ctx.state.data
    return criteria(
        ctx.settings,
        ctx.knowledge.rules,
        groups=d["groups"],
        component=d["component"],
        wards=d["wards"],
        now=ctx.now(),
        donor_groups=d.get("donor_groups"),
    )


def wider_groups(
    settings: Settings, groups: Sequence[str], component: str, asked: Sequence[str]
) -> list[str]:
    """Compatible donor groups not asked yet (`domain.compatibility.widest_table`), in its order."""
    table = widest_table(settings.callouts.compatibility)
    extra: list[str] = []
    for code in groups:
        for group in donors_for(code, component=component, table=table):
            if group not in asked and group not in extra:
                extra.append(group)
    return extra


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
        groups=", ".join(label(g) for g in d["groups"]),
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
        parts[0] += "\n" + ctx.t("callout_preview_widened", groups=", ".join(label(g) for g in added))
    wave = min(total, d["units"] * ctx.settings.callouts.wave_factor)
    parts.append(ctx.t("callout_preview_send", wave=wave) if total else ctx.t("callout_preview_nobody"))
    extra = wider_groups(ctx.settings, d["groups"], d["component"], found.groups)
    rows: list[list[Choice]] = []
    if extra:
        groups = ", ".join(label(g) for g in extra)
        parts.append(ctx.t("callout_preview_widen", groups=groups))
        rows.append([ctx.choice("button_callout_widen", "cogo:widen", groups=groups)])
    send = [ctx.choice("button_send_callout", "cogo:yes")] if total else []
    rows.append([*send, ctx.choice("button_cancel", "cogo:no")])
    ctx.say_text("\n\n".join(parts), choices=rows, edit=edit)


async def launch(ctx: Context) -> bool:
    """Creates the call-out, messages the first wave and shows the live tally; False (nothing created)
    when nobody matches (a preview pressed late, or forged)."""
    d = ctx.state.data
    matched = sum((await callout_matching.preview(ctx.session, _criteria_for(ctx))).values())
    if matched == 0:
        return False
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
        donor_groups=d.get("donor_groups"),
    )
    await audit.record(
        ctx.session,
        actor=ctx.actor,
        action="callout.create",
        target=f"callout:{callout.id}",
        details={"groups": d["groups"], "units": d["units"], "component": d["component"]},
        now=ctx.now(),
    )
    callout.matched = matched
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
    return True


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
    wave = callout.waves_sent + 1
    found = await candidates(
        session,
        criteria(
            settings,
            rules,
            groups=list(callout.groups),
            component=callout.component,
            wards=list(callout.wards or []),
            now=now,
            exclude=callout.id,
            donor_groups=callout.donor_groups,
            wave=wave,
        ),
        rules=rules,
        wave=wave,
        limit=callout.units_needed * settings.callouts.wave_factor,
    )
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


async def candidates(
    session: AsyncSession, crit: callout_criteria.Criteria, *, rules: Rules, wave: int, limit: int
) -> list[callout_criteria.Candidate]:
    """The donors to message in `wave`: matched in SQL, each then decided on their facts
    (`domain.decision.may_call`), the way every other eligibility decision is made."""
    found: list[callout_criteria.Candidate] = []
    turned_down: set[int] = set()
    kind = KINDS.get(crit.component, DonationKind.WHOLE_BLOOD)
    for _ in range(MATCH_ROUNDS):
        batch = await callout_matching.match(
            session,
            crit,
            limit=limit - len(found),
            offset_donor_ids=turned_down | {c.donor_id for c in found},
        )
        if not batch:
            break
        facts = await donor_facts.facts_by_id(session, [c.donor_id for c in batch], now=crit.now, tz=crit.tz)
        for candidate in batch:
            known = facts.get(candidate.donor_id)
            decision = decide(known, on=crit.day, rules=rules, kind=kind) if known else None
            if decision is not None and may_call(decision, today=crit.day, wave=wave):
                found.append(candidate)
            else:
                turned_down.add(candidate.donor_id)
        if len(found) >= limit:
            break
    return found


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
    if callout.status not in ("open", "filled"):  # a filled one can still be extended or closed
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
        await callouts.extend(ctx.session, callout.id, deadline=callout.deadline + timedelta(hours=2))
        await audit.record(
            ctx.session,
            actor=ctx.actor,
            action="callout.extend",
            target=f"callout:{callout.id}",
            now=ctx.now(),
        )
    elif action == "close" and callout.status in ("open", "filled"):
        await close_callout(ctx.session, callout, catalogs=ctx.catalogs, settings=ctx.settings, now=ctx.now())
        ctx.pushed = True
        await audit.record(
            ctx.session,
            actor=ctx.actor,
            action="callout.close",
            target=f"callout:{callout.id}",
            now=ctx.now(),
        )
    await show_tally(ctx, callout.id, edit=True)


async def close_callout(
    session: AsyncSession, callout: Callout, *, catalogs: Catalogs, settings: Settings, now: datetime
) -> int | None:
    """Ends an open or filled call-out early and tells the donors it still counted on; None if it was
    not running, else how many were told. For the chat and `donorbot callout close` alike.

    Told: who accepted (they may be on their way), and who was asked and has not answered yet, if their
    message went out. Messages not sent yet are cancelled, and their donors hear nothing at all.
    """
    counting = await callouts.still_counting_on(session, callout.id)
    delivered = await outbox.statuses(session, key_prefix=f"callout:{callout.id}:")
    if not await callouts.close(session, callout.id, now=now):
        return None
    await outbox.cancel(session, key_prefix=f"callout:{callout.id}:")
    told = 0
    for asked in counting:
        reached = delivered.get(f"callout:{callout.id}:{asked.donor_id}") in ("sent", "sending")
        if asked.status == "messaged" and not reached:
            continue
        t = catalogs.get(asked.language)
        told += await outbox.enqueue(
            session,
            key=f"callout-closed:{callout.id}:{asked.donor_id}",
            account_id=asked.account_id,
            kind="callout",  # someone on the way to the hospital must hear it first
            text=t(
                "callout_closed_accepted" if asked.status == "accepted" else "callout_closed_asked",
                groups=", ".join(label(g) for g in callout.groups),
                place=callout.place,
            ),
            about_donor_id=asked.donor_id,
            due_at=now,
        )
    return told


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
        counts = await callouts.tally(ctx.session, callout.id)
        text, rows = tally_view(ctx.t, ctx.settings, callout, counts)
        ctx.say_text(text, choices=[[Choice(label, value) for label, value in row] for row in rows])


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
    donor = ctx.donor
    assert donor is not None
    before = await callouts.recipient_status(ctx.session, callout_id=callout_id, donor_id=donor.id)
    prior = await ctx.session.get(Callout, callout_id)
    was_filled = prior is not None and prior.status == "filled"
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
            choices=[[ctx.choice("button_callout_withdraw", f"co:{callout.id}:withdraw")]],
        )
        await warn_bookings(ctx, callout)
        if callout.status == "filled" and before != "accepted":
            await filled(ctx, callout, donor.id)
    elif result == "declined" and before == "accepted" and callout is not None:
        ctx.say("callout_withdrawn")
        if was_filled and callout.status == "open":
            await reopened(ctx, callout, donor.id)
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


async def warn_bookings(ctx: Context, callout: Callout) -> None:
    """A donor who accepts while booked for a session the donation would make impossible hears so."""
    donor = ctx.donor
    assert donor is not None
    facts = await donor_facts.facts_of(ctx.session, donor, now=ctx.now(), tz=ctx.settings.tz)
    kind = KINDS.get(callout.component, DonationKind.WHOLE_BLOOD)
    decision = decide(facts, on=ctx.today(), rules=ctx.knowledge.rules, kind=kind)
    for booking in (p for p in decision.clashes if p.source is Source.BOOKING):
        ctx.say("callout_booking_warning", date=ctx.t.date(booking.day), place=booking.place)


async def reopened(ctx: Context, callout: Callout, donor_id: int) -> None:
    """An accepted donor withdrew from a filled call-out: it calls again; the organiser hears why."""
    if callout.created_by_account_id is None:
        return
    t = ctx.catalogs.get(ctx.settings.bot.default_language)
    await outbox.enqueue(
        ctx.session,
        key=f"callout-reopened:{callout.id}:{donor_id}:{int(ctx.now().timestamp())}",
        account_id=callout.created_by_account_id,
        kind="notice",
        text=t("callout_reopened_notice", id=callout.id),
        about_donor_id=None,  # counts only, no name
        due_at=ctx.now(),
    )
    ctx.pushed = True


async def filled(ctx: Context, callout: Callout, donor_id: int) -> None:
    """Enough donors accepted: stop the messages still waiting and tell the organiser (again, if it
    fills a second time after a withdrawal: the key names the donor whose answer filled it)."""
    await outbox.cancel(ctx.session, key_prefix=f"callout:{callout.id}:")
    if callout.created_by_account_id is not None:
        organiser_lang = ctx.settings.bot.default_language
        t = ctx.catalogs.get(organiser_lang)
        await outbox.enqueue(
            ctx.session,
            key=f"callout-filled:{callout.id}:{donor_id}:{int(ctx.now().timestamp())}",
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
    today = ctx.today()
    # A day about the future: "25/12" is the next 25 December, "1/1/27" is 2027, "1 tuần" from today.
    until = parse_date(text) or parse_day_month(text, today=today) or parse_ahead(text, today=today)
    if until is None:
        bad = unreadable_date(text, today=today, error="away_usage")
        ctx.say_text(ctx.t(bad.error or "away_usage", **bad.params))
        if bad.error != "away_usage":
            ctx.say("away_usage")
        return
    if until < today:
        ctx.say("away_past", date=ctx.t.date(until), today=ctx.t.date(today))
        return
    donor.away_until = until
    ctx.say("away_set", date=ctx.t.date(until))


async def rare(ctx: Context, _args: str = "") -> None:
    """/hiemmau: reserve donors with Rh-negative blood (organisers only)."""
    if not await ctx.is_organiser():
        ctx.say("organiser_only")
        return
    people = await callout_matching.rare_donors(ctx.session)
    lines = "\n".join(
        " · ".join(
            part
            for part in (f"• {p.full_name}", f"{p.blood_abo or '?'}−", p.ward, display_phone(p.phone))
            if part
        )
        for p in people
    )
    ctx.say("rare_list", count=len(people), lines=lines or ctx.t("callout_nobody_yet"))
