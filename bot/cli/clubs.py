"""`donorbot club create|list|show|add-member|leader|remove-member|new-code`: blood donors' clubs.

Each command is one unit of work audited as `cli:<os user>` (`bot.cli.harness`), with ids and counts
only. `club create` prints the join code members send to the bot ("CLB-7K2MQX").
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import values
from bot.cli.harness import UsageError, cli_actor, run_command, unit_of_work
from core.config import Settings
from domain import clubs as rules
from domain import limits
from domain.phone import display_phone, parse_phone
from models import audit, clubs, donors
from models.tables import Club, Donor
from services import clubs as club_service
from services.clubs import ClubError


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("club", help="blood donors' clubs and their members")
    actions = parser.add_subparsers(dest="club_action", required=True)
    create = actions.add_parser("create", help="create a club and print its join code")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--kind", default="club", choices=rules.KINDS)
    create.add_argument("--ward", help="one of config.toml [area] wards (diacritics optional)")
    create.add_argument("--key", help="a short key, e.g. clb-tam-luu (default: made from the name)")
    actions.add_parser("list", help="every club with its member and leader counts")
    show = actions.add_parser("show", help="a club: its code, member count and leaders")
    show.add_argument("key", metavar="KEY")
    for name, text in (
        ("add-member", "add a registered donor to a club"),
        ("leader", "make a member a leader of the club"),
        ("remove-member", "take a donor out of a club"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("key", metavar="KEY")
        action.add_argument("--phone", required=True, help="the donor's phone, e.g. 0912 345 678")
    code = actions.add_parser("new-code", help="replace a club's join code (the old one stops working)")
    code.add_argument("key", metavar="KEY")


async def run(
    args: argparse.Namespace, settings: Settings, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Runs one `club` command in one unit of work; 0 on success, 2 with a message on a mistake."""
    return await run_command("club", _run(args, settings, out or sys.stdout), err=err)


async def _club(session: AsyncSession, key: str) -> Club:
    club = await clubs.by_key(session, key)
    if club is None:
        raise UsageError(f"KEY: no club with key {key!r} (donorbot club list)")
    return club


async def _donor(session: AsyncSession, phone: str) -> Donor:
    e164 = parse_phone(phone)
    if e164 is None:
        raise UsageError(f"--phone: {phone!r} is not a Vietnamese mobile number")
    donor = await donors.donor_by_phone(session, e164)
    if donor is None:
        raise UsageError("--phone: no registered donor has this number")
    return donor


async def _run(args: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    now = datetime.now(UTC)
    actor = cli_actor()
    async with unit_of_work(settings) as session:
        action = args.club_action
        if action == "create":
            await _create(session, args, settings, out, actor=actor, now=now)
        elif action == "list":
            found = await clubs.listed(session)
            if not found:
                out.write('No clubs yet: donorbot club create "NAME" --kind club\n')
            for c in found:
                ward = c.club.ward or "-"
                out.write(
                    f"{c.club.key}\t{c.club.name}\t{c.club.kind}\t{ward}\t"
                    f"{c.members} member(s), {c.leaders} leader(s)\t{rules.shown(c.club.join_code)}\n"
                )
        elif action == "show":
            club = await _club(session, args.key)
            members = await clubs.members_of(session, club.id)
            leaders = [d for d, row in members if row.role == "leader"]
            out.write(f"{club.name} ({club.kind}), key {club.key}, ward {club.ward or '-'}\n")
            out.write(f"Join code: {rules.shown(club.join_code)}\n")
            out.write(f"Members: {len(members)}, leaders: {len(leaders)}\n")
            for leader in leaders:
                out.write(f"  leader: {leader.full_name}\t{display_phone(leader.phone)}\n")
        elif action == "new-code":
            club = await _club(session, args.key)
            code = await clubs.new_code(session, club, actor=actor, now=now)
            out.write(f"New join code of {club.key}: {rules.shown(code)} (the old one no longer works)\n")
        else:
            await _member(session, args, out, actor=actor, now=now)


async def _create(
    session: AsyncSession,
    args: argparse.Namespace,
    settings: Settings,
    out: TextIO,
    *,
    actor: str,
    now: datetime,
) -> None:
    ward = None
    if args.ward is not None:
        ward = settings.area.ward_named(args.ward)
        if ward is None:
            raise UsageError(
                f"--ward: {args.ward!r} is not in config.toml [area] wards ({', '.join(settings.area.wards)})"
            )
    key = args.key.strip() if args.key is not None else None
    try:
        club = await club_service.create(
            session, name=values.one_line(args.name), kind=args.kind, ward=ward, key=key, actor=actor, now=now
        )
    except ClubError as exc:
        problem = str(exc)
        if problem == "name":
            raise UsageError(f"NAME: must have {rules.MIN_NAME} to {limits.CLUB_NAME} characters") from None
        if problem == "key":
            raise UsageError(
                f"--key: lower-case letters, digits and dashes, at most {limits.CLUB_KEY} characters"
            ) from None
        raise UsageError(f"--key: a club with key {key!r} exists already") from None
    out.write(f"Club {club.key} created: {club.name} ({club.kind}).\n")
    out.write(f"Join code: {rules.shown(club.join_code)} (members send it to the bot)\n")


async def _member(
    session: AsyncSession, args: argparse.Namespace, out: TextIO, *, actor: str, now: datetime
) -> None:
    club = await _club(session, args.key)
    donor = await _donor(session, args.phone)
    if args.club_action == "add-member":
        added = await clubs.add_members(session, club.id, [donor.id], source="organiser", now=now)
        if added:
            await audit_add(session, club, donor, actor=actor, now=now)
            out.write(f"Added to {club.key}.\n")
        else:
            out.write(f"Already a member of {club.key}.\n")
    elif args.club_action == "leader":
        if not await clubs.set_role(session, club, donor.id, "leader", actor=actor, now=now):
            raise UsageError(f"--phone: not a member of {club.key} (donorbot club add-member first)")
        out.write(f"Now a leader of {club.key}.\n")
    elif not await clubs.remove_member(session, club, donor.id, actor=actor, now=now):
        raise UsageError(f"--phone: not a member of {club.key}")
    else:
        out.write(f"Removed from {club.key}.\n")


async def audit_add(session: AsyncSession, club: Club, donor: Donor, *, actor: str, now: datetime) -> None:
    await audit.record(
        session,
        actor=actor,
        action="club.add_member",
        target=f"club:{club.id}",
        details={"donor": donor.id},
        now=now,
    )
