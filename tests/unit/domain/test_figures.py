"""The figures' arithmetic, checked against the numbers of real district reports worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from domain.figures import (
    Counts,
    Figures,
    Funnel,
    QuotaLine,
    QuotaPlan,
    Scope,
    ScopeKind,
    Share,
    Tag,
    Target,
    Targets,
    assemble,
    cumulative,
    parse_tags,
)


def test_percent_of_target_and_above_or_below() -> None:
    # Thanh Hóa city 2021: 1,440 units, 142.5 % of the target -> a target of 1,010 gives 142.57 %, 430 above
    thanh_hoa = Target(1440, 1010)
    assert thanh_hoa.percent == pytest.approx(142.574, abs=1e-3)
    assert (thanh_hoa.difference, thanh_hoa.met) == (430, True)
    # Kinh Môn 2019: 1,553 units, "903 above target" -> a target of 650
    assert Target(1553, 650).difference == 903
    # U Minh Thượng 2020: 495 units, 71 % -> a target of 700 gives 70.71 %, 205 below
    u_minh = Target(495, 700)
    assert u_minh.percent == pytest.approx(70.714, abs=1e-3)
    assert (u_minh.difference, u_minh.met) == (-205, False)
    assert (Target(12).percent, Target(12).difference, Target(12).met) == (None, None, None)
    assert Target(0, 0).percent is None  # a target of nothing has no percentage


def test_shares() -> None:
    assert Share(600, 1000, 0.6).value == pytest.approx(0.6)
    assert Share(600, 1000, 0.6).met is True
    assert Share(599, 1000, 0.6).met is False
    assert Share(0, 0, 0.6).value is None and Share(0, 0, 0.6).met is None
    assert QuotaLine(
        "organisation", "Sở Y tế", Target(30, 25), donors=21, headcount=100
    ).staff_share == Share(21, 100)


def test_population_share() -> None:
    # the 2025 plan: 11,100 units ≈ 1.73 % of the population: with 641,600 inhabitants, 1.730 %
    counts = _counts(units={(date(2025, 4, 7), 350): 11_100})
    got = _assemble(counts, 2025, population=641_600)
    assert got.population_share == pytest.approx(0.017300, abs=1e-6)
    ward = _assemble(counts, 2025, population=641_600, scope=Scope.ward("Tam Lưu"))
    assert ward.population_share is None and ward.population is None


def test_cumulative_progress() -> None:
    assert cumulative({date(2026, 3, 8): 2, date(2026, 3, 1): 5, date(2026, 7, 5): 1}) == (
        (date(2026, 3, 1), 5),
        (date(2026, 3, 8), 7),
        (date(2026, 7, 5), 8),
    )
    assert cumulative({}) == ()


def test_scopes_read_and_written() -> None:
    assert Scope.parse(None) == Scope.parse("area") == Scope.parse(" ") == Scope.area()
    ward = Scope.parse("ward: Tam  Lưu ")
    assert (ward.kind, ward.name, ward.text) == (ScopeKind.WARD, "Tam Lưu", "ward:Tam Lưu")
    assert Scope.parse("organisation:Trường THPT Kinh Môn").text == "organisation:Trường THPT Kinh Môn"
    for wrong in ("district", "ward:", "ward", "province:Hải Dương"):
        with pytest.raises(ValueError, match="a scope is"):
            Scope.parse(wrong)
    assert ward.covers(ward="tam luu", organisation=None)
    assert not ward.covers(ward="Nhị Chiểu", organisation=None)
    assert not ward.covers(ward=None, organisation=None)
    assert Scope.area().covers(ward=None, organisation=None)


def test_tags() -> None:
    assert parse_tags(["7-4", " Chu-Nhat-Do", "7-4"]) == (Tag.APRIL_7, Tag.CHU_NHAT_DO)
    with pytest.raises(ValueError, match="'tet' is not a campaign tag"):
        parse_tags(["tet"])


def test_quota_lines_follow_the_quotas_then_the_most_units() -> None:
    # Tam Lưu: 3 donors gave 4 units against 5; Nhị Chiểu (no quota) 1 donor 1 unit; Bắc An Phụ 0 of 2;
    # "Truong THPT" typed without diacritics by one donor counts with the school's quota
    counts = _counts(
        donors={
            (2026, "Tam Lưu", "Trường THPT Kinh Môn", True): (2, 3),
            (2026, "Tam Lưu", "Truong THPT Kinh Mon", False): (1, 1),
            (2026, "Nhị Chiểu", None, False): (1, 1),
            (2025, "Nhị Chiểu", None, False): (7, 9),  # another year: not in 2026's lines
        }
    )
    plans = [
        QuotaPlan("ward", "Tam Lưu", 5, None),
        QuotaPlan("ward", "Bắc An Phụ", 2, None),
        QuotaPlan("organisation", "Trường THPT Kinh Môn", 3, 20),
    ]
    got = _assemble(counts, 2026, quotas=plans)
    assert got.wards == (
        QuotaLine("ward", "Tam Lưu", Target(4, 5), donors=3),
        QuotaLine("ward", "Bắc An Phụ", Target(0, 2), donors=0),
        QuotaLine("ward", "Nhị Chiểu", Target(1), donors=1),
    )
    assert got.organisations == (
        QuotaLine("organisation", "Trường THPT Kinh Môn", Target(4, 3), donors=3, headcount=20),
    )
    # 2026: 2 repeat of 4 donors; 2025: 0 of 7
    assert (got.donors.first_time, got.donors.repeat) == (2, 2)
    assert got.repeat_by_year == ((2025, Share(0, 7)), (2026, Share(2, 4)))
    # a Tam Lưu organiser sees their ward against its quota, and no other ward's quota
    ward = _assemble(counts, 2026, quotas=plans, scope=Scope.ward("Tam Lưu"))
    assert ward.units.target == 5
    assert [line.name for line in ward.wards] == ["Tam Lưu", "Nhị Chiểu"]


def _counts(
    *,
    units: dict[tuple[date, int | None], int] | None = None,
    donors: dict[tuple[int, str | None, str | None, bool], tuple[int, int]] | None = None,
) -> Counts:
    return Counts(
        funnel=Funnel(0, 0, 0, 0),
        deferrals={},
        units_by_day_volume=units or {},
        donors_by=donors or {},
        reserve_by_group={},
        emergency_ready=0,
        units_by_campaign={},
        campaign_tags={},
        campaign_targets={},
    )


def _assemble(
    counts: Counts,
    year: int,
    *,
    population: int | None = None,
    quotas: list[QuotaPlan] | None = None,
    scope: Scope | None = None,
) -> Figures:
    return assemble(
        counts,
        scope=scope or Scope.area(),
        year=year,
        campaign_ids=(),
        today=date(year, 12, 31),
        targets=Targets(),
        quotas=quotas or [],
        population=population,
    )
