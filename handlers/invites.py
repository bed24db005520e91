"""/toi (/whoami): a person's own platform and id; /nhanma (/redeem) or the code alone: an invite
code from `donorbot organiser invite` makes this chat an organiser.

Both answer and let a dialogue in progress go on. A typed code is recognised by the dispatcher
(`domain.invites.typed_code`), as a poster's "DK 12" is; what a code does is `models.invites.redeem`.
After a code works the turn's account holds the role, so the dispatcher's answer carries it and the
Telegram channel gives the chat its organiser menu, as it does for anyone who became an organiser.
"""

from __future__ import annotations

from datetime import datetime

from domain import commands
from domain import invites as rules
from domain.figures import Scope, ScopeKind
from domain.roles import ROLES
from handlers.context import Context
from models import accounts, invites
from models.invites import Outcome
from models.tables import Organiser


def _scope_text(ctx: Context, organiser: Organiser) -> str:
    scope = Scope.area() if organiser.role == "admin" else Scope.parse(organiser.scope)
    if scope.kind is ScopeKind.WARD:
        return ctx.t("rep_scope_ward", name=scope.name)
    if scope.kind is ScopeKind.ORGANISATION:
        return ctx.t("rep_scope_organisation", name=scope.name)
    if scope.kind in (ScopeKind.CLUB, ScopeKind.DRIVE_DAY):  # domain.roles: club leaders, desk staff
        return ctx.t(f"role_scope_{scope.kind.value}", name=scope.name)
    return ctx.t("rep_scope_area")


def _role_lines(ctx: Context, organiser: Organiser) -> str:
    return ctx.t(
        "whoami_organiser",
        role=ctx.t(f"role_{organiser.role}" if organiser.role in ROLES else "role_unknown"),
        scope=_scope_text(ctx, organiser),
        unit=organiser.unit,
    )


async def whoami(ctx: Context, _args: str = "") -> None:
    """The platform and user id an organiser needs for `donorbot organiser add`, and the role held."""
    inc = ctx.incoming
    organiser = ctx.account.organiser if ctx.account is not None else None
    role = (
        _role_lines(ctx, organiser)
        if organiser is not None
        else ctx.t("whoami_no_role", command=commands.name("nhanma", ctx.lang))
    )
    platform = {"telegram": "platform_telegram", "zalo": "platform_zalo"}.get(
        inc.platform, "platform_console"
    )
    ctx.say("whoami", platform=ctx.t(platform), user_id=inc.user_id, role=role)


def _say_locked(ctx: Context, key: str, until: datetime) -> None:
    local = until.astimezone(ctx.settings.tz)
    ctx.say(key, time=f"{local:%H:%M}", date=ctx.t.date(local.date()), hotline=ctx.settings.bot.hotline)


async def redeem(ctx: Context, args: str = "") -> None:
    """Sends an invite code: the role once, or why not (used, expired, revoked, wrong, locked)."""
    inc = ctx.incoming
    code = rules.normalise(args)
    if not code:
        ctx.say("invite_ask_code", command=commands.name("nhanma", ctx.lang))
        return
    done = await invites.redeem(
        ctx.session,
        code=code,
        platform=inc.platform,
        user_id=inc.user_id,
        chat_id=inc.chat_id,
        now=ctx.now(),
    )
    if done.outcome is Outcome.LOCKED and done.locked_until is not None:
        _say_locked(ctx, "invite_locked", done.locked_until)
    elif done.outcome is Outcome.UNKNOWN and done.locked_until is not None:
        _say_locked(ctx, "invite_wrong_locked", done.locked_until)
    elif done.outcome is Outcome.UNKNOWN:
        ctx.say("invite_wrong", failures=rules.MAX_FAILURES, hours=rules.FAILURE_WINDOW_HOURS)
    elif done.outcome is Outcome.USED:
        ctx.say("invite_used")
    elif done.outcome is Outcome.EXPIRED:
        ctx.say("invite_expired")
    elif done.outcome is Outcome.REVOKED:
        ctx.say("invite_revoked")
    else:
        # The turn's account (created now for someone who never wrote) with the role just granted.
        account = await accounts.account_for(ctx.session, platform=inc.platform, user_id=inc.user_id)
        assert account is not None
        await ctx.session.refresh(account, ["organiser"])
        ctx.account = account
        assert account.organiser is not None
        ctx.say(
            "invite_granted", role=_role_lines(ctx, account.organiser), help=commands.name("help", ctx.lang)
        )
