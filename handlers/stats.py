"""/thongke (/stats): the campaign numbers for an organiser, within their scope.

`/thongke` is this year, `/thongke 2025` a year, `/thongke 3` or `/thongke kinh-mon-2026` a campaign. The
answer is the report in words (lists cut short), the progress chart and the workbook with every table;
a ward organiser's figures, honour list and milestones are their ward's only (`organisers.scope`). Each
report given out is audited (`report.export`, with how many named rows left).

The charts and the workbook are drawn in a worker thread, inside the turn (about a second for a district:
bench/report.py); the turn's transaction stays open meanwhile, which on SQLite holds other turns back that
long — the price of one consistent reading of the figures, paid only when an organiser asks.
"""

from __future__ import annotations

import asyncio

from domain import ids
from handlers.context import Context
from handlers.flow import organiser_only
from models import organisers
from models.outbox import File
from models.tables import Campaign
from services.reports import gather, summary
from services.reports.workbook import XLSX_MIME

CHAT_LIST_LINES = 8  # wards/organisations shown in the chat's text; the workbook has them all
FIRST_YEAR, LAST_YEAR = 2000, 2100


async def show_stats(ctx: Context, args: str = "") -> None:
    if not await organiser_only(ctx):
        return
    scope = await organisers.scope_of(
        ctx.session, platform=ctx.incoming.platform, user_id=ctx.incoming.user_id
    )
    if scope is None:  # the role went between the check and now
        ctx.say("organiser_only")
        return
    reference = args.strip()
    year: int | None = None
    campaigns: list[Campaign] = []
    if reference:
        number = ids.parse_id(reference)
        if number is not None and FIRST_YEAR <= number <= LAST_YEAR:
            year = number
        else:
            campaign = await gather.campaign_by_reference(ctx.session, reference)
            if campaign is None:
                recent = await gather.recent_campaigns(ctx.session)
                listed = "\n".join(
                    ctx.t("rep_campaign_item", id=c.id, name=c.name, year=c.year) for c in recent
                )
                ctx.say(
                    "rep_unknown_campaign", text=reference[:40], campaigns=listed or ctx.t("rep_no_campaigns")
                )
                ctx.say("rep_usage")
                return
            campaigns.append(campaign)
    data = await gather.gather(
        ctx.session,
        scope=scope,
        settings=ctx.settings,
        rules=ctx.knowledge.rules,
        today=ctx.today(),
        now=ctx.now(),
        year=year,
        campaigns=campaigns,
    )
    t = ctx.t
    heading = data.heading(t)
    ctx.say_text(
        summary.text(
            data.figures,
            t,
            heading=heading,
            recognition=data.recognition,
            max_lines=CHAT_LIST_LINES,
            clubs=data.clubs,
        )
        + "\n\n"
        + t("rep_more_in_file")
    )
    pngs = await asyncio.to_thread(summary.all_charts, data.figures, t)
    _, progress = pngs[0]  # the progress chart in the chat; all of them in the workbook
    ctx.say_text(
        t("rep_chart_progress"),
        attachment=File("thongke.png", progress, "image/png", is_image=True, alt=t("rep_chart_alt")),
    )
    workbook = await asyncio.to_thread(gather.workbook_bytes, data, t, pngs)
    name = f"thongke-{data.figures.year}.xlsx" if data.figures.year else "thongke-chien-dich.xlsx"
    ctx.say_text(
        t("rep_file_caption", title=heading),
        attachment=File(name, workbook, XLSX_MIME, alt=t("rep_file_alt")),
    )
    await gather.record(ctx.session, data, actor=ctx.actor, output="xlsx", now=ctx.now())
