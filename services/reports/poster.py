"""A printable A4 poster for one drive day (/apphich, `donorbot poster`): PNG or PDF.

What it says is worked out first, as plain strings (`PosterText.lines()`: the heading, the campaign's name
and slogan, the date with its weekday, the hours, the place and address, who it is for, the codes to type
and the hotline), so a test reads what the renderer draws. The QR code holds the deep link that books
this day (`t.me/<bot>?start=drive_12`, else the Zalo bot's link); its modules come from `qrcode`'s matrix
(`qr_matrix`) and are drawn as an image with one block per module, so the printed code is that matrix.

Rendered as charts are (`services.reports.charts`): a `Figure` with its own Agg (PNG) or PDF canvas, never
pyplot, under the one render lock; DejaVu Sans (shipped with matplotlib) is named on every text and has
every Vietnamese letter. A4 portrait: 210 × 297 mm; the PNG at 150 dpi (1240 × 1754 px). No software
version or date is written into either file, so the same poster gives the same bytes.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

import qrcode
import qrcode.constants
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import Translator
from domain import start_codes
from domain.organisations import OPEN
from domain.slots import has_ended
from models import audit, drive_days
from models.drive_days import DriveDayView
from services.reports.charts import FONT, _render_lock  # one lock for every matplotlib render

Format = Literal["png", "pdf"]
FORMATS: tuple[Format, ...] = ("png", "pdf")
MIME = {"png": "image/png", "pdf": "application/pdf"}
A4_INCHES = (210 / 25.4, 297 / 25.4)
PNG_DPI = 150
# The QR code's square, in figure fractions (left, bottom, width); its height follows from A4's sides.
QR_LEFT, QR_BOTTOM, QR_WIDTH = 0.31, 0.175, 0.38
QR_HEIGHT = QR_WIDTH * A4_INCHES[0] / A4_INCHES[1]
_RED = "#c62828"
_INK = "#212121"


@dataclass(frozen=True)
class PosterText:
    """Every string on the poster, from the catalogs, in the order drawn (None: not on this poster)."""

    heading: str
    campaign: str
    slogan: str | None
    day: str  # "Chủ Nhật, 14/12/2026"
    hours: str
    place: str
    address: str | None
    audience: str | None
    scan: str | None  # above the QR code; None without one
    codes: Sequence[str]  # "Hoặc nhắn «DK 12» cho @bot", the Zalo line, …
    hotline: str

    def lines(self) -> list[str]:
        """What the renderer draws, in order."""
        found = [
            self.heading,
            self.campaign,
            self.slogan,
            self.day,
            self.hours,
            self.place,
            self.address,
            self.audience,
            self.scan,
            *self.codes,
            self.hotline,
        ]
        return [line for line in found if line]


@dataclass(frozen=True)
class Poster:
    text: PosterText
    qr_payload: str | None  # the deep link in the QR code; None: no QR (the code is printed large)
    code: str  # "DK 12"


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR code's modules (True: dark), with its 4-module quiet zone, as `qrcode` builds it."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def qr_box_px(width_px: int, height_px: int) -> tuple[float, float, float, float]:
    """Where the QR code's square is on a PNG of that size: (left, top, right, bottom) in pixels."""
    left = QR_LEFT * width_px
    right = (QR_LEFT + QR_WIDTH) * width_px
    top = (1 - QR_BOTTOM - QR_HEIGHT) * height_px
    bottom = (1 - QR_BOTTOM) * height_px
    return left, top, right, bottom


def _wrap(text: str, width: int, lines: int = 2) -> str:
    wrapped = textwrap.wrap(text, width=width) or [text]
    if len(wrapped) > lines:
        wrapped = [
            *wrapped[: lines - 1],
            textwrap.shorten(" ".join(wrapped[lines - 1 :]), width, placeholder="…"),
        ]
    return "\n".join(wrapped)


