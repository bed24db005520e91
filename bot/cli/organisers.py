"""`donorbot organiser add|list|remove`: who may use the organiser commands in the chat.

Each command is one unit of work audited as `cli:<os user>` (`bot.cli.harness`); the person's Telegram
menu is set after the commit, so it follows the role on record.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.cli import values
from bot.cli.harness import UsageError, cli_actor, run_command, unit_of_work
from core.config import Settings
from domain import invites as invites_rules
from domain import limits
from domain.figures import Scope, ScopeKind
from domain.ids import parse_id, parse_int
from domain.roles import ROLES, Role, scope_problem
from models import invites, organisers
from models.invites import Outcome
from models.tables import DriveDay, Invite


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("organiser", help="grant, list or remove the organiser role")
    actions = parser.add_subparsers(dest="organiser_action", required=True)
    add = actions.add_parser("add", help="give a chat user the organiser role")
    add.add_argument("--platform", default="telegram", choices=["telegram", "zalo", "console"])
    add.add_argument(
        "--user-id",
        required=True,
        help="the person's user id on that platform (Telegram: a number such as 123456789)",
    )
    add.add_argument(
        "--role",
        default="organiser",
        choices=list(ROLES),
        help="admin: everything; organiser: organiser work within --scope; club_leader: their club "
        "(--scope club:<key>); desk: check-in and results of one drive day (--scope drive_day:<id>)",
    )
    add.add_argument("--unit", help="e.g. Hội Chữ thập đỏ thị xã Kinh Môn")
    add.add_argument(
        "--scope",
        default="area",
        help='what their work covers: "area" (default), "ward:<a ward of [area] wards>", '
        '"organisation:<name as donors give it>" (organisers), "club:<key>" (club leaders) or '
        '"drive_day:<id>" (desk staff)',
    )
    invite = actions.add_parser(
        "invite", help="print a one-time code that makes whoever sends it to the bot an organiser"
    )
    invite.add_argument("--role", default="organiser", choices=list(ROLES), help='as for "organiser add"')
    invite.add_argument("--unit", help="e.g. Hội Chữ thập đỏ thị xã Kinh Môn")
    invite.add_argument("--scope", default="area", help='as for "organiser add"')
    invite.add_argument(
        "--hours",
        default=str(invites_rules.DEFAULT_HOURS),
        help=f"how long the code works, in hours (at most {invites_rules.MAX_HOURS})",
    )
    actions.add_parser("invites", help="list the invite codes not used yet (the codes are not shown)")
    revoke = actions.add_parser("revoke", help="revoke an invite code not used yet, by its id")
    revoke.add_argument("invite_id", metavar="ID")
    actions.add_parser("list", help="list organisers")
    remove = actions.add_parser("remove", help="take the role away")
    remove.add_argument("--platform", default="telegram", choices=["telegram", "zalo", "console"])
    remove.add_argument("--user-id", required=True)


TELEGRAM_MAX_ID = 2**52
"""Telegram user ids are positive and "have at most 52 significant bits" (Bot API, User.id)."""
_ZALO_ID = re.compile(r"[0-9A-Za-z_-]+")  # Zalo Bot Platform ids are strings; no documented shape
_CONSOLE_ID = re.compile(r"[\w.@-]+")  # the console's user is the OS user name


def _user_id_problem(platform: str, user_id: str) -> str | None:
    """Why `user_id` cannot be a user id on `platform`, or None."""
    if not 1 <= len(user_id) <= limits.USER_ID:
        return f"--user-id: must have 1 to {limits.USER_ID} characters"
    if platform == "telegram":
        if parse_int(user_id, minimum=1, maximum=TELEGRAM_MAX_ID) is None:
            return (
                f"--user-id: {user_id!r} is not a Telegram user id: a positive whole number such as "
                "123456789 (not the @username or the phone number)"
            )
    elif platform == "zalo":
        if not _ZALO_ID.fullmatch(user_id):
            return f"--user-id: {user_id!r} is not a Zalo user id (letters, digits, - and _ only)"
    elif not _CONSOLE_ID.fullmatch(user_id):
        return f"--user-id: {user_id!r} is not a console user (the OS user name, without spaces)"
    return None


def _scope(text: str, settings: Settings) -> Scope:
    """`--scope` read: "area", "ward:<name>" (as config.toml spells it, diacritics optional) or
    "organisation:<name>"; a UsageError names the mistake."""
    try:
        scope = Scope.parse(values.one_line(text))
    except ValueError as exc:
        raise UsageError(f"--scope: {exc}") from None
    if scope.kind is ScopeKind.WARD and scope.name is not None:
        ward = settings.area.ward_named(scope.name)
        if ward is None:
            raise UsageError(
                f"--scope: {scope.name!r} is not in config.toml [area] wards "
                f"({', '.join(settings.area.wards)})"
            )
        return Scope.ward(ward)
    if (
        scope.kind is ScopeKind.ORGANISATION
        and scope.name is not None
        and len(scope.name) > limits.ORGANISATION
    ):
        raise UsageError(f"--scope: the organisation is too long (at most {limits.ORGANISATION} characters)")
    return scope


def _covering(scope: Scope) -> str:
    return "figures of" if scope.kind in (ScopeKind.WARD, ScopeKind.ORGANISATION) else "scope"


def _role_scope(role: str, scope: Scope) -> Scope:
    """The scope the role is granted with: a desk needs `drive_day:<id>`, a club leader `club:<key>`,
    an organiser area, ward or organisation (`domain.roles.scope_problem`); an admin's is the area."""
    if (problem := scope_problem(role, scope)) is not None:
        raise UsageError(f"--scope: {problem}")
    return Scope.area() if role == Role.ADMIN else scope


