"""One report's data for a scope: the figures, the honour list and the year's milestones, and who asked.

Shared by /thongke and `donorbot report`, so both count the same rows and both write the same audit entry
(the action, the scope and how many named rows went out — never a name).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.i18n import Translator
from domain import ids
from domain.clubs import ClubLine
from domain.figures import Figures, Scope, ScopeKind
from domain.rules import Rules
from models import audit, clubs, figures, honours
from models.tables import Campaign
from services.reports import summary
from services.reports.workbook import write_workbook


@dataclass(frozen=True)
class ReportData:
    figures: Figures
    recognition: summary.Recognition
    campaign_names: tuple[str, ...] = ()
    clubs: tuple[ClubLine, ...] = ()  # the scope's clubs: members, the year's donations, reserve by group

    def heading(self, t: Translator) -> str:
        return summary.title(self.figures, t, self.campaign_names)


async def campaign_by_reference(session: AsyncSession, reference: str) -> Campaign | None:
    """A campaign by its number ("3") or its plan file's key ("kinh-mon-2026")."""
    text = reference.strip()
    number = ids.parse_id(text)
    if number is not None:
        return await session.get(Campaign, number)
    by_key: Campaign | None = await session.scalar(select(Campaign).where(Campaign.key == text.lower()))
    return by_key


async def recent_campaigns(session: AsyncSession, limit: int = 10) -> list[Campaign]:
    """The latest campaigns, newest first (to answer a wrong campaign number with the right ones)."""
    rows = await session.scalars(
        select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc()).limit(limit)
    )
    return list(rows)


async def gather(
    session: AsyncSession,
    *,
    scope: Scope,
    settings: Settings,
    rules: Rules,
    today: date,
    now: datetime,
    year: int | None = None,
    campaigns: Sequence[Campaign] = (),
    history_years: int = 0,
    with_milestones: bool = True,
) -> ReportData:
    """The figures of a year (today's when neither a year nor campaigns are given) or of campaigns;
    `history_years` earlier years of repeat share for the chart by year (each one more pass over a year
    of donations: the workbook asks for them, the chat's text does not); `with_milestones` False leaves
    out the year's milestones (a pass over every donation of the year's donors: the text report has no
    list of them, the workbook and /thongke do)."""
    if year is None and not campaigns:
        year = today.year
    found = await figures.figures(
        session,
        scope=scope,
        settings=settings,
        rules=rules,
        today=today,
        now=now,
        year=year,
        campaign_ids=[c.id for c in campaigns] or None,
        history_years=history_years,
    )
    ward = scope.name if scope.kind is ScopeKind.WARD else None
    organisation = scope.name if scope.kind is ScopeKind.ORGANISATION else None
    recognition = settings.recognition
    honour_rows = await honours.honour_list(
        session, more_than=recognition.honour_more_than, ward=ward, organisation=organisation
    )
    milestone_year = year if year is not None else max(c.year for c in campaigns)
    milestone_rows = (
        await honours.milestones_in_year(
            session,
            year=milestone_year,
            milestones=recognition.milestones,
            ward=ward,
            organisation=organisation,
        )
        if with_milestones
        else []
    )
    return ReportData(
        figures=found,
        recognition=summary.Recognition(
            threshold=recognition.honour_more_than,
            honours=[summary.Honour(r.full_name, r.ward, r.count) for r in honour_rows],
            milestones=[summary.Milestone(r.full_name, r.ward, r.milestone, r.count) for r in milestone_rows],
        ),
        campaign_names=tuple(c.name for c in campaigns),
        clubs=tuple(await clubs.figures(session, scope=scope, year=milestone_year)),
    )


def workbook_bytes(
    data: ReportData, t: Translator, chart_pngs: Sequence[tuple[str, bytes]] | None = None
) -> bytes:
    """The .xlsx of the report (the charts drawn here unless given, as `summary.all_charts` draws them)."""
    buffer = io.BytesIO()
    write_workbook(
        buffer,
        summary.workbook(
            data.figures,
            t,
            heading=data.heading(t),
            recognition=data.recognition,
            chart_pngs=chart_pngs,
            clubs=data.clubs,
        ),
    )
    return buffer.getvalue()


async def record(session: AsyncSession, data: ReportData, *, actor: str, output: str, now: datetime) -> None:
    """Audits a report given out: who, which scope and filter, what form, how many named rows."""
    await audit.record(
        session,
        actor=actor,
        action="report.export" if output != "text" else "report.view",
        target=data.figures.scope.text,
        details={
            "year": data.figures.year,
            "campaigns": list(data.figures.campaign_ids),
            "format": output,
            "named_rows": len(data.recognition.honours) + len(data.recognition.milestones)
            if output != "text"
            else 0,
        },
        now=now,
    )
