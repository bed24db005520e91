"""`donorbot announce --text TEXT [--ward W ...] [--reserve-only]` and `donorbot announce progress ID`.

Queuing an announcement is one unit of work (`bot.cli.harness`): the outbox rows and the audit entry
(`cli:<os user>`). The running bot sends them (its delivery loop looks at the outbox every half second).
Mistakes print one line naming the problem and exit with code 2, like the other `donorbot` commands.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import values
from bot.cli.harness import UsageError, cli_actor, run_command, unit_of_work
from core.config import Settings
from models import announcements
from models.announcements import Announcement, Audience
from services.quiet import quiet_shift


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "announce",
        help="queue an announcement to donors, or show an announcement's progress",
        description="Queue an announcement (--text ...), or `donorbot announce progress ID`.",
    )
    parser.add_argument(
        "--text", help=f"the message, sent as written (at most {announcements.MAX_TEXT} chars)"
    )
    parser.add_argument(
        "--ward",
        action="extend",
        nargs="+",
        default=[],
        metavar="W",
        help="only donors of these wards (as in config.toml [area] wards); default: every ward",
    )
    parser.add_argument("--reserve-only", action="store_true", help="only reserve donors")
    parser.add_argument("--dry-run", action="store_true", help="count the recipients, queue nothing")
    actions = parser.add_subparsers(dest="announce_action", metavar="progress")
    progress = actions.add_parser("progress", help="sent / failed / waiting / cancelled counts")
    progress.add_argument(
        "id", metavar="ID", help='the announcement number ("12", "#12" or "announcement:12")'
    )


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" + ("" if number == 1 else "s")


def describe(audience: Audience) -> str:
    who = "reserve donors" if audience.reserve_only else "all registered donors"
    return who + (f" in {', '.join(audience.wards)}" if audience.wards else "")


async def _queue(session: AsyncSession, out: TextIO, args: argparse.Namespace, settings: Settings) -> None:
    if args.text is None:
        raise UsageError("--text is required (or use `donorbot announce progress ID`)")
    try:
        text = announcements.clean_text(args.text)
    except announcements.AnnouncementError as exc:
        raise UsageError(f"--text: {exc}") from None
    audience = Audience(wards=values.known_wards(args.ward, settings), reserve_only=args.reserve_only)
    reach = await announcements.reach(session, audience)
    if args.dry_run:
        out.write(
            f"Would announce to {describe(audience)}: {_count(reach.donors, 'donor')} "
            f"({_count(reach.accounts, 'chat')}). "
            "Nothing was queued.\n"
        )
        return
    if reach.accounts == 0:
        raise UsageError(f"nobody to announce to: no reachable chat among {describe(audience)}")
    now = datetime.now(UTC)
    due = quiet_shift(now, settings)  # nothing but call-outs goes out in quiet hours
    created = await announcements.create(
        session, text=text, audience=audience, actor=cli_actor(), now=now, due_at=due
    )
    out.write(
        f"Announcement #{created.id} queued for {describe(audience)}: {_count(created.donors, 'donor')} "
        f"({_count(created.queued, 'chat')}), batch {created.batch}.\n"
    )
    if due > now:
        out.write(f"Quiet hours: sending starts at {due.astimezone(settings.tz):%H:%M}.\n")
    out.write(f"The running bot sends it; follow it with: donorbot announce progress {created.id}\n")


def _progress_lines(found: Announcement, counts: announcements.Progress, settings: Settings) -> list[str]:
    local = found.at.astimezone(settings.tz)
    return [
        f"Announcement #{found.id} ({found.batch}), {local:%Y-%m-%d %H:%M} by {found.actor}, "
        f"to {describe(found.audience)}",
        f"  sent       {counts.sent}/{counts.total} ({counts.share_sent:.1%})",
        f"  failed     {counts.failed}",
        f"  waiting    {counts.waiting} (pending or being sent)",
        f"  cancelled  {counts.cancelled}",
        "  done" if counts.done else "  still sending",
    ]


async def _progress(session: AsyncSession, out: TextIO, text: str, settings: Settings) -> None:
    announcement_id = announcements.parse_id(text)
    if announcement_id is None:
        raise UsageError(f"ID: {text!r} is not an announcement number (e.g. 12 or announcement:12)")
    found = await announcements.find(session, announcement_id)
    if found is None:
        raise UsageError(f"ID: no announcement #{announcement_id}")
    counts = await announcements.progress(session, announcement_id)
    for line in _progress_lines(found, counts, settings):
        out.write(line + "\n")


async def run(
    args: argparse.Namespace, settings: Settings, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Runs one `announce` command in one unit of work; 0 on success, 2 with a message on a mistake."""
    return await run_command("announce", _run(args, settings, out or sys.stdout), err=err)


async def _run(args: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    async with unit_of_work(settings) as session:
        if args.announce_action == "progress":
            await _progress(session, out, args.id, settings)
        else:
            await _queue(session, out, args, settings)
