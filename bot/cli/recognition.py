"""`donorbot donor earlier-count` and `donorbot honours`: donations before the bot, and who is honoured.

`donor earlier-count --phone P N` is an organiser's correction of a donor's donations before the bot
(from the hospital's records), audited as `cli:<os user>`; from then on the donor's /hoso shows it and
no longer changes it. `honours` prints the honour list (more than `[recognition] honour_more_than`
donations, earlier ones included) and the people whose donations in a year reached a milestone (the
certificate ceremony), each scoped to one ward with `--ward`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.cli import values
from bot.cli.harness import UsageError, cli_actor, run_command, unit_of_work
from core.config import Settings
from domain.milestones import MAX_EARLIER_DONATIONS
from domain.phone import display_phone, parse_phone
from models import donors, honours


def add_parser(subparsers: Any) -> None:
    donor = subparsers.add_parser("donor", help="correct what a donor's profile says")
    actions = donor.add_subparsers(dest="donor_action", required=True)
    earlier = actions.add_parser(
        "earlier-count", help="set how many times the donor gave before the bot (from the records)"
    )
    earlier.add_argument("--phone", required=True, help="the donor's phone, e.g. 0912 345 678")
    earlier.add_argument("count", help=f"donations before the bot, 0 to {MAX_EARLIER_DONATIONS}")
    listing = subparsers.add_parser(
        "honours", help="the honour list and the milestones reached in a year (certificates)"
    )
    listing.add_argument("--year", help="the year of the milestones (default: this year)")
    listing.add_argument("--ward", help="only this ward (as in config.toml [area] wards)")
    listing.add_argument("--milestone", help="only this milestone (one of [recognition] milestones)")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, numbers right-aligned; "(none)" without rows."""
    if not rows:
        return "  (none)\n"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    numeric = [all(r[i].isdigit() for r in rows) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric, strict=True)]
        return "  " + "  ".join(padded).rstrip() + "\n"

    return line(headers) + line(["-" * w for w in widths]) + "".join(line(r) for r in rows)


async def run(
    args: argparse.Namespace,
    settings: Settings,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    now: datetime | None = None,
) -> int:
    """Runs `donor …` or `honours` in one unit of work; 0 on success, 2 with a message on a mistake."""
    err = err or sys.stderr
    work = _run(args, settings, out=out or sys.stdout, now=now or datetime.now(UTC))
    return await run_command(args.command, work, err=err)


async def _run(args: argparse.Namespace, settings: Settings, *, out: TextIO, now: datetime) -> None:
    if args.command == "donor":
        await _earlier_count(args, settings, out=out, now=now)
    else:
        await _honours(args, settings, out=out, now=now)


async def _earlier_count(args: argparse.Namespace, settings: Settings, *, out: TextIO, now: datetime) -> None:
    phone = parse_phone(values.one_line(args.phone))
    if phone is None:
        raise UsageError(f"--phone: {args.phone!r} is not a Vietnamese phone number, e.g. 0912 345 678")
    count = values.whole_number("COUNT", args.count, minimum=0, maximum=MAX_EARLIER_DONATIONS)
    async with unit_of_work(settings) as session:
        donor = await donors.donor_by_phone(session, phone)
        if donor is None:
            raise UsageError(f"--phone: no donor has {display_phone(phone)}")
        old = await honours.correct_earlier(session, donor, count, actor=cli_actor(), now=now)
        total = await honours.total_count(session, donor.id)
    was = "not stated" if old is None else str(old)
    out.write(
        f"{donor.full_name} ({display_phone(phone)}): donations before the bot {was} → {count}; "
        f"{total} in all.\n"
    )


async def _honours(args: argparse.Namespace, settings: Settings, *, out: TextIO, now: datetime) -> None:
    recognition = settings.recognition
    year = values.whole_number("--year", args.year, minimum=2000, maximum=2100) if args.year else None
    year = year or now.astimezone(settings.tz).year
    ward = values.known_wards([args.ward], settings)[0] if args.ward else None
    milestone = values.whole_number("--milestone", args.milestone) if args.milestone else None
    if milestone is not None and milestone not in recognition.milestones:
        shown = ", ".join(str(n) for n in recognition.milestones)
        raise UsageError(f"--milestone: {milestone} is not one of [recognition] milestones ({shown})")
    async with unit_of_work(settings) as session:
        honoured = await honours.honour_list(session, more_than=recognition.honour_more_than, ward=ward)
        reached = await honours.milestones_in_year(
            session, year=year, milestones=recognition.milestones, ward=ward, milestone=milestone
        )
    where = f" in {ward}" if ward else ""
    if milestone is None:  # the list for one milestone's certificates needs no honour list beside it
        out.write(f"Honour list{where}: more than {recognition.honour_more_than} donations\n")
        rows = [
            [r.full_name, r.ward or "-", str(r.count), "-" if r.earlier is None else str(r.earlier)]
            for r in honoured
        ]
        out.write(table(["Name", "Ward", "Donations", "Before the bot"], rows))
    which = f"the {milestone} milestone" if milestone is not None else "a milestone"
    out.write(f"Reached {which} in {year}{where}\n")
    out.write(
        table(
            ["Milestone", "Name", "Ward", "Donations"],
            [[str(r.milestone), r.full_name, r.ward or "-", str(r.count)] for r in reached],
        )
    )
