"""The campaign numbers in words, as charts and as a workbook: one `Figures` rendered three ways.

Every number comes from `domain.figures.Figures` (counted once by `models.figures`); this module only words
and lays them out, in the reader's language, so /thongke, `donorbot report` and the workbook say the same.
The text reads like the committees' own reports ("Thu về 1.440 đơn vị máu, đạt 142,5 % chỉ tiêu (1.010),
vượt 430 đơn vị."). Names of people appear only in the honour and milestone sheets, which only an
organiser whose scope covers them receives (the caller picks the rows by scope).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from core.i18n import Translator
from domain.clubs import ClubLine
from domain.compatibility import GROUPS
from domain.figures import TAG_NAMES, Figures, QuotaLine, Scope, ScopeKind, Share
from services.reports import charts
from services.reports.numbers import fmt_int, fmt_percent
from services.reports.workbook import (
    CellValue,
    Column,
    Fact,
    Format,
    Picture,
    Pictures,
    Summary,
    Table,
    Workbook,
)


@dataclass(frozen=True)
class Honour:
    """One person of the honour list: more donations in all than the threshold."""

    name: str
    ward: str | None
    count: int


@dataclass(frozen=True)
class Milestone:
    """One person who reached a milestone in the year (for the certificate ceremony)."""

    name: str
    ward: str | None
    milestone: int
    count: int


@dataclass(frozen=True)
class Recognition:
    """The honour list and the year's milestones, as the caller's scope allows."""

    threshold: int
    honours: Sequence[Honour] = ()
    milestones: Sequence[Milestone] = ()


def scope_name(scope: Scope, t: Translator) -> str:
    if scope.kind is ScopeKind.WARD:
        return t("rep_scope_ward", name=scope.name)
    if scope.kind is ScopeKind.ORGANISATION:
        return t("rep_scope_organisation", name=scope.name)
    return t("rep_scope_area")


def title(figures: Figures, t: Translator, campaign_names: Sequence[str] = ()) -> str:
    """ "Kết quả … năm 2021" or "Kết quả chiến dịch «Kinh Môn ngàn trái tim vàng»", with the scope."""
    if campaign_names and len(campaign_names) == 1:
        head = t("rep_title_campaign", name=campaign_names[0])
    elif campaign_names:
        head = t("rep_title_campaigns", count=len(campaign_names), names=", ".join(campaign_names))
    else:
        head = t("rep_title_year", year=figures.year if figures.year is not None else figures.today.year)
    return f"{head} — {scope_name(figures.scope, t)}"


def _pct(share: float | None, lang: str) -> str:
    return "—" if share is None else fmt_percent(share, lang)


def _share_text(share: Share, lang: str) -> str:
    return _pct(share.value, lang)


def paragraph(figures: Figures, t: Translator) -> str:
    """The summary a committee pastes into its year report: units, funnel, donors, volumes, reserve."""
    lang = t.lang

    def n(value: int) -> str:
        return fmt_int(value, lang)

    units = figures.units
    lines: list[str] = []
    if units.target is None:
        lines.append(t("rep_units_no_target", units=n(units.actual)))
    else:
        difference = units.difference or 0
        key = (
            "rep_units_above" if difference > 0 else "rep_units_met" if difference == 0 else "rep_units_below"
        )
        lines.append(
            t(
                key,
                units=n(units.actual),
                percent=_pct(units.percent / 100 if units.percent is not None else None, lang),
                target=n(units.target),
                difference=n(abs(difference)),
            )
        )
    if figures.population_share is not None and figures.population:
        lines.append(
            t(
                "rep_population",
                share=fmt_percent(figures.population_share, lang, 2),
                population=n(figures.population),
            )
        )
    funnel = figures.funnel
    lines.append(
        t(
            "rep_funnel",
            registered=n(funnel.registered),
            checked_in=n(funnel.checked_in),
            donated=n(funnel.donated),
            deferred=n(funnel.deferred),
        )
    )
    mix = figures.donors
    donors = mix.first_time + mix.repeat
    if donors:
        share = mix.repeat_share
        key = "rep_donors" if share.target is None else "rep_donors_target"
        lines.append(
            t(
                key,
                donors=n(donors),
                first=n(mix.first_time),
                repeat=n(mix.repeat),
                share=_share_text(share, lang),
                target=_pct(share.target, lang),
            )
        )
    volumes = figures.volumes
    if volumes.ml250 + volumes.ml350 + volumes.ml450:
        share = volumes.share_350_plus
        key = "rep_volumes" if share.target is None else "rep_volumes_target"
        lines.append(
            t(
                key,
                ml250=n(volumes.ml250),
                ml350=n(volumes.ml350),
                ml450=n(volumes.ml450),
                share=_share_text(share, lang),
                target=_pct(share.target, lang),
            )
        )
    if volumes.unknown:
        lines.append(t("rep_volumes_unknown", count=n(volumes.unknown)))
    if figures.deferrals:
        reasons = [
            t("rep_deferral_item", reason=reason or t("rep_deferral_unknown"), count=n(count))
            for reason, count in figures.deferrals
        ]
        lines.append(t("rep_deferrals", reasons=", ".join(reasons)))
    lines.append(_reserve_line(figures, t))
    ready = figures.emergency_ready
    key = "rep_ready" if ready.target is None else "rep_ready_target"
    lines.append(t(key, ready=n(ready.actual), target=n(ready.target or 0)))
    return "\n".join(lines)


def _reserve_line(figures: Figures, t: Translator) -> str:
    lang = t.lang
    reserve = figures.reserve
    if not reserve.actual:
        return t("rep_reserve_none")
    groups = ", ".join(
        t(
            "rep_group_item",
            group=group if group != "?" else t("rep_group_unknown"),
            count=fmt_int(count, lang),
        )
        for group, count in figures.reserve_by_group
    )
    if reserve.target is None:
        return t("rep_reserve", total=fmt_int(reserve.actual, lang), groups=groups)
    return t(
        "rep_reserve_target",
        total=fmt_int(reserve.actual, lang),
        groups=groups,
        percent=_pct(reserve.percent / 100 if reserve.percent is not None else None, lang),
        target=fmt_int(reserve.target, lang),
    )


def _quota_line(line: QuotaLine, t: Translator) -> str:
    lang = t.lang
    if line.units.target is not None and line.units.percent is not None:
        text = t(
            "rep_line_quota",
            name=line.name,
            units=fmt_int(line.units.actual, lang),
            quota=fmt_int(line.units.target, lang),
            percent=fmt_percent(line.units.percent / 100, lang),
        )
    else:
        text = t("rep_line", name=line.name, units=fmt_int(line.units.actual, lang))
    staff = line.staff_share
    if staff is not None and line.headcount:
        text += t(
            "rep_line_staff",
            donors=fmt_int(line.donors, lang),
            headcount=fmt_int(line.headcount, lang),
            share=_share_text(staff, lang),
        )
    return text


def text(
    figures: Figures,
    t: Translator,
    *,
    heading: str,
    recognition: Recognition | None = None,
    max_lines: int | None = None,
    clubs: Sequence[ClubLine] = (),
) -> str:
    """The whole report as text: heading, paragraph, wards, organisations, named campaigns, recognition.

    `max_lines` caps each list (the chat's short form: the file has them all); the clubs are listed
    with the most members first.
    """
    lang = t.lang
    if not _has_anything(figures):
        return "\n\n".join([heading, t("rep_as_of", date=t.date(figures.today)), t("rep_nothing")])
    parts = [heading + "\n" + t("rep_as_of", date=t.date(figures.today)), paragraph(figures, t)]
    for key, lines in (
        ("rep_wards_heading", figures.wards),
        ("rep_organisations_heading", figures.organisations),
    ):
        if not lines:
            continue
        shown = [_quota_line(line, t) for line in lines[: max_lines or None]]
        if key == "rep_wards_heading" and figures.unattributed_units:
            shown.append(t("rep_unattributed", units=fmt_int(figures.unattributed_units, lang)))
        if max_lines is not None and len(lines) > max_lines:
            shown.append(t("rep_more_lines", count=fmt_int(len(lines) - max_lines, lang)))
        parts.append("\n".join([t(key), *shown]))
    if figures.by_tag:
        tags = []
        for line in figures.by_tag:
            name = TAG_NAMES[line.tag]
            if line.units.target is not None and line.units.percent is not None:
                tags.append(
                    t(
                        "rep_tag_line_target",
                        name=name,
                        units=fmt_int(line.units.actual, lang),
                        percent=fmt_percent(line.units.percent / 100, lang),
                        target=fmt_int(line.units.target, lang),
                    )
                )
            else:
                tags.append(t("rep_tag_line", name=name, units=fmt_int(line.units.actual, lang)))
        parts.append("\n".join([t("rep_tags_heading"), *tags]))
    if clubs:
        ranked = sorted(clubs, key=lambda c: (-c.members, -c.donations, c.name))
        shown_clubs = [
            t(
                "rep_club_line",
                name=c.name,
                members=fmt_int(c.members, lang),
                donations=fmt_int(c.donations, lang),
                reserve=fmt_int(c.reserve, lang),
            )
            for c in ranked[: max_lines or None]
        ]
        if max_lines is not None and len(ranked) > max_lines:
            shown_clubs.append(t("rep_more_lines", count=fmt_int(len(ranked) - max_lines, lang)))
        parts.append("\n".join([t("rep_clubs_heading"), *shown_clubs]))
    if recognition is not None:
        honoured = [
            t(
                "rep_honours",
                threshold=fmt_int(recognition.threshold, lang),
                count=fmt_int(len(recognition.honours), lang),
            )
        ]
        if recognition.milestones:
            counts: dict[int, int] = {}
            for row in recognition.milestones:
                counts[row.milestone] = counts.get(row.milestone, 0) + 1
            items = ", ".join(
                t("rep_milestone_item", milestone=milestone, count=fmt_int(count, lang))
                for milestone, count in sorted(counts.items())
            )
            honoured.append(t("rep_milestones", items=items))
        parts.append("\n".join(honoured))
    return "\n\n".join(parts)


def _has_anything(figures: Figures) -> bool:
    return bool(
        figures.units.actual
        or figures.funnel.registered
        or figures.reserve.actual
        or figures.units.target
        or figures.wards
        or figures.organisations
    )


def _daily(progress: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    """Units per day from the cumulative series (the chart adds them up itself)."""
    out: list[tuple[date, int]] = []
    before = 0
    for day, total in progress:
        out.append((day, total - before))
        before = total
    return out


def progress_chart(figures: Figures, t: Translator) -> bytes:
    return charts.progress_chart(
        charts.Progress(
            text=charts.ChartText(
                title=t("rep_chart_progress"),
                no_data=t("rep_chart_no_data"),
                x_label=t("rep_chart_day"),
                y_label=t("rep_chart_units"),
            ),
            daily=_daily(figures.progress),
            target=figures.units.target,
            actual_label=t("rep_chart_units"),
            target_label=t("rep_chart_target"),
        ),
        t.lang,
    )


CHART_ROWS = 25
"""Bars on a ward or organisation chart: those with a quota first, then the most units (a district's wards
fit; a province's 200 organisations would take 2 s to draw and be unreadable; the sheet lists them all)."""


def quota_chart(lines: Sequence[QuotaLine], t: Translator, *, title_key: str) -> bytes:
    lines = lines[:CHART_ROWS]
    return charts.quota_chart(
        charts.Quotas(
            text=charts.ChartText(
                title=t(title_key), no_data=t("rep_chart_no_data"), x_label=t("rep_chart_units")
            ),
            rows=[(line.name, line.units.actual, line.units.target) for line in lines],
            actual_label=t("rep_chart_units"),
            quota_label=t("rep_chart_quota"),
        ),
        t.lang,
    )


def reserve_chart(figures: Figures, t: Translator) -> bytes:
    return charts.reserve_chart(
        charts.Reserve(
            text=charts.ChartText(
                title=t("rep_chart_reserve"), no_data=t("rep_chart_no_data"), y_label=t("rep_chart_donors")
            ),
            rows=[
                (group if group != "?" else t("rep_group_unknown"), count, None)
                for group, count in figures.reserve_by_group
            ],
            reserve_label=t("rep_chart_reserve_label"),
            ready_label=t("rep_chart_ready_label"),
        ),
        t.lang,
    )


def repeat_chart(figures: Figures, t: Translator) -> bytes:
    return charts.repeat_share_chart(
        charts.RepeatShare(
            text=charts.ChartText(
                title=t("rep_chart_repeat"), no_data=t("rep_chart_no_data"), x_label=t("rep_chart_year")
            ),
            rows=[(year, share.value) for year, share in figures.repeat_by_year if share.value is not None],
            target=figures.donors.repeat_share.target,
            share_label=t("rep_chart_share"),
            target_label=t("rep_chart_target"),
        ),
        t.lang,
    )


def _ward_chart(figures: Figures, t: Translator) -> bytes:
    return quota_chart(figures.wards, t, title_key="rep_chart_quota_wards")


def _organisation_chart(figures: Figures, t: Translator) -> bytes:
    return quota_chart(figures.organisations, t, title_key="rep_chart_quota_organisations")


# Every chart by name, in the report's order: the CLI writes `{name}.png`, the workbook embeds them, the web
# page shows them (`/campaign/{id}/chart/{name}.png`).
CHARTS: dict[str, Callable[[Figures, Translator], bytes]] = {
    "progress": progress_chart,
    "wards": _ward_chart,
    "organisations": _organisation_chart,
    "reserve": reserve_chart,
    "repeat": repeat_chart,
}


def all_charts(figures: Figures, t: Translator) -> list[tuple[str, bytes]]:
    """(file name, PNG) of every chart in order: the CLI writes them, the workbook embeds them."""
    return [(f"{name}.png", draw(figures, t)) for name, draw in CHARTS.items()]


def _quota_table(lines: Sequence[QuotaLine], t: Translator, *, title_key: str, staff: bool) -> Table:
    columns = [
        Column(t("rep_col_name")),
        Column(t("rep_col_units"), Format.INT),
        Column(t("rep_col_quota"), Format.INT),
        Column(t("rep_col_percent"), Format.PERCENT),
        Column(t("rep_col_difference"), Format.INT),
        Column(t("rep_col_donors"), Format.INT),
    ]
    if staff:
        columns += [
            Column(t("rep_col_headcount"), Format.INT),
            Column(t("rep_col_staff_share"), Format.PERCENT),
        ]
    rows: list[list[CellValue]] = []
    for line in lines:
        percent = line.units.percent
        row: list[CellValue] = [
            line.name,
            line.units.actual,
            line.units.target,
            None if percent is None else percent / 100,
            line.units.difference,
            line.donors,
        ]
        if staff:
            share = line.staff_share
            row += [line.headcount, None if share is None else share.value]
        rows.append(row)
    return Table(title=t(title_key), columns=columns, rows=rows, heading=t(title_key))


def _clubs_table(clubs: Sequence[ClubLine], t: Translator) -> Table:
    """The "Clubs" sheet: each club's members, the year's donations, reserve members, and by group."""
    groups = [g for g in (*GROUPS, "?") if any(dict(c.reserve_by_group).get(g) for c in clubs)]
    columns = [
        Column(t("rep_col_club")),
        Column(t("rep_col_club_key")),
        Column(t("rep_col_kind")),
        Column(t("rep_col_ward")),
        Column(t("rep_col_members"), Format.INT),
        Column(t("rep_col_donations_year"), Format.INT),
        Column(t("rep_col_reserve_members"), Format.INT),
        *(Column(g if g != "?" else t("rep_group_unknown"), Format.INT) for g in groups),
    ]
    rows: list[list[CellValue]] = [
        [
            c.name,
            c.key,
            t(f"club_kind_{c.kind}"),
            c.ward,
            c.members,
            c.donations,
            c.reserve,
            *(dict(c.reserve_by_group).get(g, 0) for g in groups),
        ]
        for c in clubs
    ]
    return Table(title=t("rep_sheet_clubs"), columns=columns, rows=rows)


def workbook(
    figures: Figures,
    t: Translator,
    *,
    heading: str,
    recognition: Recognition | None = None,
    chart_pngs: Sequence[tuple[str, bytes]] | None = None,
    clubs: Sequence[ClubLine] = (),
) -> Workbook:
    """The year-end workbook: summary (the paragraph and the key figures), wards, organisations, named
    campaigns, reserve pool, honour list, milestones, charts."""
    units, mix, volumes = figures.units, figures.donors, figures.volumes
    facts = [
        Fact(t("rep_fact_units"), units.actual, Format.INT),
        Fact(t("rep_fact_target"), units.target, Format.INT),
        Fact(t("rep_fact_percent"), None if units.percent is None else units.percent / 100, Format.PERCENT),
        Fact(t("rep_fact_registered"), figures.funnel.registered, Format.INT),
        Fact(t("rep_fact_checked_in"), figures.funnel.checked_in, Format.INT),
        Fact(t("rep_fact_donated"), figures.funnel.donated, Format.INT),
        Fact(t("rep_fact_deferred"), figures.funnel.deferred, Format.INT),
        Fact(t("rep_fact_first"), mix.first_time, Format.INT),
        Fact(t("rep_fact_repeat"), mix.repeat, Format.INT),
        Fact(t("rep_fact_repeat_share"), mix.repeat_share.value, Format.PERCENT),
        Fact(t("rep_fact_350"), volumes.share_350_plus.value, Format.PERCENT),
        Fact(t("rep_fact_reserve"), figures.reserve.actual, Format.INT),
        Fact(t("rep_fact_ready"), figures.emergency_ready.actual, Format.INT),
    ]
    if figures.population_share is not None:
        facts.append(Fact(t("rep_fact_population"), figures.population_share, Format.PERCENT))
    pngs = list(chart_pngs) if chart_pngs is not None else all_charts(figures, t)
    summary = Summary(
        title=t("rep_sheet_summary"),
        heading=heading,
        paragraph=t("rep_as_of", date=t.date(figures.today)) + "\n" + paragraph(figures, t),
        facts=facts,
    )
    sheets: list[Table | Pictures] = [
        _quota_table(figures.wards, t, title_key="rep_sheet_wards", staff=False),
        _quota_table(figures.organisations, t, title_key="rep_sheet_organisations", staff=True),
    ]
    if figures.by_tag:
        sheets.append(
            Table(
                title=t("rep_sheet_tags"),
                columns=[
                    Column(t("rep_col_tag")),
                    Column(t("rep_col_campaigns"), Format.INT),
                    Column(t("rep_col_units"), Format.INT),
                    Column(t("rep_col_quota"), Format.INT),
                    Column(t("rep_col_percent"), Format.PERCENT),
                ],
                rows=[
                    [
                        TAG_NAMES[line.tag],
                        line.campaigns,
                        line.units.actual,
                        line.units.target,
                        None if line.units.percent is None else line.units.percent / 100,
                    ]
                    for line in figures.by_tag
                ],
            )
        )
    sheets.append(
        Table(
            title=t("rep_sheet_reserve"),
            columns=[Column(t("rep_col_group")), Column(t("rep_col_reserve"), Format.INT)],
            rows=[
                [group if group != "?" else t("rep_group_unknown"), count]
                for group, count in figures.reserve_by_group
            ],
        )
    )
    if clubs:
        sheets.append(_clubs_table(clubs, t))
    if recognition is not None:
        sheets.append(
            Table(
                title=t("rep_sheet_honours"),
                heading=t(
                    "rep_honours",
                    threshold=fmt_int(recognition.threshold, t.lang),
                    count=fmt_int(len(recognition.honours), t.lang),
                ),
                columns=[
                    Column(t("rep_col_name")),
                    Column(t("rep_col_ward")),
                    Column(t("rep_col_count"), Format.INT),
                ],
                rows=[[row.name, row.ward, row.count] for row in recognition.honours],
            )
        )
        sheets.append(
            Table(
                title=t("rep_sheet_milestones"),
                columns=[
                    Column(t("rep_col_name")),
                    Column(t("rep_col_ward")),
                    Column(t("rep_col_milestone"), Format.INT),
                    Column(t("rep_col_count"), Format.INT),
                ],
                rows=[[row.name, row.ward, row.milestone, row.count] for row in recognition.milestones],
            )
        )
    sheets.append(Pictures(title=t("rep_sheet_charts"), pictures=[Picture(png) for _, png in pngs]))
    return Workbook(summary=summary, sheets=sheets, lang=t.lang)
