"""Clubs in the chat: /taoclb (/newclub) and /clb (/clubs) for organisers and club leaders, /thamgia
(/join) or the code alone for donors, /clbcuatoi (/myclubs) and its Leave buttons.

A join code ("CLB-7K2MQX") is recognised by the dispatcher outside a dialogue, as an invite code is
(`domain.clubs.typed_code`). Someone not registered yet who sends a right code is asked to register
first; the code waits in the registration's data and, after Confirm, `ctx.then` runs the join
(`buttons.ClubJoin`), in the same turn. Wrong codes are counted per chat (`models.clubs`).
Club membership does not make anyone a reserve donor: call-outs ask only donors who said yes to the
reserve, so a member who did not is offered the reserve question when they join.
"""

from __future__ import annotations

from datetime import datetime

from core import buttons
from domain import clubs as rules
from domain import commands, limits
from domain.figures import Scope, ScopeKind
from domain.phone import display_phone
from handlers import registration
from handlers.context import Context
from handlers.flow import END, Dialogue, Edge, Parsed, Step, ask_key, organiser_only
from models import accounts, audit, clubs, organisers
from models.clubs import Joined
from models.tables import Club
from services import clubs as club_service

CREATE = "club_create"
MAX_LISTED = 30  # clubs listed in the chat (`donorbot club list` has them all)


def _kind(ctx: Context, kind: str) -> str:
    return ctx.t(f"club_kind_{kind}")


def _say_locked(ctx: Context, key: str, until: datetime) -> None:
    local = until.astimezone(ctx.settings.tz)
    ctx.say(key, time=f"{local:%H:%M}", date=ctx.t.date(local.date()))


def _say_wrong(ctx: Context, found: clubs.JoinResult) -> None:
    if found.outcome is Joined.LOCKED and found.locked_until is not None:
        _say_locked(ctx, "club_locked", found.locked_until)
    elif found.locked_until is not None:
        _say_locked(ctx, "club_wrong_locked", found.locked_until)
    else:
        ctx.say("club_wrong_code", failures=rules.MAX_FAILURES, hours=rules.FAILURE_WINDOW_HOURS)


async def join(ctx: Context, args: str = "") -> None:
    """/thamgia CODE, or the code alone: joins the club, or says why not."""
    code = rules.normalise(args) if args.strip() else None
    if code is None:
        if args.strip():
            ctx.say("club_not_a_code", command=commands.name("thamgia", ctx.lang))
        else:
            ctx.say("club_ask_code", command=commands.name("thamgia", ctx.lang))
        return
    await _join(ctx, code)


async def _join(ctx: Context, code: str) -> None:
    inc = ctx.incoming
    if ctx.donor is None:
        found = await clubs.club_for_code(
            ctx.session, code=code, platform=inc.platform, user_id=inc.user_id, now=ctx.now()
        )
        if found.club is None:
            _say_wrong(ctx, found)
            return
        ctx.say("club_register_first", club=found.club.name)
        if ctx.state.flow == registration.NAME:  # registering already: the answers so far are kept
            ctx.state.data["then"] = buttons.ClubJoin(code).pack()
            await registration.FLOW.ask(ctx)
            return
        await registration.start(ctx, "")
        ctx.state.data["then"] = buttons.ClubJoin(code).pack()
        return
    done = await clubs.join(
        ctx.session,
        code=code,
        donor_id=ctx.donor.id,
        platform=inc.platform,
        user_id=inc.user_id,
        now=ctx.now(),
    )
    if done.club is None:
        _say_wrong(ctx, done)
    elif done.outcome is Joined.ALREADY:
        ctx.say("club_already", club=done.club.name, command=commands.name("clbcuatoi", ctx.lang))
    else:
        ctx.say("club_joined", club=done.club.name, command=commands.name("clbcuatoi", ctx.lang))
        if not ctx.donor.is_reserve:
            ctx.say(
                "club_joined_not_reserve",
                choices=[[ctx.choice(f"button_{a}", buttons.JoinReserve(a)) for a in ("yes", "no")]],
            )


async def on_join_button(ctx: Context, pressed: buttons.ClubJoin) -> None:
    """The join waiting for the end of registration (`ctx.then`), or that button pressed again."""
    if ctx.donor is None:  # registered in this very turn: the turn's account is the one just made
        inc = ctx.incoming
        account = await accounts.account_for(ctx.session, platform=inc.platform, user_id=inc.user_id)
        if account is not None and account.donor_id is not None:
            await ctx.session.refresh(account, ["donor"])
            ctx.account = account
    await _join(ctx, pressed.code)


async def my_clubs(ctx: Context, _args: str = "") -> None:
    """/clbcuatoi: the donor's clubs, with a Leave button for each."""
    if ctx.donor is None:
        ctx.say("club_mine_unregistered", command=commands.name("dangky", ctx.lang))
        return
    mine = await clubs.clubs_of(ctx.session, ctx.donor.id)
    if not mine:
        ctx.say("club_mine_none", command=commands.name("thamgia", ctx.lang))
        return
    lines = "\n".join(
        ctx.t(
            "club_mine_line",
            name=club.name,
            kind=_kind(ctx, club.kind),
            role=ctx.t("club_role_leader") if row.role == "leader" else None,
        )
        for club, row in mine
    )
    rows = [
        [ctx.choice("button_club_leave", buttons.ClubLeave(club.id), club=club.name[:40])] for club, _ in mine
    ]
    ctx.say("club_mine", count=len(mine), lines=lines, choices=rows)


