"""/danhsach (/roster): who booked a drive day, for the organiser at the desk and on the phone after it.

`/danhsach 12` answers with a short message (bookings and check-ins per slot, no names) and the A4
workbook of the roster (names, phones, slot, reserve and first-time marks, status, a column to sign);
`/danhsach 12 vang` lists the no-shows of a day that is over, names and phones, to call them. Both are
within the organiser's scope (`models.rosters`) and audited. On Zalo, which takes no files, the file's
place is taken by the list itself, cut to one message.
"""

from __future__ import annotations

from core.channels import capabilities
from domain import ids
from domain.text import fold
from handlers.context import Context
from handlers.flow import organiser_only
from models import organisers, rosters
from models.outbox import File
from services.reports import rosters as roster_sheets

NO_SHOW_WORDS = frozenset(
    {"vang", "vangmat", "vang mat", "khong den", "noshow", "no-shows", "no shows", "absent"}
)


async def show_roster(ctx: Context, args: str = "") -> None:
    if not await organiser_only(ctx):
        return
    scope = await organisers.scope_of(
        ctx.session, platform=ctx.incoming.platform, user_id=ctx.incoming.user_id
    )
    if scope is None:  # the role went between the check and now
        ctx.say("organiser_only")
        return
    first, _, rest = args.strip().partition(" ")
    drive_day_id = ids.parse_id(first) if first else None
    words = fold(rest)
    if drive_day_id is None or (words and words not in NO_SHOW_WORDS):
        ctx.say("ros_usage")
        return
    no_shows = bool(words)
    found = await rosters.load(
        ctx.session, drive_day_id, scope=scope, now=ctx.now(), tz=ctx.settings.tz, no_shows=no_shows
    )
    if isinstance(found, rosters.Refusal):
        ctx.say(f"ros_refused_{found.value}", id=drive_day_id)
        return
    t, tz = ctx.t, ctx.settings.tz
    if no_shows:
        limit = capabilities(ctx.incoming.platform).max_text
        ctx.say_text(roster_sheets.list_text(found, t, tz, limit=limit))
        await roster_sheets.record(ctx.session, found, actor=ctx.actor, output="text", now=ctx.now())
        return
    ctx.say_text(roster_sheets.summary_text(found, t))
    if found.rows:
        alt = roster_sheets.list_text(found, t, tz, limit=capabilities("zalo").max_text)
        content = roster_sheets.xlsx_bytes(found, t, tz)
        ctx.say_text(
            t("ros_file_caption", id=found.day.id),
            attachment=File(roster_sheets.filename(found, "xlsx"), content, roster_sheets.XLSX, alt=alt),
        )
    output = "xlsx" if found.rows else "text"  # nobody booked: no file goes out
    await roster_sheets.record(ctx.session, found, actor=ctx.actor, output=output, now=ctx.now())
