"""Emergency call-outs in the chat: /khancap for organisers, from the need to the first wave.

The organiser describes the need; the preview counts matching reserve donors by blood group and ward;
confirming sends the first wave (services.callouts.waves). A preview that matches nobody cannot be sent;
when compatible groups (domain.compatibility) would find more donors, it offers to ask them too. The
preview then becomes the organiser's live tally; the tally's buttons, /dskhancap and the donors'
answers are in handlers/callout_answers.py. What happens after the sending (waves, filling, closing,
the tally's updates) is in services/callouts/, shared with the scheduler and `donorbot callout`.

Scope (`domain.roles`): a ward organiser's call-out asks the donors of their ward only — the wards are
not asked, and the preview says so; a call-out across the area is an area organiser's or an admin's.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from core import buttons
from domain import limits
from domain.blood import parse_blood_group
from domain.compatibility import COMPONENTS
from domain.figures import Scope
from domain.ids import parse_id, parse_index, parse_int
from handlers import common
from handlers.callout_answers import show_tally
from handlers.context import Context
from handlers.flow import END, Dialogue, Edge, Parsed, Step, ask_key, save_as, scope_of
from handlers.messages import Choice
from models import clubs, organisers
from models.callout_criteria import Criteria
from services.callouts import waves
from services.callouts.matching import clubs_offered, criteria_of, every_club, wider_groups
from services.callouts.need import (
    MAX_UNITS,
    MIN_TEXT,
    Need,
    clean_text,
    group_list,
    label,
    parse_deadline,
    scoped_wards,
)

NAME = "callout_create"
GROUP_CODES = buttons.BLOOD_GROUPS
DEADLINE_HOURS = (2, 6, 24)  # the deadline buttons: in 2, 6 or 24 hours
_BUTTONS_PLEASE = "error_use_buttons_current"  # said when the answer is not one of the question's buttons


# --- the organiser's dialogue --------------------------------------------------------------------


async def start(ctx: Context, _args: str = "") -> None:
    """/khancap: asks which blood groups are needed (the runner checks the role)."""
    if ctx.state.flow == NAME:  # /khancap again mid-dialogue: a new call-out, nothing carried over
        ctx.state.data.clear()
    await FLOW.begin(ctx)


def ask_groups(ctx: Context, _page: int = 0, *, edit: bool = False) -> None:
    """The eight groups as toggles (✓ on those picked), edited in place as they are pressed, and Done."""
    picked = set(ctx.state.data.get("groups", ()))
    toggles = [
        Choice(("✓ " if c in picked else "") + label(c), buttons.CalloutGroup(c).pack()) for c in GROUP_CODES
    ]
    rows = [toggles[i : i + 4] for i in range(0, 8, 4)]
    rows.append([ctx.choice("button_done", buttons.CalloutGroup("done"))])
    ctx.say("callout_ask_groups", choices=rows, edit=edit)


def read_groups(ctx: Context) -> Parsed:
    """A group's button (its code: toggled), Done (the groups picked), or groups typed ("O+, A-")."""
    picked, text = list(ctx.state.data.get("groups", ())), ctx.typed()
    if (pressed := ctx.pressed(buttons.CalloutGroup)) is not None:
        if pressed.group != "done":
            return Parsed(pressed.group)
        return Parsed(picked) if picked else Parsed(error="callout_error_groups")
    codes = [parse_blood_group(part) for part in re.split(r"[,;]| va | và | and ", text or "")]
    if not text or any(g is None or g.abo is None or g.rh is None for g in codes):
        return Parsed(error="callout_error_groups")
    return Parsed(sorted({g.code for g in codes if g}, key=GROUP_CODES.index))


def on_groups(ctx: Context, answer: Parsed) -> str | None:
    """The groups (on to the component), or one toggled: the question edited in place."""
    if isinstance(answer.value, list):
        ctx.state.data["groups"] = answer.value
        return "component"
    picked = set(ctx.state.data.get("groups", ())) ^ {answer.value}
    ctx.state.data["groups"] = sorted(picked, key=GROUP_CODES.index)
    ask_groups(ctx, edit=True)
    return None


def ask_component(ctx: Context, _page: int = 0) -> None:
    rows = [[ctx.choice(f"callout_component_{c}", buttons.CalloutComponent(c))] for c in COMPONENTS]
    ctx.say("callout_ask_component", choices=rows)


def read_component(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.CalloutComponent)
    return Parsed(pressed.component) if pressed is not None else Parsed(error=_BUTTONS_PLEASE)