async def _check_target(session: Any, scope: Scope) -> None:
    """A desk's drive day must exist (a club's key is not checked yet: TODO(clubs) once clubs exist)."""
    drive_day_id = scope.drive_day_id
    if drive_day_id is not None and await session.get(DriveDay, drive_day_id) is None:
        raise UsageError(f"--scope: there is no drive day {drive_day_id} (see: donorbot drive list)")


def _problem(args: argparse.Namespace) -> str | None:
    """What is wrong with --user-id (for its platform) or --unit (each must fit its column), or None."""
    user_id = getattr(args, "user_id", None)
    if user_id is not None and (problem := _user_id_problem(args.platform, user_id.strip())):
        return problem
    unit = getattr(args, "unit", None)
    if unit is not None and len(values.one_line(unit)) > limits.ORGANISER_UNIT:
        return f"--unit: is too long (at most {limits.ORGANISER_UNIT} characters)"
    return None


async def _update_menu(
    settings: Settings, err: TextIO, *, platform: str, user_id: str, organiser: bool
) -> str:
    """Sets the person's Telegram menu now when the bot token is at hand; the line that says so."""
    if platform != "telegram":
        return ""
    later = "shows them the organiser commands" if organiser else "takes the organiser commands away"
    if not settings.telegram_token:
        return f"The running bot {later} in their Telegram menu at their next message.\n"
    # imported here: python-telegram-bot takes a fifth of a second to load, for this line only
    from bot.channels.telegram import update_organiser_menu

    problem = await update_organiser_menu(
        settings, token=settings.telegram_token, chat_id=user_id, organiser=organiser
    )
    if problem is not None:
        err.write(
            f"warning: could not update their Telegram menu ({problem}); "
            f"the running bot {later} at their next message\n"
        )
        return ""
    now = "now shows" if organiser else "no longer shows"
    return f"Their Telegram menu {now} the organiser commands.\n"


