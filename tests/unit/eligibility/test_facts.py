"""Facts picked out of how people really write, and the questions that hold none."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.dates import parse_date
from domain.eligibility import Person, Sex, Verdict, assess
from domain.facts import extract_facts
from domain.rules import DonationKind
from domain.rules_file import load_rules

RULES = load_rules(Path(__file__).resolve().parents[3] / "data" / "eligibility.toml")
TODAY = date(2025, 6, 18)  # a Wednesday
WB = DonationKind.WHOLE_BLOOD
PLT = DonationKind.PLATELETS


def facts(text: str) -> Person | None:
    return extract_facts(text, today=TODAY, rules=RULES)


def person(**fields: Any) -> Person:
    for name in ("permanent", "advice"):
        if name in fields:
            fields[name] = frozenset(fields[name])
    return Person(**fields)


CASES: list[tuple[str, Person]] = [
    # age
    ("tôi 17 tuổi có hiến máu được không", person(age_years=17)),
    ("toi 17 tuoi co hien mau duoc khong", person(age_years=17)),
    ("tôi 17t hiến đc ko", person(age_years=17)),
    ("em năm nay 19 tuổi", person(age_years=19)),
    ("I'm 17, can I donate?", person(age_years=17)),
    ("I am 17 years old", person(age_years=17)),
    ("61 tuổi còn hiến được không", person(age_years=61)),
    # birth
    ("sinh năm 2008 hiến được chưa", person(age_years=16)),  # 16 or 17: the lower one
    ("sn 2007", person(age_years=17)),  # 17 or 18: not yet 18 for sure
    ("em 2k5 hien mau duoc ko", person(age_years=20)),
    ("sinh ngày 12/03/2007", person(date_of_birth=date(2007, 3, 12))),
    ("ngay sinh 1990-05-20", person(date_of_birth=date(1990, 5, 20))),
    ("sinh năm 1964, hiến được không", person(age_years=61)),  # 60 or 61: 61
    ("I was born in 2000", person(age_years=25)),
    # weight
    ("nang 43kg hien dc ko", person(weight_kg=43)),
    ("nặng 43kg", person(weight_kg=43)),
    ("nang 43 kg", person(weight_kg=43)),
    ("43 cân có hiến được không", person(weight_kg=43)),
    ("mình 43 ký", person(weight_kg=43)),
    ("can nang 43", person(weight_kg=43)),
    ("cân nặng: 43,5 kg", person(weight_kg=43.5)),
    ("I weigh 43 kg", person(weight_kg=43)),
    ("I weigh 110 lbs", person(weight_kg=49.9)),
    # sex
    ("tôi là nữ, 20 tuổi, nặng 44kg", person(sex=Sex.FEMALE, age_years=20, weight_kg=44)),
    ("em gái 17 tuổi", person(sex=Sex.FEMALE, age_years=17)),
    ("con gai nang 44kg", person(sex=Sex.FEMALE, weight_kg=44)),
    ("nam, 20 tuổi, 50kg", person(sex=Sex.MALE, age_years=20, weight_kg=50)),
    ("nữ 43kg hiến được không", person(sex=Sex.FEMALE, weight_kg=43)),
    ("I'm female, 50kg", person(sex=Sex.FEMALE, weight_kg=50)),
    ("tôi là con trai nặng 44 kg", person(sex=Sex.MALE, weight_kg=44)),
    # last donation
    ("lần trước hiến cách đây 1 tháng", person(last_donation_on=date(2025, 5, 18))),
    ("mới hiến 2 tuần trước", person(last_donation_on=date(2025, 6, 4))),
    ("hien mau thang truoc", person(last_donation_on=date(2025, 5, 31))),
    ("donated 3 weeks ago", person(last_donation_on=date(2025, 5, 28))),
    ("I gave blood last month", person(last_donation_on=date(2025, 5, 31))),
    (
        "hiến tiểu cầu cách đây 10 ngày",
        person(last_donation_on=date(2025, 6, 8), last_donation_kind=PLT),
    ),
    (
        "hiến tiểu cầu được 10 ngày rồi",
        person(last_donation_on=date(2025, 6, 8), last_donation_kind=PLT),
    ),
    ("lần cuối hiến máu ngày 12/3/2025", person(last_donation_on=date(2025, 3, 12))),
    ("vừa hiến máu hôm qua", person(last_donation_on=date(2025, 6, 17))),
    ("hien mau toan phan 2 thang truoc", person(last_donation_on=date(2025, 4, 18), last_donation_kind=WB)),
    ("my last donation was on 2025-05-01", person(last_donation_on=date(2025, 5, 1))),
    # deferrals
    ("mới xăm hình 2 tháng", person(events={"tattoo": date(2025, 4, 18)})),
    ("moi xam hinh", person(events={"tattoo": TODAY})),
    ("vừa tiêm vắc xin", person(events={"vaccine_other": TODAY})),
    ("bị cúm tuần trước", person(events={"flu": date(2025, 6, 15)})),
    ("bi cum cach day 3 ngay", person(events={"flu": date(2025, 6, 15)})),
    ("mới phẫu thuật", person(events={"surgery": TODAY})),
    ("tôi mổ ruột thừa cách đây 5 tháng", person(events={"surgery": date(2025, 1, 18)})),
    ("bấm lỗ tai hôm qua", person(events={"piercing": date(2025, 6, 17)})),
    ("bị sốt xuất huyết cách đây 3 tuần", person(events={"common_infection": date(2025, 5, 28)})),
    ("tiêm vắc xin thủy đậu tuần trước", person(events={"vaccine_live": date(2025, 6, 15)})),
    ("tôi tiêm phòng dại xong tháng 2", person(events={"rabies_vaccine": date(2025, 2, 28)})),
    ("em có bầu 3 tháng", person(events={"pregnant": date(2025, 3, 18)})),
    ("I had a tattoo 3 months ago", person(events={"tattoo": date(2025, 3, 18)})),
    (
        "tuần trước tôi bị cúm, hôm qua tiêm vắc xin",
        person(events={"flu": date(2025, 6, 15), "vaccine_other": date(2025, 6, 17)}),
    ),
    ("tiêm phòng viêm gan B có hiến được không", person(events={"vaccine_other": TODAY})),
    ("hiện tại tôi bị cúm", person(events={"flu": TODAY})),
    ("xăm hình 2 tháng có hiến được không", person(events={"tattoo": date(2025, 4, 18)})),
    ("mới xăm được 2 tháng nay", person(events={"tattoo": date(2025, 4, 18)})),
    # "bị cúm 3 ngày" says how long it lasted, not when it ended: counted from today
    ("bị cúm 3 ngày", person(events={"flu": TODAY})),
    ("tôi đi hiến máu 2 tuần trước", person(last_donation_on=date(2025, 6, 4))),
    # advice
    ("đang cho con bú", person(advice={"breastfeeding"})),
    ("uống thuốc kháng sinh", person(advice={"antibiotics"})),
    ("uong ruou", person(advice={"alcohol"})),
    ("tối qua đi nhậu", person(advice={"alcohol"})),
    ("tôi là tài xế", person(advice={"special_work"})),
    (
        "sinh con được 6 tháng, đang cho con bú",
        person(events={"childbirth": date(2024, 12, 18)}, advice={"breastfeeding"}),
    ),
    # permanent
    ("bị viêm gan B", person(permanent={"hepatitis_b"})),
    ("em bi viem gan b", person(permanent={"hepatitis_b"})),
    ("tôi bị HIV", person(permanent={"hiv"})),
    ("tôi có HIV", person(permanent={"hiv"})),
    ("I have hepatitis B", person(permanent={"hepatitis_b"})),
    # several at once
    (
        "tôi là nam 50kg 25 tuổi, hiến lần cuối 2 tháng trước",
        person(sex=Sex.MALE, weight_kg=50, age_years=25, last_donation_on=date(2025, 4, 18)),
    ),
    (
        "tôi hiến máu toàn phần cách đây 83 ngày, muốn hiến tiểu cầu",
        person(last_donation_on=date(2025, 3, 27), last_donation_kind=WB),
    ),
]

GENERAL_QUESTIONS = [
    "hiến máu có hại không",
    "hiến máu bao nhiêu ml",
    "bao nhiêu tuổi thì được hiến",
    "bao nhieu tuoi thi duoc hien mau",
    "nặng bao nhiêu kg thì được hiến máu",
    "trên 60 tuổi có hiến được không",
    "từ 18 đến 60 tuổi mới được hiến phải không",
    "nam phải nặng trên 45kg à",
    "dưới 42kg có hiến được không",
    "hiến máu 3 tháng 1 lần có hại không",
    "hiến máu có bị lây HIV không",
    "xăm hình bao lâu thì được hiến máu",
    "người bị viêm gan B có hiến máu được không",
    "tôi chưa từng xăm hình",
    "tôi không bị HIV",
    "chưa bao giờ hiến máu",
    "năm nay có đợt hiến máu nào không",
    "hiến máu ở miền nam ở đâu",
    "áo xám có được hiến không",
    "tôi cần hiến máu gấp",
    "sau khi hiến máu nên ăn gì",
    "hien mau co tot cho tim mach khong",
    "hiến máu có giảm nguy cơ ung thư không",
    "hiến máu tháng 3 có đợt nào không",
    "tôi đã xét nghiệm viêm gan B âm tính",
    "What is the minimum age to donate blood?",
    "how much blood do you take",
    "How long after a tattoo can I donate?",
    "18+ có được hiến không",
    "cảm ơn bạn nhiều",
    "tôi hiến máu đều đặn 2 năm nay",
    "muốn đi hiến máu tuần sau",
    "hiến máu xong có được uống rượu không",
    "",
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_phrasings(text: str, expected: Person) -> None:
    assert facts(text) == expected


@pytest.mark.parametrize("text", GENERAL_QUESTIONS)
def test_general_questions_hold_no_fact(text: str) -> None:
    assert facts(text) is None


def test_there_are_enough_examples() -> None:
    assert len(CASES) >= 40
    assert len(GENERAL_QUESTIONS) >= 15


def test_marks_typed_must_agree() -> None:
    assert facts("43 cần") is None  # "cần" is "need", not "cân"
    assert facts("áo màu xám") is None  # grey, not tattoo
    assert facts("tôi cao 1m60, nặng 50") == person(weight_kg=50)
    assert facts("nắng 43 độ") is None  # sunny, not heavy


def test_contradictions_are_left_out() -> None:
    assert facts("tôi 17 tuổi, à nhầm 18 tuổi") is None  # two different ages: no guess
    assert facts("tôi là nam, à nhầm, nữ") is None
    # The sister's sex is hers (issue 19: someone else's facts), not a contradiction.
    assert facts("tôi là nam, em gái tôi") == person(sex=Sex.MALE)


def test_end_to_end_with_the_engine() -> None:
    p = facts("em 17 tuổi nặng 43kg là nữ, có hiến máu được không")
    assert p == person(age_years=17, weight_kg=43, sex=Sex.FEMALE)
    a = assess(p, on=TODAY, rules=RULES)
    assert a.verdict is Verdict.NOT_YET
    assert a.from_date is None
    tattoo = facts("mới xăm hình 2 tháng, 25 tuổi, nam 60kg")
    assert tattoo is not None
    b = assess(tattoo, on=TODAY, rules=RULES)
    assert b.verdict is Verdict.NOT_YET
    assert b.from_date == date(2025, 10, 18)


@pytest.mark.parametrize("typed", ["95", "05", "25", "26", "99"])
def test_two_digit_years_read_as_every_other_date_answer(typed: str) -> None:
    """One rule for "YY" (the latest such year not after today): a question and an answer agree."""
    expected = parse_date(f"12/3/{typed}", today=TODAY)
    assert expected is not None
    found = facts(f"sinh 12/3/{typed}")
    assert found is not None and found.date_of_birth == expected
    year = facts(f"sn {typed}")
    assert year is not None and year.age_years is not None
    assert TODAY.year - year.age_years - expected.year in (0, 1)  # the less favourable age
