"""The report charts as PNG bytes: progress to target, units against quota, reserve pool, repeat share.

Headless and safe in the async server:
- no pyplot and no `matplotlib.use()`: each chart is its own `Figure` drawn by an Agg canvas created for it,
  so no global backend or figure registry is touched and nothing ever tries to open a window;
- matplotlib documents that it is not thread-safe (artists share caches), so renders are serialised by one
  lock; the server runs a render in a worker thread (`asyncio.to_thread`), one at a time (a chart takes
  about a tenth of a second);
- fonts are named on every text rather than through `rcParams` (global): DejaVu Sans ships with matplotlib
  and has every Vietnamese letter ("Phường Đông Vệ", "Tỷ lệ hiến máu nhắc lại").
Every text (title, axis labels, legend, "no data") is passed in by the caller, from the catalogs; numbers on
the chart are formatted for the caller's language (`services.reports.numbers`). The size is fixed
(1200×700 px by default) and the PNG carries no software version or date, so the same data gives the same
bytes on one installation. Empty data draws the caller's "no data" text instead of failing.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import TYPE_CHECKING, Literal

from babel.dates import format_date

from services.reports.numbers import fmt_int, fmt_percent

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn: it costs every process ~0.6 s at start
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis

FONT = "DejaVu Sans"
WIDTH_PX = 1200
HEIGHT_PX = 700
DPI = 100

# Colours that stay apart in greyscale print as well as on screen.
_BAR = "#c62828"  # blood red: units, donors
_SECOND = "#ef9a9a"
_TARGET = "#1a237e"  # dark blue: targets and quotas
_GRID = "#dddddd"

_render_lock = threading.Lock()


@dataclass(frozen=True)
class ChartText:
    """The words on a chart, from the catalogs (None: no such label)."""

    title: str
    no_data: str
    x_label: str | None = None
    y_label: str | None = None


@dataclass(frozen=True)
class Progress:
    """Units collected over a campaign against its target.

    `daily` is (day, units that day), in any order; the chart draws the running total (cumulation is
    presentation, the figures give units per day). `target` None: no target line.
    """

    text: ChartText
    daily: Sequence[tuple[date, int]]
    target: int | None
    actual_label: str
    target_label: str


@dataclass(frozen=True)
class Quotas:
    """Units per ward or organisation as bars, each against its quota (a marker; None: no quota)."""

    text: ChartText
    rows: Sequence[tuple[str, int, int | None]]
    actual_label: str
    quota_label: str


@dataclass(frozen=True)
class Reserve:
    """The reserve pool by blood group: (group, reserve donors, of whom ready for emergencies or None)."""

    text: ChartText
    rows: Sequence[tuple[str, int, int | None]]
    reserve_label: str
    ready_label: str


@dataclass(frozen=True)
class RepeatShare:
    """The repeat donors' share by year (0.6 = 60 %), against the target share if any."""

    text: ChartText
    rows: Sequence[tuple[int, float]]
    target: float | None
    share_label: str
    target_label: str


def progress_chart(spec: Progress, lang: str) -> bytes:
    """Cumulative units by date and the target as a horizontal line."""
    days = sorted(spec.daily)

    def draw(ax: Axes) -> None:
        xs = [day.toordinal() for day, _ in days]  # whole days: no matplotlib date epoch
        totals = list(accumulate(units for _, units in days))
        ax.plot(xs, totals, color=_BAR, linewidth=2.5, marker="o", label=spec.actual_label)
        ax.fill_between(xs, totals, color=_BAR, alpha=0.12)
        if spec.target is not None:
            ax.axhline(spec.target, color=_TARGET, linestyle="--", linewidth=2, label=spec.target_label)
        ax.annotate(
            fmt_int(totals[-1], lang),
            (xs[-1], totals[-1]),
            xytext=(6, 6),
            textcoords="offset points",
            fontfamily=FONT,
            fontsize=13,
            fontweight="bold",
            color=_BAR,
        )
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True, min_n_ticks=1))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: _short_date(x, lang)))
        _counts(ax.yaxis, lang)
        ax.set_ylim(bottom=0, top=max(totals[-1], spec.target or 0) * 1.12 or 1)
        if len(xs) == 1:
            ax.set_xlim(xs[0] - 1, xs[0] + 1)
        _legend(ax)

    return _render(spec.text, bool(days), draw)