def render(poster: Poster, fmt: Format) -> bytes:
    """The poster as PNG or PDF bytes (one A4 page)."""
    if fmt not in FORMATS:
        raise ValueError(f"format: {fmt!r} is not one of {FORMATS}")
    # imported here, as in the charts: matplotlib would cost every process ~0.6 s at start
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    t = poster.text
    with _render_lock:
        figure = Figure(figsize=A4_INCHES, dpi=PNG_DPI)
        canvas = FigureCanvasAgg(figure) if fmt == "png" else FigureCanvasPdf(figure)

        def write(y: float, text: str | None, size: float, **style: object) -> None:
            if text:
                figure.text(0.5, y, text, ha="center", va="center", fontfamily=FONT, fontsize=size, **style)  # type: ignore[arg-type]

        figure.patches.append(
            Rectangle((0, 0.895), 1, 0.105, transform=figure.transFigure, color=_RED, zorder=0)
        )
        write(0.9475, t.heading, 32, color="white", fontweight="bold")
        write(0.84, _wrap(t.campaign, 34), 22, color=_INK, fontweight="bold")
        write(0.775, _wrap(t.slogan, 48) if t.slogan else None, 15, color=_INK, style="italic")
        write(0.71, t.day, 30, color=_RED, fontweight="bold")
        write(0.662, t.hours, 24, color=_INK, fontweight="bold")
        write(0.612, _wrap(t.place, 44), 17, color=_INK, fontweight="bold")
        write(0.566, _wrap(t.address, 64) if t.address else None, 12, color=_INK)
        write(0.535, t.audience, 12, color=_INK)
        write(0.475, t.scan, 15, color=_INK)
        if poster.qr_payload is not None:
            matrix = qr_matrix(poster.qr_payload)
            ax = figure.add_axes((QR_LEFT, QR_BOTTOM, QR_WIDTH, QR_HEIGHT))
            ax.set_axis_off()
            pixels = [[0.0 if dark else 1.0 for dark in row] for row in matrix]
            ax.imshow(pixels, cmap="gray", vmin=0, vmax=1, interpolation="nearest", aspect="auto")
            ax.set_xlim(-0.5, len(matrix) - 0.5)
            ax.set_ylim(len(matrix) - 0.5, -0.5)
        else:
            write(QR_BOTTOM + QR_HEIGHT / 2, poster.code, 60, color=_RED, fontweight="bold")
        for number, line in enumerate(t.codes):
            write(
                0.145 - number * 0.03,
                line,
                15 if number == 0 else 12,
                color=_INK,
                fontweight="bold" if number == 0 else "normal",
            )
        figure.patches.append(Rectangle((0, 0), 1, 0.05, transform=figure.transFigure, color=_RED, zorder=0))
        write(0.025, t.hotline, 13, color="white", fontweight="bold")
        out = io.BytesIO()
        if fmt == "png":
            figure.savefig(out, format="png", dpi=PNG_DPI, metadata={"Software": None})
        else:
            figure.savefig(
                out, format="pdf", metadata={"Creator": None, "Producer": None, "CreationDate": None}
            )
        del canvas
        return out.getvalue()


def poster_text(
    view: DriveDayView,
    t: Translator,
    *,
    slogan: str | None,
    bot_username: str | None,
    zalo_link: str | None,
    hotline: str,
) -> Poster:
    """The poster of a drive day in `t`'s language: its strings, the QR's link and the code to type."""
    payload = f"drive_{view.id}"
    code = start_codes.code_for(payload) or payload
    telegram = f"https://t.me/{bot_username}?start={payload}" if bot_username else None
    codes: list[str] = []
    if bot_username:
        codes.append(t("poster_type_telegram", code=code, bot=bot_username))
    if zalo_link:
        codes.append(t("poster_type_zalo", code=code, link=zalo_link))
    if not codes:
        codes.append(t("poster_type_any", code=code))
    qr = telegram or zalo_link
    audience = (
        t("poster_audience", audience=t(f"drive_audience_{view.audience}")) if view.audience != OPEN else None
    )
    text = PosterText(
        heading=t("poster_heading"),
        campaign=view.campaign_name,
        slogan=slogan,
        day=t.day(view.day),
        hours=t("poster_hours", start=f"{view.start_time:%H:%M}", end=f"{view.end_time:%H:%M}"),
        place=view.place_name,
        address=view.address,
        audience=audience,
        scan=t("poster_scan") if qr else None,
        codes=tuple(codes),
        hotline=t("poster_hotline", hotline=hotline),
    )
    return Poster(text=text, qr_payload=qr, code=code)


async def load(
    session: AsyncSession,
    drive_day_id: int,
    t: Translator,
    *,
    bot_username: str | None,
    zalo_link: str | None,
    hotline: str,
    now: datetime,
    tz: ZoneInfo,
    over_ok: bool = False,
) -> tuple[Poster, DriveDayView] | None:
    """The poster of a drive day that is not cancelled (and, unless `over_ok`, not over), or None."""
    view = await drive_days.drive_day_view(session, drive_day_id)
    if view is None or view.status != "scheduled":
        return None
    if not over_ok and has_ended(view.day, view.end_time, now=now, tz=tz):
        return None
    campaign = await drive_days.campaign_by_id(session, view.campaign_id)
    slogan = campaign.slogan if campaign is not None else None
    poster = poster_text(
        view, t, slogan=slogan, bot_username=bot_username, zalo_link=zalo_link, hotline=hotline
    )
    return poster, view


def filename(view: DriveDayView, fmt: Format) -> str:
    """ "ap-phich-buoi-12-2026-12-14.pdf" (ASCII, as the roster's file)."""
    return f"ap-phich-buoi-{view.id}-{view.day.isoformat()}.{fmt}"


async def record(
    session: AsyncSession, view: DriveDayView, *, actor: str, output: str, now: datetime
) -> None:
    """The poster given out, in the audit log: which day, which form (nothing personal is on it)."""
    await audit.record(
        session,
        actor=actor,
        action="poster.make",
        target=f"session:{view.id}",
        details={"format": output},
        now=now,
    )
