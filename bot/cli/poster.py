"""`donorbot poster DRIVE_DAY_ID [--format pdf|png] [--output F] [--bot USERNAME] [--lang vi|en]`.

The A4 poster of a drive day exactly as /apphich draws it (`services.reports.poster`): the campaign's
name and slogan, the day with its weekday, the hours, the place and address, a QR code of the deep link
that books this day, the code to type ("DK 12") and the hotline. The CLI does not know the Telegram
bot's username (the running bot asks Telegram): `--bot` gives it for the QR code and the "send DK 12 to
@bot" line; without it the QR holds `zalo.bot_link` when set, else the poster has the code alone. Audited
as `cli:<os user>` (`poster.make`).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.cli import values
from bot.cli.harness import UsageError, cli_actor, run_command, unit_of_work
from core.config import Settings
from core.i18n import Catalogs
from domain.slots import has_ended
from services.reports import poster as posters

_BOT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "poster",
        help="a printable A4 poster of a drive day (PDF or PNG) with its QR code and typed code",
        description="The A4 poster of a drive day: date, hours, place, QR code of its booking link, DK code.",
    )
    parser.add_argument(
        "id", metavar="DRIVE_DAY_ID", help="the drive day's number (see `donorbot drive list`)"
    )
    parser.add_argument("--format", choices=posters.FORMATS, default="pdf")
    parser.add_argument("--output", help="the file to write (default: ap-phich-buoi-<id>-<date>.<format>)")
    parser.add_argument("--bot", metavar="USERNAME", help="the Telegram bot's username, for the QR code")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi", help="the language of the poster")


async def run(
    args: argparse.Namespace, settings: Settings, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Runs `donorbot poster` in one unit of work; 0 on success, 2 with a message on a mistake."""
    return await run_command("poster", _run(args, settings, out or sys.stdout), err=err)


async def _run(args: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    drive_day_id = values.record_id(args.id)
    if drive_day_id is None:
        raise UsageError(f"DRIVE_DAY_ID: {args.id!r} is not a drive day id (see `donorbot drive list`)")
    bot = args.bot.removeprefix("@") if args.bot else None
    if bot is not None and not _BOT_NAME.fullmatch(bot):
        raise UsageError(f"--bot: {args.bot!r} is not a Telegram username (like hienmau_kinhmon_bot)")
    t = Catalogs().get(args.lang)
    now = datetime.now(UTC)
    async with unit_of_work(settings) as session:
        found = await posters.load(
            session,
            drive_day_id,
            t,
            bot_username=bot,
            zalo_link=settings.zalo.bot_link,
            hotline=str(settings.bot.hotline),
            now=now,
            tz=settings.tz,
            over_ok=True,
        )
        if found is None:
            raise UsageError(f"no drive day {drive_day_id}, or it is cancelled (see `donorbot drive list`)")
        poster, view = found
        content = await asyncio.to_thread(posters.render, poster, args.format)
        path = Path(args.output or posters.filename(view, args.format))
        try:
            await asyncio.to_thread(path.write_bytes, content)
        except OSError as exc:
            problem = exc.strerror or type(exc).__name__
            raise UsageError(f"--output: cannot write {path} ({problem})") from None
        qr = f"QR: {poster.qr_payload}" if poster.qr_payload else "no QR code (give --bot)"
        out.write(f"Wrote {path} (A4 {args.format.upper()}, {qr}, code {poster.code}).\n")
        if has_ended(view.day, view.end_time, now=now, tz=settings.tz):
            out.write(f"Note: drive day {drive_day_id} is over; its poster is for the record only.\n")
        await posters.record(session, view, actor=cli_actor(), output=args.format, now=now)