def read_units(ctx: Context) -> Parsed:
    units = parse_int(ctx.typed(), minimum=1, maximum=MAX_UNITS)
    return Parsed(units) if units is not None else Parsed(error="callout_error_units")


def _typed(key: str, limit: int, following: str) -> Step:
    """The step asking a text for the column `key` (callouts.place, .address, .contact: at most `limit`)."""

    def read(ctx: Context) -> Parsed:
        text = clean_text(ctx.typed(), limit)
        if text is None:
            return Parsed(error=f"callout_error_{key}", params={"limit": limit})
        return Parsed(text)

    label = f"a text of {MIN_TEXT}..{limit} characters"
    return Step(
        key, ask_key(f"callout_ask_{key}"), read, save_as(key, following), edges=(Edge(following, label),)
    )


def ask_deadline(ctx: Context, _page: int = 0) -> None:
    rows = [[ctx.choice("callout_in_hours", buttons.CalloutDeadline(h), hours=h) for h in DEADLINE_HOURS]]
    ctx.say("callout_ask_deadline", choices=rows)


def read_deadline(ctx: Context) -> Parsed:
    """In 2, 6 or 24 hours (buttons), or a time typed (services.callouts.need.parse_deadline)."""
    pressed, text = ctx.pressed(buttons.CalloutDeadline), ctx.typed()
    deadline: datetime | None = None
    if pressed is not None and pressed.hours in DEADLINE_HOURS:
        deadline = ctx.now() + timedelta(hours=pressed.hours)
    elif text:
        deadline = parse_deadline(text, now=ctx.now(), settings=ctx.settings)
    return Parsed(deadline.isoformat()) if deadline is not None else Parsed(error="callout_error_deadline")


async def _scoped(ctx: Context) -> bool:
    """Keeps a ward organiser's call-out inside their ward, as the role is now (True when it is)."""
    wards, only = scoped_wards(await scope_of(ctx), ctx.state.data.get("wards", ()))
    if only:
        ctx.state.data["wards"] = wards
    ctx.state.data["wards_only"] = only
    return only


async def after_deadline(ctx: Context, deadline: Parsed) -> str:
    """On to the wards — or, for a ward organiser, to the preview: their ward only."""
    ctx.state.data["deadline"] = deadline.value
    return "preview" if await _scoped(ctx) else "area"


def ask_area(ctx: Context, _page: int = 0, *, edit: bool = False) -> None:
    """The wards as toggles (✓ on those picked), edited in place as they are pressed; All wards; Done."""
    wards = ctx.settings.area.wards
    picked = set(ctx.state.data.get("wards", ()))
    toggles = [
        Choice(("✓ " if w in picked else "") + w, buttons.CalloutArea(str(i)).pack())
        for i, w in enumerate(wards)
    ]
    rows = [toggles[i : i + 2] for i in range(0, len(toggles), 2)]
    rows.append(
        [
            ctx.choice("callout_all_wards", buttons.CalloutArea("all")),
            ctx.choice("button_done", buttons.CalloutArea("done")),
        ]
    )
    ctx.say("callout_ask_area", choices=rows, edit=edit)


def read_area(ctx: Context) -> Parsed:
    """A ward's button (its index: toggled), All wards ([]: no ward limit) or Done (the wards picked)."""
    wards, pressed = ctx.settings.area.wards, ctx.pressed(buttons.CalloutArea)
    if pressed is None:
        return Parsed(error=_BUTTONS_PLEASE)
    if pressed.pick == "all":
        return Parsed([])
    if pressed.pick == "done":
        return Parsed(list(ctx.state.data.get("wards", ())))
    index = parse_index(pressed.pick, len(wards))
    return Parsed(index) if index is not None else Parsed(error=_BUTTONS_PLEASE)


def on_area(ctx: Context, answer: Parsed) -> str | None:
    """The wards (on to the preview), or one toggled: the question edited in place."""
    if isinstance(answer.value, list):
        ctx.state.data["wards"] = answer.value
        return "clubs"
    wards, picked = ctx.settings.area.wards, ctx.state.data.get("wards", [])
    ctx.state.data["wards"] = [w for w in wards if (w in picked) != (w == wards[answer.value])]
    ask_area(ctx, edit=True)
    return None


MAX_CLUB_BUTTONS = 12  # clubs offered one by one; "All clubs" covers the others


async def _clubs_in_scope(ctx: Context) -> list[clubs.Listed]:
    scope = await organisers.scope_of(
        ctx.session, platform=ctx.incoming.platform, user_id=ctx.incoming.user_id
    )
    return await clubs_offered(ctx.session, scope=scope or Scope.area(), actor=ctx.actor)