async def run(
    args: argparse.Namespace, settings: Settings, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Runs one `organiser` command in one unit of work; 0 on success, 2 with a message on a mistake."""
    err = err or sys.stderr
    return await run_command("organiser", _run(args, settings, out or sys.stdout, err), err=err)


async def _run(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> None:
    if (problem := _problem(args)) is not None:  # before the database is opened (or created)
        raise UsageError(problem)
    scope = (
        _role_scope(args.role, _scope(args.scope, settings))
        if args.organiser_action in ("add", "invite")
        else None
    )
    now = datetime.now(UTC)
    if args.organiser_action in ("invite", "invites", "revoke"):
        await _invites(args, settings, out, scope=scope or Scope.area(), now=now)
        return
    menu: tuple[str, str, bool] | None = None
    async with unit_of_work(settings) as session:
        if args.organiser_action == "add":
            assert scope is not None
            await _check_target(session, scope)
            await organisers.grant(
                session,
                platform=args.platform,
                user_id=args.user_id.strip(),
                role=args.role,
                unit=values.one_line(args.unit or "") or None,
                actor=cli_actor(),
                now=now,
                scope=scope,
            )
            seen = "" if scope.name is None else f" ({_covering(scope)} {scope.text})"
            out.write(f"{args.platform}:{args.user_id} is now {args.role}{seen}.\n")
            menu = (args.platform, args.user_id.strip(), True)
        elif args.organiser_action == "remove":
            done = await organisers.revoke(
                session, platform=args.platform, user_id=args.user_id.strip(), actor=cli_actor(), now=now
            )
            if not done:
                raise UsageError(f"{args.platform}:{args.user_id} is not an organiser.", named=False)
            out.write(f"{args.platform}:{args.user_id} is no longer an organiser.\n")
            menu = (args.platform, args.user_id.strip(), False)
        else:
            for account, organiser in await organisers.listing(session):
                unit = f" ({organiser.unit})" if organiser.unit else ""
                scope_text = "" if organiser.scope in (None, "area") else f"\t{organiser.scope}"
                out.write(f"{account.platform}:{account.user_id}\t{organiser.role}{unit}{scope_text}\n")
    if menu is not None:  # after the commit: the menu follows the role on record
        platform, user_id, granted = menu
        out.write(await _update_menu(settings, err, platform=platform, user_id=user_id, organiser=granted))


def _hours(text: str) -> int:
    hours = parse_int(text.strip(), minimum=1, maximum=invites_rules.MAX_HOURS)
    if hours is None:
        raise UsageError(f"--hours: must be a whole number from 1 to {invites_rules.MAX_HOURS}")
    return hours


def _invite_line(invite: Invite, settings: Settings) -> str:
    """One pending invite for `organiser invites`: id, role (unit), scope, expiry, who made it."""
    unit = f" ({invite.unit})" if invite.unit else ""
    until = invite.expires_at.astimezone(settings.tz)
    expiry = f"until {until:%Y-%m-%d %H:%M}"
    return f"{invite.id}\t{invite.role}{unit}\t{invite.scope}\t{expiry}\tby {invite.created_by}\n"


async def _invites(
    args: argparse.Namespace, settings: Settings, out: TextIO, *, scope: Scope, now: datetime
) -> None:
    """`organiser invite`, `organiser invites` and `organiser revoke ID`, in one unit of work."""
    hours = _hours(args.hours) if args.organiser_action == "invite" else 0
    invite_id = None
    if args.organiser_action == "revoke":
        invite_id = parse_id(args.invite_id.strip())
        if invite_id is None:
            raise UsageError(f"ID: {args.invite_id!r} is not an invite id (see: donorbot organiser invites)")
    async with unit_of_work(settings) as session:
        if args.organiser_action == "invite":
            await _check_target(session, scope)
            invite, code = await invites.create(
                session,
                role=args.role,
                unit=values.one_line(args.unit or "") or None,
                scope=scope,
                hours=hours,
                actor=cli_actor(),
                now=now,
            )
            shown = invites_rules.shown(code)
            until = invite.expires_at.astimezone(settings.tz)
            out.write(
                f"Invite {invite.id}: {shown}\n"
                f"Whoever sends this code to the bot (on any channel, once, until {until:%Y-%m-%d %H:%M}) "
                f"becomes {args.role} ({scope.text}). It is not shown again.\n"
            )
        elif args.organiser_action == "invites":
            for invite in await invites.pending(session, now=now):
                out.write(_invite_line(invite, settings))
        else:
            assert invite_id is not None
            done = await invites.revoke(session, invite_id, actor=cli_actor(), now=now)
            if done.outcome is not Outcome.GRANTED:
                why = {
                    Outcome.UNKNOWN: "there is no invite",
                    Outcome.USED: "it has been used: remove the role with organiser remove",
                    Outcome.REVOKED: "it was revoked already",
                    Outcome.EXPIRED: "it has expired already",
                }[done.outcome]
                raise UsageError(f"invite {invite_id}: {why}.", named=False)
            out.write(f"Invite {invite_id} is revoked: its code no longer works.\n")