def quota_chart(spec: Quotas, lang: str) -> bytes:
    """Horizontal bars (names of wards are long) in the caller's order, top first, quota as a marker."""
    rows = list(spec.rows)

    def draw(ax: Axes) -> None:
        ys = list(range(len(rows)))
        size = _row_font_size(len(rows))
        ax.barh(ys, [units for _, units, _ in rows], color=_BAR, height=0.6, label=spec.actual_label)
        quota_rows = [(y, quota) for y, (_, _, quota) in zip(ys, rows, strict=True) if quota is not None]
        if quota_rows:
            ax.scatter(
                [quota for _, quota in quota_rows],
                [y for y, _ in quota_rows],
                marker="|",
                s=_marker_area(len(rows)),
                linewidths=3,
                color=_TARGET,
                zorder=3,
                label=spec.quota_label,
            )
        for y, (_, units, _) in zip(ys, rows, strict=True):
            ax.annotate(
                fmt_int(units, lang),
                (units, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontfamily=FONT,
                fontsize=size,
            )
        ax.set_yticks(ys, [name for name, _, _ in rows], fontfamily=FONT, fontsize=size)
        ax.invert_yaxis()
        _counts(ax.xaxis, lang)
        top = max(max(units, quota or 0) for _, units, quota in rows)
        ax.set_xlim(left=0, right=top * 1.12 or 1)
        _legend(ax)

    return _render(spec.text, bool(rows), draw, grid_axis="x")


def reserve_chart(spec: Reserve, lang: str) -> bytes:
    """Bars per blood group: the reserve pool, and beside it those ready for emergencies."""
    rows = list(spec.rows)
    has_ready = any(ready is not None for _, _, ready in rows)

    def draw(ax: Axes) -> None:
        xs = list(range(len(rows)))
        width = 0.4 if has_ready else 0.6
        shift = width / 2 if has_ready else 0.0
        reserve = ax.bar(
            [x - shift for x in xs], [n for _, n, _ in rows], width, color=_BAR, label=spec.reserve_label
        )
        ax.bar_label(reserve, labels=[fmt_int(n, lang) for _, n, _ in rows], fontfamily=FONT, fontsize=11)
        if has_ready:
            ready_counts = [ready or 0 for _, _, ready in rows]
            ready = ax.bar(
                [x + shift for x in xs], ready_counts, width, color=_SECOND, label=spec.ready_label
            )
            ax.bar_label(ready, labels=[fmt_int(n, lang) for n in ready_counts], fontfamily=FONT, fontsize=11)
        ax.set_xticks(xs, [group for group, _, _ in rows], fontfamily=FONT, fontsize=13)
        _counts(ax.yaxis, lang)
        ax.set_ylim(bottom=0, top=max(n for _, n, _ in rows) * 1.12 or 1)
        _legend(ax)

    return _render(spec.text, bool(rows), draw)


def repeat_share_chart(spec: RepeatShare, lang: str) -> bytes:
    """Bars of the repeat share per year, labelled in percent, and the target share as a line."""
    rows = sorted(spec.rows)

    def draw(ax: Axes) -> None:
        xs = list(range(len(rows)))
        bars = ax.bar(xs, [share for _, share in rows], 0.6, color=_BAR, label=spec.share_label)
        ax.bar_label(
            bars, labels=[fmt_percent(share, lang) for _, share in rows], fontfamily=FONT, fontsize=12
        )
        if spec.target is not None:
            ax.axhline(spec.target, color=_TARGET, linestyle="--", linewidth=2, label=spec.target_label)
        ax.set_xticks(xs, [str(year) for year, _ in rows], fontfamily=FONT, fontsize=13)
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(
            FuncFormatter(lambda y, _pos: fmt_percent(y, lang, 0, rounding="half_up"))
        )
        top = max(max(share for _, share in rows), spec.target or 0)
        ax.set_ylim(bottom=0, top=max(top * 1.15, 0.1))
        _legend(ax)

    return _render(spec.text, bool(rows), draw)


def _render(
    text: ChartText, has_data: bool, draw: Callable[[Axes], None], grid_axis: Literal["x", "y"] = "y"
) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _render_lock:
        figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)  # the figure's own canvas: Agg, whatever the process's backend
        ax = figure.add_subplot()
        ax.set_title(text.title, fontfamily=FONT, fontsize=18, fontweight="bold", pad=14)
        if has_data:
            ax.tick_params(labelsize=12)  # before draw(): a chart may set its own (many wards: smaller)
            draw(ax)
            if text.x_label:
                ax.set_xlabel(text.x_label, fontfamily=FONT, fontsize=13)
            if text.y_label:
                ax.set_ylabel(text.y_label, fontfamily=FONT, fontsize=13)
            ax.grid(axis=grid_axis, color=_GRID)
            ax.set_axisbelow(True)
            for label in (*ax.get_xticklabels(), *ax.get_yticklabels()):
                label.set_fontfamily(FONT)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        else:
            ax.set_axis_off()
            ax.text(
                0.5,
                0.5,
                text.no_data,
                ha="center",
                va="center",
                fontfamily=FONT,
                fontsize=20,
                color="#666666",
            )
        out = io.BytesIO()
        # No "Software" (matplotlib's version) in the PNG: the same data gives the same bytes.
        figure.savefig(out, format="png", metadata={"Software": None})
        return out.getvalue()


def _legend(ax: Axes) -> None:
    ax.legend(prop={"family": FONT, "size": 12}, loc="best", frameon=False)


def _counts(axis: Axis, lang: str) -> None:
    """A count axis: whole numbers only (no "0,5 người"), with the language's thousands separator."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: fmt_int(round(value), lang)))


def _short_date(value: float, lang: str) -> str:
    day = date.fromordinal(round(value))
    return str(format_date(day, format="dd/MM" if lang == "vi" else "d MMM", locale=lang))


def _marker_area(rows: int) -> float:
    """A quota marker three quarters of a row's pitch tall (the plot is about 430 pt high)."""
    return (0.75 * 430 / max(rows, 1)) ** 2 if rows > 10 else 900.0


def _row_font_size(rows: int) -> float:
    """Labels shrink with the number of wards so that 40 still fit in 700 px."""
    return 12.0 if rows <= 15 else max(7.0, 12.0 - (rows - 15) * 0.2)