async def ask_clubs(ctx: Context, _page: int = 0, *, edit: bool = False) -> None:
    """Clubs first? Asked only when the organiser has clubs with members: each club as a toggle, All
    clubs, No (everyone alike), Done. Without clubs it goes straight on to the preview."""
    found = await _clubs_in_scope(ctx)
    if not found:
        ctx.state.data["clubs"] = None
        ctx.state.step = "preview"
        await preview(ctx)
        return
    picked = set(ctx.state.data.get("club_picks", ()))
    rows = [
        [
            Choice(
                ("✓ " if c.club.id in picked else "") + f"{c.club.name} ({c.members})",
                buttons.CalloutClubs(str(c.club.id)).pack(),
            )
        ]
        for c in found[:MAX_CLUB_BUTTONS]
    ]
    rows.append(
        [
            ctx.choice("callout_clubs_all", buttons.CalloutClubs("all")),
            ctx.choice("callout_clubs_none", buttons.CalloutClubs("none")),
        ]
    )
    rows.append([ctx.choice("button_done", buttons.CalloutClubs("done"))])
    ctx.say("callout_ask_clubs", choices=rows, edit=edit)


async def read_clubs(ctx: Context) -> Parsed:
    """A club's button (its id: toggled), All clubs ([]), No (None) or Done (the clubs picked)."""
    pressed = ctx.pressed(buttons.CalloutClubs)
    if pressed is None:
        return Parsed(error=_BUTTONS_PLEASE)
    if pressed.pick == "all":  # every club; for a ward organiser, every club they look after
        scope = await organisers.scope_of(
            ctx.session, platform=ctx.incoming.platform, user_id=ctx.incoming.user_id
        )
        return Parsed({"clubs": await every_club(ctx.session, scope=scope or Scope.area(), actor=ctx.actor)})
    if pressed.pick == "none":
        return Parsed({"clubs": None})
    if pressed.pick == "done":
        picks = list(ctx.state.data.get("club_picks", ()))
        return Parsed({"clubs": picks}) if picks else Parsed(error="callout_error_clubs")
    club_id = parse_id(pressed.pick)
    offered = {c.club.id for c in await _clubs_in_scope(ctx)}
    return Parsed(club_id) if club_id in offered else Parsed(error=_BUTTONS_PLEASE)


async def on_clubs(ctx: Context, answer: Parsed) -> str | None:
    """The clubs first (on to the preview), or one toggled: the question edited in place."""
    if isinstance(answer.value, dict):
        ctx.state.data["clubs"] = answer.value["clubs"]
        ctx.state.data.pop("club_picks", None)
        return "preview"
    picks = list(ctx.state.data.get("club_picks", ()))
    ctx.state.data["club_picks"] = [c for c in picks if c != answer.value] + (
        [] if answer.value in picks else [answer.value]
    )
    await ask_clubs(ctx, edit=True)
    return None


def read_go(ctx: Context) -> Parsed:
    """Send, Cancel, or Add compatible groups (while there are some the call-out does not ask yet)."""
    pressed = ctx.pressed(buttons.CalloutGo)
    if pressed is None:
        return Parsed(error=_BUTTONS_PLEASE)
    if pressed.action == "widen":
        data, asked = ctx.state.data, _criteria_for(ctx).groups
        extra = wider_groups(ctx.settings, data["groups"], data["component"], asked)
        return Parsed([*asked, *extra]) if extra else Parsed(error=_BUTTONS_PLEASE)
    return Parsed(pressed.action)


async def on_go(ctx: Context, answer: Parsed) -> None:
    """Sends the first wave, stops, or shows the preview again (in place) with the compatible groups."""
    if isinstance(answer.value, list):
        ctx.state.data["donor_groups"] = answer.value
        await preview(ctx, edit=True)
    elif answer.value == "no":
        ctx.state.clear()
        common.say_cancelled(ctx, "khancap")
    elif not await launch(ctx):
        ctx.say("callout_nobody_to_send")
        await preview(ctx)


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
        clubs=d.get("clubs"),
        wards_only=bool(d.get("wards_only")),
    )


def _criteria_for(ctx: Context) -> Criteria:
    return criteria_of(_need(ctx), ctx.settings, ctx.knowledge.rules, now=ctx.now())


