"""The plan file's rules as functions, for values typed in the chat (/taochiendich, /taodot)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.figures import Targets
from domain.plan_file import CampaignPlan, QuotaEntry, check_campaign, check_quota, check_targets
from handlers.campaigns import read_quotas
from models.campaigns import key_base
from tests.integration.test_limits import _context


def campaign(**changes: object) -> CampaignPlan:
    values: dict[str, object] = {
        "key": "hanh-trinh-do-2027",
        "name": "Hành trình đỏ",
        "year": 2027,
        "sessions": (),
        "first_day": date(2027, 3, 1),
        "last_day": date(2027, 6, 30),
        **changes,
    }
    return CampaignPlan(**values)  # type: ignore[arg-type]


def test_a_good_campaign_has_no_problem() -> None:
    assert check_campaign(campaign(target_units=1200, target_repeat_share=0.6)) is None


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"key": "Hành trình"}, "key"),
        ({"name": " "}, "name"),
        ({"year": 1999}, "year"),
        ({"last_day": date(2027, 2, 28)}, "last_day"),
        ({"first_day": date(2026, 12, 1)}, "first_day"),
        ({"target_repeat_share": 1.2}, "target_repeat_share"),
        ({"target_units": 0}, "target_units"),
        ({"quotas": (QuotaEntry("ward", "Tam Lưu"),)}, "quotas[1].units"),
    ],
)
def test_each_mistake_names_its_key(changes: dict[str, object], key: str) -> None:
    problem = check_campaign(campaign(**changes))
    assert problem is not None and problem[0] == key


def test_targets_and_quotas_keep_the_plan_files_ranges() -> None:
    assert check_targets(Targets(share_350=1.0, reserve_donors=0)) is None
    assert check_targets(Targets(share_350=1.01)) == (
        "target_350_share",
        "must be between 0 and 1 (0.6 means 60 %)",
    )
    assert check_quota(QuotaEntry("ward", "Tam Lưu", units=0)) is None
    assert check_quota(QuotaEntry("ward", "Tam Lưu", headcount=0)) is not None


def test_a_generated_key_is_ascii_with_the_year() -> None:
    assert key_base("Hành trình đỏ Kinh Môn!", 2027) == "hanh-trinh-do-kinh-mon-2027"
    assert key_base("???", 2027) == "chien-dich-2027"
    assert len(key_base("Ngày hội " * 40, 2027)) <= 64


def test_ward_quotas_are_read_with_or_without_diacritics() -> None:
    read = read_quotas(_context("Tam Lưu: 120\nnhi chieu 1.000\n\nBắc An Phụ = 0"))
    assert read.value == {"quotas": [["Tam Lưu", 120], ["Nhị Chiểu", 1000], ["Bắc An Phụ", 0]]}
    assert read_quotas(_context("Tam Lưu: 120\ntam luu: 5")).error == "cmp_error_quota_twice"
    assert read_quotas(_context("Hải Dương: 5")).error == "cmp_error_quota_ward"
    assert read_quotas(_context("Tam Lưu: nhiều")).error == "cmp_error_quota_line"
