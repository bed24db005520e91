"""`donorbot organiser add|list|remove`: who may use the organiser commands in the chat."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.config import Settings
from domain import limits
from domain.text import clean_input
from models import organisers
from models.db import create_engine, session_factory, upgrade_database_async


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("organiser", help="grant, list or remove the organiser role")
    actions = parser.add_subparsers(dest="organiser_action", required=True)
    add = actions.add_parser("add", help="give a chat user the organiser role")
    add.add_argument("--platform", default="telegram", choices=["telegram", "zalo", "console"])
    add.add_argument("--user-id", required=True, help="the person's numeric user id on that platform")
    add.add_argument("--role", default="organiser", choices=["organiser", "admin"])
    add.add_argument("--unit", help="e.g. Hội Chữ thập đỏ thị xã Kinh Môn")
    actions.add_parser("list", help="list organisers")
    remove = actions.add_parser("remove", help="take the role away")
    remove.add_argument("--platform", default="telegram", choices=["telegram", "zalo", "console"])
    remove.add_argument("--user-id", required=True)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in a bare container
        return "cli:unknown"


def _line(text: str) -> str:
    return " ".join(clean_input(text).split())


def _problem(args: argparse.Namespace) -> str | None:
    """What is wrong with --user-id or --unit (each must fit its column), or None."""
    user_id = args.user_id.strip() if getattr(args, "user_id", None) else ""
    if getattr(args, "user_id", None) is not None and not 1 <= len(user_id) <= limits.USER_ID:
        return f"--user-id: must have 1 to {limits.USER_ID} characters"
    if user_id and any(ch.isspace() for ch in user_id):
        return f"--user-id: {user_id!r} must not contain spaces"
    unit = getattr(args, "unit", None)
    if unit is not None and len(_line(unit)) > limits.ORGANISER_UNIT:
        return f"--unit: is too long (at most {limits.ORGANISER_UNIT} characters)"
    return None


async def run(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if (problem := _problem(args)) is not None:
        sys.stderr.write(f"donorbot organiser: {problem}\n")
        return 2
    await upgrade_database_async(settings.database.url)
    engine = create_engine(settings.database.url, hide_parameters=True)
    now = datetime.now(UTC)
    try:
        async with session_factory(engine)() as session, session.begin():
            if args.organiser_action == "add":
                await organisers.grant(
                    session,
                    platform=args.platform,
                    user_id=args.user_id.strip(),
                    role=args.role,
                    unit=_line(args.unit or "") or None,
                    actor=_actor(),
                    now=now,
                )
                out.write(f"{args.platform}:{args.user_id} is now {args.role}.\n")
            elif args.organiser_action == "remove":
                done = await organisers.revoke(
                    session, platform=args.platform, user_id=args.user_id.strip(), actor=_actor(), now=now
                )
                if not done:
                    sys.stderr.write(f"{args.platform}:{args.user_id} is not an organiser.\n")
                    return 2
                out.write(f"{args.platform}:{args.user_id} is no longer an organiser.\n")
            else:
                for account, organiser in await organisers.listing(session):
                    unit = f" ({organiser.unit})" if organiser.unit else ""
                    out.write(f"{account.platform}:{account.user_id}\t{organiser.role}{unit}\n")
    finally:
        await engine.dispose()
    return 0