async def preview(ctx: Context, _page: int = 0, *, edit: bool = False) -> None:
    """How many reserve donors match, by blood group and ward, before anything is sent.

    Send is offered only when someone matches; widening to compatible groups whenever there are
    some the call-out does not ask yet (the organiser decides; whole blood only, unless config.toml
    names compatible groups for platelets).
    """
    await _scoped(ctx)
    found = _criteria_for(ctx)
    shown = await waves.preview(
        ctx.session, _need(ctx), settings=ctx.settings, rules=ctx.knowledge.rules, now=ctx.now()
    )
    counts = shown.counts
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
    if d.get("wards_only"):
        parts[0] += "\n" + ctx.t("callout_preview_ward_only", ward=", ".join(d["wards"]))
    if d.get("donor_groups"):
        added = [g for g in d["donor_groups"] if g not in d["groups"]]
        parts[0] += "\n" + ctx.t("callout_preview_widened", groups=group_list(added))
    if shown.members is not None:
        parts[0] += "\n" + ctx.t("callout_preview_clubs", members=shown.members)
    parts.append(ctx.t("callout_preview_send", wave=shown.wave) if total else ctx.t("callout_preview_nobody"))
    extra = wider_groups(ctx.settings, d["groups"], d["component"], found.groups)
    rows: list[list[Choice]] = []
    if extra:
        groups = group_list(extra)
        parts.append(ctx.t("callout_preview_widen", groups=groups))
        rows.append([ctx.choice("button_callout_widen", buttons.CalloutGo("widen"), groups=groups)])
    send = [ctx.choice("button_send_callout", buttons.CalloutGo("yes"))] if total else []
    rows.append([*send, ctx.choice("button_cancel", buttons.CalloutGo("no"))])
    ctx.say_text("\n\n".join(parts), choices=rows, edit=edit)


async def launch(ctx: Context) -> bool:
    """Creates the call-out, messages the first wave and shows the live tally; False (nothing created)
    when nobody matches (a preview pressed late, or forged)."""
    await _scoped(ctx)
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


FLOW = Dialogue(
    name=NAME,
    steps=(
        Step(
            "groups",
            ask_groups,
            read_groups,
            on_groups,
            buttons=(buttons.CalloutGroup,),
            foreign="callout_error_groups",
            edges=(Edge("component", "groups typed, or toggled in place, then Done"),),
        ),
        Step(
            "component",
            ask_component,
            read_component,
            save_as("component", "units"),
            buttons=(buttons.CalloutComponent,),
            foreign=_BUTTONS_PLEASE,
            edges=(Edge("units", "whole blood / platelets"),),
        ),
        Step(
            "units",
            ask_key("callout_ask_units"),
            read_units,
            save_as("units", "place"),
            foreign="callout_error_units",
            edges=(Edge("place", "1..MAX_UNITS"),),
        ),
        _typed("place", limits.PLACE, "address"),
        _typed("address", limits.ADDRESS, "contact"),
        _typed("contact", limits.CONTACT, "deadline"),
        Step(
            "deadline",
            ask_deadline,
            read_deadline,
            after_deadline,
            buttons=(buttons.CalloutDeadline,),
            foreign="callout_error_deadline",
            edges=(
                Edge("area", "in 2 / 6 / 24 hours, or a time typed"),
                Edge("preview", "the same, from a ward organiser: their ward only"),
            ),
        ),
        Step(
            "area",
            ask_area,
            read_area,
            on_area,
            buttons=(buttons.CalloutArea,),
            foreign=_BUTTONS_PLEASE,
            edges=(Edge("clubs", "All wards, or wards toggled in place, then Done"),),
        ),
        Step(
            "clubs",
            ask_clubs,
            read_clubs,
            on_clubs,
            buttons=(buttons.CalloutClubs,),
            foreign=_BUTTONS_PLEASE,
            edges=(
                Edge("preview", "All clubs / No / clubs toggled in place, then Done"),
                Edge("preview", "no club with members: straight on"),
            ),
        ),
        Step(
            "preview",
            preview,
            read_go,
            on_go,
            buttons=(buttons.CalloutGo,),
            foreign=_BUTTONS_PLEASE,
            edges=(
                Edge("preview", "Add compatible groups (domain.compatibility): shown again in place"),
                Edge(END, "Send now (only when someone matches): wave 1, the preview becomes the live tally"),
                Edge(END, "Cancel: nothing sent"),
            ),
        ),
    ),
    restart="khancap",
    organisers=True,
    entries=(Edge("groups", "/khancap (organisers)"),),
    notes=(
        "The role is checked again on every step.",
        "What follows the sending: docs/callout_lifecycle.mmd.",
    ),
)
"""/khancap: the need asked one value at a time, a preview of who matches, then the first wave."""
