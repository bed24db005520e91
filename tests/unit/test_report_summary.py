"""The report in words from figures built by hand: the committee's sentences, the above/met/below forms,
the chat's cut lists, English."""

from __future__ import annotations

from datetime import date

from core.i18n import Catalogs
from domain.figures import Counts, Figures, Funnel, QuotaPlan, Scope, Targets, assemble
from services.reports import summary

CATALOGS = Catalogs()
TODAY = date(2021, 12, 31)


def thanh_hoa(units: int, *, wards: int = 1, target: int | None = 1010) -> Figures:
    """Thanh Hóa city 2021 as its report has it: 1,440 units against 1,010 (or `units`), one ward per
    ten units in `wards` wards."""
    per_ward = units // wards
    donors_by = {(2021, f"Phường {n}", None, n % 2 == 0): (per_ward, per_ward) for n in range(1, wards + 1)}
    counts = Counts(
        funnel=Funnel(registered=1600, checked_in=1500, donated=units, deferred=60),
        deferrals={"Huyết sắc tố thấp": 40, "": 20},
        units_by_day_volume={(date(2021, 6, 14), 350): units},
        donors_by=donors_by,
        reserve_by_group={},
        emergency_ready=0,
        units_by_campaign={},
        campaign_tags={},
        campaign_targets={},
    )
    return assemble(
        counts,
        scope=Scope.area(),
        year=2021,
        campaign_ids=(),
        today=TODAY,
        targets=Targets(units=target),
        quotas=[QuotaPlan("ward", "Phường 1", 10, None)],
        population=None,
    )


def test_above_target_reads_like_the_report() -> None:
    said = summary.paragraph(thanh_hoa(1440), CATALOGS.get("vi"))
    # 1440 / 1010 = 142,57… %: cut to 142,5 %; 430 above
    assert "Thu về 1.440 đơn vị máu, đạt 142,5 % chỉ tiêu (1.010), vượt 430 đơn vị." in said
    assert "1.600 lượt đăng ký, 1.500 lượt đến điểm hiến, 1.440 lượt hiến được, 60 lượt tạm hoãn." in said
    assert "Tạm hoãn theo lý do: Huyết sắc tố thấp 40, không ghi lý do 20." in said
    assert "Chưa có người hiến máu dự bị." in said


def test_met_below_and_no_target() -> None:
    t = CATALOGS.get("vi")
    assert "Thu về 1.010 đơn vị máu, đạt 100 % chỉ tiêu (1.010)." in summary.paragraph(thanh_hoa(1010), t)
    # U Minh Thượng 2020: 495 units, 71 % of the target (697): 71,01… cut to 71 %, 202 short
    below = summary.paragraph(thanh_hoa(495, target=697), t)
    assert "Thu về 495 đơn vị máu, đạt 71 % chỉ tiêu (697), còn thiếu 202 đơn vị." in below
    assert "Thu về 495 đơn vị máu (chưa đặt chỉ tiêu)." in summary.paragraph(thanh_hoa(495, target=None), t)


def test_the_chat_cuts_long_lists_and_says_how_many_more() -> None:
    t = CATALOGS.get("vi")
    figures = thanh_hoa(120, wards=12)
    text = summary.text(figures, t, heading="H", max_lines=8)
    assert "• Phường 1: 10/10 đơn vị (100 %)" in text
    assert text.count("\n• Phường ") == 8
    assert "… và 4 nơi khác (xem tệp Excel)" in text
    assert "nơi khác" not in summary.text(figures, t, heading="H")  # the CLI's text lists them all


def test_english() -> None:
    said = summary.paragraph(thanh_hoa(1440), CATALOGS.get("en"))
    assert "1,440 units collected: 142.5% of the target (1,010), 430 above it." in said
