"""`donorbot callout create|status|close`: emergency call-outs from a terminal.

Uses the same services as /khancap (services/callouts/): the matching, the first wave through the outbox,
closing and the audit log. The running bot sends the messages and the later waves (its scheduler checks
every minute).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.cli import values
from bot.cli.harness import UsageError, cli_actor, run_command, unit_of_work
from core.config import Settings
from core.i18n import Catalogs
from core.knowledge import load_checked_rules
from domain import limits
from domain.blood import parse_blood_group
from domain.compatibility import COMPONENTS
from models import callout_matching, callouts, clubs
from models.tables import Callout
from services.callouts import closing, waves
from services.callouts.matching import criteria_of
from services.callouts.need import MAX_UNITS, MIN_TEXT, Need, parse_deadline
from services.callouts.tally import tally_view

CLI_LANGUAGE = "en"  # every `donorbot` command writes English (see the README)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("callout", help="emergency call-outs to reserve donors")
    actions = parser.add_subparsers(dest="callout_action", required=True)
    create = actions.add_parser("create", help="match reserve donors and message the first wave")
    create.add_argument("--groups", required=True, help='blood groups needed, e.g. "O+" or "O+,A+"')
    create.add_argument("--units", type=int, required=True)
    create.add_argument("--component", choices=COMPONENTS, default="whole_blood")
    create.add_argument("--place", required=True)
    create.add_argument("--address", required=True)
    create.add_argument("--contact", required=True, help="shown only to donors who accept")
    create.add_argument("--deadline", required=True, help='"18:00", "24/11 18:00" (local time)')
    create.add_argument("--ward", action="append", default=[], help="ward to call first (repeatable)")
    create.add_argument(
        "--clubs-first", action="store_true", help="wave 1 asks only the members of every club"
    )
    create.add_argument(
        "--club",
        action="append",
        default=[],
        help="wave 1 asks only this club's members (its key; repeatable)",
    )
    create.add_argument("--dry-run", action="store_true", help="only count who would be asked")
    status = actions.add_parser("status", help="the tally of a call-out")
    status.add_argument("id", metavar="ID")
    close = actions.add_parser("close", help="stop a call-out early")
    close.add_argument("id", metavar="ID")


def _text(option: str, value: str, limit: int) -> str:
    """One line of text for a column of `limit` characters (the same limit /khancap checks)."""
    cleaned = values.one_line(value)
    if len(cleaned) < MIN_TEXT:
        raise UsageError(f"{option}: must have at least {MIN_TEXT} characters")
    if len(cleaned) > limit:
        raise UsageError(f"{option}: is too long ({len(cleaned)} characters, at most {limit})")
    return cleaned


def _groups(text: str) -> list[str]:
    codes: list[str] = []
    for part in text.split(","):
        group = parse_blood_group(part)
        if group is None or group.abo is None or group.rh is None:
            raise UsageError(f"--groups: {part.strip()!r} is not a blood group with Rh, e.g. O+ or AB-")
        codes.append(group.code)
    return codes


async def run(
    args: argparse.Namespace, settings: Settings, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Runs one `callout` command in one unit of work; 0 on success, 2 with a message on a mistake."""
    return await run_command("callout", _run(args, settings, out or sys.stdout), err=err)


async def _run(args: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    now = datetime.now(UTC)
    catalogs = Catalogs()
    async with unit_of_work(settings) as session:
        if args.callout_action == "create":
            await _create(session, args, settings, catalogs, out, now)
            return
        callout_id = values.record_id(args.id)
        if callout_id is None:
            raise UsageError(f"ID: {args.id!r} is not a call-out id")
        callout = await session.get(Callout, callout_id)
        if callout is None:
            raise UsageError(f"ID: no call-out with id {args.id}")
        if args.callout_action == "close" and callout.status in ("open", "filled"):
            told = await closing.close_callout(
                session,
                callout,
                actor=cli_actor(),
                catalogs=catalogs,
                settings=settings,
                now=now,
                update_tally=True,  # the organiser's tally in the chat shows it closed
            )
            out.write(f"Closed; {told or 0} donor(s) who accepted or were asked will be told.\n")
        counts = await callouts.tally(session, callout.id)
        text, _ = tally_view(catalogs.get(CLI_LANGUAGE), settings, callout, counts)
        out.write(text + "\n")


async def _create(
    session: Any, args: argparse.Namespace, settings: Settings, catalogs: Catalogs, out: TextIO, now: datetime
) -> None:
    groups = _groups(args.groups)
    place = _text("--place", args.place, limits.PLACE)
    address = _text("--address", args.address, limits.ADDRESS)
    contact = _text("--contact", args.contact, limits.CONTACT)
    if not 1 <= args.units <= MAX_UNITS:
        raise UsageError(f"--units: must be 1 to {MAX_UNITS}")
    wards: list[str] = []
    for name in args.ward:
        ward = settings.area.ward_named(name)  # with or without diacritics
        if ward is None:
            raise UsageError(
                f"--ward: {name!r} is not in config.toml [area] wards ({', '.join(settings.area.wards)})"
            )
        wards.append(ward)
    deadline = parse_deadline(args.deadline, now=now, settings=settings)
    if deadline is None:
        raise UsageError('--deadline: use a future local time like "18:00" or "24/11 18:00"')
    first: list[int] | None = [] if args.clubs_first else None
    for key in args.club:
        club = await clubs.by_key(session, key)
        if club is None:
            raise UsageError(f"--club: no club with key {key!r} (donorbot club list)")
        first = [*(first or []), club.id]
    rules = load_checked_rules(settings)
    need = Need(
        groups=groups,
        component=args.component,
        units=args.units,
        place=place,
        address=address,
        contact=contact,
        deadline=deadline,
        wards=wards,
        clubs=first,
    )
    counts = await callout_matching.preview(session, criteria_of(need, settings, rules, now=now))
    out.write(f"{sum(counts.values())} reserve donors match:\n")
    for (code, ward), n in sorted(counts.items(), key=lambda kv: -kv[1]):
        out.write(f"  {code}\t{ward or '(no ward)'}\t{n}\n")
    if first is not None:
        members = await callout_matching.preview(
            session, criteria_of(need, settings, rules, now=now, club_members=True)
        )
        which = "every club" if not first else f"{len(first)} club(s)"
        out.write(f"Clubs first ({which}): {sum(members.values())} matching member(s) in wave 1.\n")
    if args.dry_run:
        return
    launched = await waves.launch(
        session,
        need,
        created_by_account_id=None,
        tally_chat_id=None,
        actor=cli_actor(),
        catalogs=catalogs,
        settings=settings,
        rules=rules,
        now=now,
    )
    if launched is None:
        raise UsageError("nobody matches: nothing was sent (/khancap in the chat offers compatible groups)")
    callout, sent = launched.callout, launched.sent
    out.write(f"Call-out #{callout.id}: wave 1 queued for {sent} donors; the running bot sends it.\n")