async def on_leave(ctx: Context, pressed: buttons.ClubLeave) -> None:
    """Leave pressed: the donor is no longer a member of that club (only their own membership)."""
    club = await ctx.session.get(Club, pressed.club_id)
    if ctx.donor is None or club is None:
        ctx.say("error_button_expired")
        return
    if await clubs.remove_member(ctx.session, club, ctx.donor.id, actor=ctx.actor, now=ctx.now()):
        ctx.say("club_left", club=club.name)
    else:
        ctx.say("club_not_member", club=club.name)


async def show_clubs(ctx: Context, args: str = "") -> None:
    """/clb: an organiser's clubs with member counts and codes; /clb KEY: the member list, for an organiser
    whose scope covers the club or a leader of it (`models.clubs.can_see_members`), nobody else."""
    key = args.strip()
    if key:
        await _members(ctx, key)
        return
    inc = ctx.incoming
    scope = await organisers.scope_of(ctx.session, platform=inc.platform, user_id=inc.user_id)
    if scope is None:
        led = await clubs.led_by(ctx.session, ctx.donor.id) if ctx.donor is not None else []
        if not led:
            ctx.say("organiser_only")
            return
        lines = "\n".join(
            ctx.t("club_led_line", name=c.name, key=c.key, code=rules.shown(c.join_code)) for c in led
        )
        ctx.say("club_led", lines=lines, command=commands.name("clb", ctx.lang))
        return
    found = await clubs.listed(ctx.session, scope=scope, actor=ctx.actor)
    if not found:
        ctx.say("club_none", command=commands.name("taoclb", ctx.lang))
        return
    lines = "\n".join(
        ctx.t(
            "club_list_line",
            name=c.club.name,
            key=c.club.key,
            kind=_kind(ctx, c.club.kind),
            members=c.members,
            leaders=c.leaders,
            code=rules.shown(c.club.join_code),
        )
        for c in found[:MAX_LISTED]
    )
    if len(found) > MAX_LISTED:
        lines += "\n" + ctx.t("rep_more_lines", count=len(found) - MAX_LISTED)
    ctx.say("club_list", count=len(found), lines=lines, command=commands.name("clb", ctx.lang))


async def _members(ctx: Context, key: str) -> None:
    club = await clubs.by_key(ctx.session, key[:64])
    if club is None or not await clubs.can_see_members(ctx.session, ctx.account, club):
        ctx.say("club_members_not_allowed", key=key[:40])  # the same whether the club exists or not
        return
    members = await clubs.members_of(ctx.session, club.id)
    lines = "\n".join(
        " · ".join(
            part
            for part in (
                f"• {donor.full_name}",
                ctx.t("club_role_leader") if row.role == "leader" else None,
                f"{donor.blood_abo}{donor.blood_rh}" if donor.blood_abo and donor.blood_rh else None,
                ctx.t("club_reserve_mark") if donor.is_reserve else None,
                display_phone(donor.phone),
            )
            if part
        )
        for donor, row in members
    )
    ctx.say("club_members", club=club.name, count=len(members), lines=lines or ctx.t("club_no_members"))
    await audit.record(
        ctx.session,
        actor=ctx.actor,
        action="club.members",
        target=f"club:{club.id}",
        details={"rows": len(members)},
        now=ctx.now(),
    )


# --- /taoclb: name, kind → the join code -----------------------------------------------------------


async def start_create(ctx: Context, _args: str = "") -> None:
    if ctx.state.flow == CREATE:
        ctx.state.data.clear()
    await CREATE_FLOW.begin(ctx)


def read_name(ctx: Context) -> Parsed:
    name = rules.clean_name(ctx.typed() or "")
    if name is None:
        return Parsed(error="club_error_name", params={"min": rules.MIN_NAME, "limit": limits.CLUB_NAME})
    return Parsed(name)


def on_name(ctx: Context, answer: Parsed) -> str:
    ctx.state.data["name"] = answer.value
    return "kind"


def ask_kind(ctx: Context, _page: int = 0) -> None:
    rows = [[ctx.choice(f"club_kind_{k}", buttons.ClubKind(k))] for k in rules.KINDS]
    ctx.say("club_ask_kind", choices=rows)


def read_kind(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.ClubKind)
    return Parsed(pressed.kind) if pressed is not None else Parsed(error="error_use_buttons_current")


async def on_kind(ctx: Context, answer: Parsed) -> None:
    """Creates the club (a ward organiser's in their ward) and gives its join code."""
    if not await organiser_only(ctx):
        ctx.state.clear()
        return
    inc = ctx.incoming
    scope = await organisers.scope_of(ctx.session, platform=inc.platform, user_id=inc.user_id) or Scope.area()
    ward = scope.name if scope.kind is ScopeKind.WARD else None
    club = await club_service.create(
        ctx.session,
        name=ctx.state.data["name"],
        kind=answer.value,
        ward=ward,
        key=None,
        actor=ctx.actor,
        now=ctx.now(),
    )
    ctx.state.clear()
    ctx.say(
        "club_created",
        name=club.name,
        kind=_kind(ctx, club.kind),
        key=club.key,
        code=rules.shown(club.join_code),
        join=commands.name("thamgia", ctx.lang),
    )


CREATE_FLOW = Dialogue(
    name=CREATE,
    steps=(
        Step(
            "name",
            ask_key("club_ask_name"),
            read_name,
            on_name,
            edges=(Edge("kind", f"a name of {rules.MIN_NAME}..CLUB_NAME characters"),),
        ),
        Step(
            "kind",
            ask_kind,
            read_kind,
            on_kind,
            buttons=(buttons.ClubKind,),
            foreign="error_use_buttons_current",
            edges=(
                Edge(END, "club / living blood bank / family / school / company: created, the join code"),
            ),
        ),
    ),
    restart="taoclb",
    organisers=True,
    entries=(Edge("name", "/taoclb (organisers)"),),
    notes=("The role is checked again on every step.",),
)
"""/taoclb: a club's name and kind; the answer is its join code."""
