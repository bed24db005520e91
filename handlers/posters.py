"""/apphich 12 (/poster 12): the printable A4 poster of a drive day still going ahead, for organisers.

Where the bot can upload files (Telegram, the console) the poster comes as a PDF document, one A4 page to
print; on Zalo, which takes photos by URL only, as a PNG photo kept by `bot/web/media` (without
`web.public_url` its text: the day, the place and the code to type). Drawn in a worker thread
(`services.reports.poster`, about a second) and audited (`poster.make`: the day and the form).
"""

from __future__ import annotations

import asyncio

from core.channels import Files, capabilities
from domain import ids
from handlers.context import Context
from handlers.flow import organiser_only
from models.outbox import File
from services.reports import poster as posters


async def show_poster(ctx: Context, args: str = "") -> None:
    if not await organiser_only(ctx):
        return
    drive_day_id = ids.parse_id(args.strip().lstrip("#"))
    if drive_day_id is None:
        ctx.say("poster_usage")
        return
    found = await posters.load(
        ctx.session,
        drive_day_id,
        ctx.t,
        bot_username=ctx.bot_username,
        zalo_link=ctx.settings.zalo.bot_link,
        hotline=str(ctx.settings.bot.hotline),
        now=ctx.now(),
        tz=ctx.settings.tz,
    )
    if found is None:
        ctx.say("poster_unknown", id=drive_day_id)
        return
    poster, view = found
    fmt: posters.Format = "pdf" if capabilities(ctx.incoming.platform).files is Files.UPLOAD else "png"
    content = await asyncio.to_thread(posters.render, poster, fmt)
    day, place = ctx.t.day(view.day), view.place_name
    ctx.say(
        "poster_caption",
        day=day,
        place=place,
        attachment=File(
            posters.filename(view, fmt),
            content,
            posters.MIME[fmt],
            is_image=fmt == "png",
            alt=ctx.t("poster_alt", day=day, place=place, code=poster.code),
        ),
    )
    await posters.record(ctx.session, view, actor=ctx.actor, output=fmt, now=ctx.now())
