"""The FAQ matcher, its loader and checker, intents, and the order of ``understand``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.faq_file import FaqEntry, FaqError, check_faq_files, load_faq
from domain.faq_index import FaqIndex, features
from domain.intents import Intent, detect_intent
from domain.lexicon import canonical_tokens
from domain.questions import Kind, is_specific, understand
from domain.text import strip_diacritics

ROOT = Path(__file__).resolve().parents[3]
TODAY = date(2025, 6, 1)


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    vi = load_faq(ROOT / "data" / "faq.vi.toml")
    en = load_faq(ROOT / "data" / "faq.en.toml")
    return FaqIndex.build(vi, also=en)


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hiến đc ko", "hien duoc khong"),
        ("hien dc k", "hien duoc khong"),
        ("hiến được hok", "hien duoc khong"),
        ("hiến được hông", "hien duoc khong"),
        ("hồng cầu", "hong cau"),
        ("bn lâu", "bao lau"),
        ("bn tuổi", "bao nhieu tuoi"),
        ("bn ơi", "ban oi"),
        ("an j", "an gi"),
        ("ntn", "nhu the nao"),
        ("hm xong", "hien mau xong"),
        ("đi vs mk", "di voi minh"),
        ("nặng 43kg", "nang 43 kg"),
        ("43 kí", "43 kg"),
        ("hiến đc kg", "hien duoc khong"),
        ("20t", "20 tuoi"),
        ("đăng kí", "dang ky"),
    ],
)
def test_shorthand_is_expanded(text: str, expected: str) -> None:
    assert " ".join(canonical_tokens(text)) == expected


def test_synonyms_share_one_name() -> None:
    assert "beo" in canonical_tokens("hiến máu có bị mập không")
    assert "kinh" in canonical_tokens("đang đến tháng")
    assert "group" in canonical_tokens("what blood types are there")
    assert "khangsinh" in canonical_tokens("uống kháng sinh")


def test_domain_words_only_appear_inside_bigrams() -> None:
    feats = features("Hiến máu bao lâu thì hiến lại được?")
    assert "hien" not in feats and "mau" not in feats
    assert "hien_lai" in feats


@given(st.text(max_size=60))
def test_normalisation_never_fails(text: str) -> None:
    canonical_tokens(text)
    features(text)
    detect_intent(text)


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("Hiến máu có hại không?", "harmful"),
        ("Bao lâu thì được hiến máu lại?", "interval"),
        ("Sau khi hiến máu nên ăn gì?", "eat_after"),
        ("Có hình xăm thì có được hiến máu không?", "tattoo"),
    ],
)
def test_diacritics_do_not_matter(index: FaqIndex, text: str, entry_id: str) -> None:
    with_marks = index.confident(text)
    without = index.confident(strip_diacritics(text))
    shouting = index.confident(strip_diacritics(text).upper())
    assert with_marks is not None and with_marks.id == entry_id
    assert without is not None and without.id == entry_id
    assert shouting is not None and shouting.id == entry_id


def test_marks_tell_false_friends_apart(index: FaqIndex) -> None:
    # "đau" (pain) and "đâu" (where), folded, are both "dau".
    top = index.match("hiến máu có đau không", limit=1)
    assert top and top[0].entry_id == "pain"


def test_match_is_sorted_and_bounded(index: FaqIndex) -> None:
    found = index.match("hien mau xong co dc choi the thao ko", limit=3)
    assert 1 <= len(found) <= 3
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
    assert all(0 < m.score <= 1 for m in found)
    assert found[0].entry_id == "sport_after"


def test_stop_words_alone_do_not_match(index: FaqIndex) -> None:
    for text in ("hiến máu", "hiến máu được không ạ", "cho mình hỏi với", "donate blood"):
        assert index.confident(text) is None, text


def test_small_talk_is_not_answered(index: FaqIndex) -> None:
    for text in ("bạn bao nhiêu tuổi", "giá vàng hôm nay", "asdfgh", "🙂", "how old are you"):
        assert index.confident(text) is None, text


def _tiny(**kwargs: float) -> FaqIndex:
    entries = [
        FaqEntry("a", "t", ("Hiến máu có đau không?", "Lấy máu có đau không?"), "A"),
        FaqEntry("b", "t", ("Hiến máu có đau đầu không?", "Hiến xong đau đầu"), "B"),
        FaqEntry("c", "t", ("Hiến máu mất bao lâu?",), "C"),
    ]
    return FaqIndex.build(entries, **kwargs)  # type: ignore[arg-type]


def test_threshold_rejects_weak_matches() -> None:
    """BM25's own threshold, with the classifier off (``rerank=0``): see the next test."""
    text = "hiến máu mất bao lâu vậy, mình ở xa lắm, đi xe khách"
    assert _tiny(threshold=0.1, rerank=0).confident(text) is not None
    assert _tiny(threshold=0.95, rerank=0).confident(text) is None


def test_a_clear_classifier_answers_a_donation_message_bm25_is_unsure_of() -> None:
    text = "hiến máu mất bao lâu vậy, mình ở xa lắm, đi xe khách"
    found = _tiny(threshold=0.95).confident(text)
    assert found is not None and found.id == "c"
    # a message without a donation word is never the classifier's alone
    assert _tiny(threshold=0.95).confident("mất bao lâu vậy, mình ở xa lắm, đi xe khách") is None


def test_margin_rejects_close_runner_up() -> None:
    text = "hiến máu có đau không"
    close = _tiny(threshold=0.1).match(text, limit=2)
    assert close[0].entry_id == "a" and close[1].entry_id == "b"
    gap = close[0].score - close[1].score
    assert _tiny(threshold=0.1, margin=0.0, rerank=0).confident(text) is not None
    assert _tiny(threshold=0.1, margin=gap + 0.5, rerank=0).confident(text) is None


# --------------------------------------------------------------------------- files


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
[[entry]]
id = "one"
topic = "t"
questions = ["Một?", "Hai?", "Ba?", "Bốn?"]
answer = "Trả lời."
"""


def test_load_reports_problems_with_lines(tmp_path: Path) -> None:
    bad = _write(
        tmp_path / "bad.toml",
        GOOD
        + """
[[entry]]
id = "one"
topic = "t"
questions = ["x"]
answer = ""

[[entry]]
topic = "t"
questions = ["y"]
answer = "\"\"\"
"""
        + "dài " * 300
        + '"""\n',
    )
    with pytest.raises(FaqError) as err:
        load_faq(bad)
    problems = err.value.problems
    assert any("duplicate id 'one'" in p and f"{bad}:9:" in p for p in problems), problems
    assert any("empty answer" in p and f"{bad}:12:" in p for p in problems), problems
    assert any("has no 'id'" in p and f"{bad}:14:" in p for p in problems), problems
    assert any("at most 900" in p for p in problems), problems


def test_load_reports_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(FaqError, match="invalid TOML"):
        load_faq(_write(tmp_path / "x.toml", "[[entry]\nid = 1"))


def test_check_finds_ids_missing_in_the_other_language(tmp_path: Path) -> None:
    two = GOOD.replace('"one"', '"two"').replace('"Một?", "Hai?", "Ba?", "Bốn?"', '"A?", "B?", "C?", "D?"')
    vi = _write(tmp_path / "faq.vi.toml", GOOD + two)
    en = _write(tmp_path / "faq.en.toml", GOOD)
    problems = check_faq_files([vi, en])
    assert problems == [f"{en}: id 'two' ({vi}:8) is missing here"]


def test_check_lints_question_counts_and_duplicates(tmp_path: Path) -> None:
    text = GOOD + GOOD.replace('"one"', '"two"').replace('"Một?", ', "")
    problems = check_faq_files([_write(tmp_path / "f.toml", text)])
    assert any("has 3 questions" in p for p in problems)
    assert any("also a question of 'one'" in p for p in problems)


# --------------------------------------------------------------------------- intents


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("tôi muốn đăng ký hiến máu", Intent.REGISTER),
        ("dang ky", Intent.REGISTER),
        ("sign me up", Intent.REGISTER),
        ("lịch hiến máu tuần này", Intent.DRIVES),
        ("where can I donate", Intent.DRIVES),
        ("xem thông tin của tôi", Intent.MY_DATA),
        ("xóa dữ liệu của tôi", Intent.DELETE_DATA),
        ("tôi có hiến được không", Intent.SELF_CHECK),
        ("bạn làm được gì", Intent.HELP),
        ("hi bot", Intent.GREETING),
        ("cảm ơn nhiều nha", Intent.THANKS),
    ],
)
def test_requests(text: str, intent: Intent) -> None:
    assert detect_intent(text) is intent


@pytest.mark.parametrize(
    "text",
    [
        "đăng ký hiến máu như thế nào",
        "how do I register",
        "làm sao để xóa dữ liệu của tôi",
        "chào bạn, hiến máu có đau không",
        "uống thuốc kháng sinh có hiến được không",
        "bạn ở đâu",
        "can i drive home after giving blood",
    ],
)
def test_questions_are_not_requests(text: str) -> None:
    assert detect_intent(text) is None


# --------------------------------------------------------------------------- understand


def stand_in_extractor(text: str, today: date) -> object | None:
    """STAND-IN for domain.facts.extract_facts, only to test the routing order: anything with
    a number counts as personal facts."""
    return {"text": text} if any(ch.isdigit() for ch in text) else None


def test_understand_order(index: FaqIndex) -> None:
    def run(text: str) -> Kind:
        u = understand(text, index=index, today=TODAY, facts_extractor=stand_in_extractor)
        return u.kind

    assert run("tôi muốn đăng ký hiến máu") is Kind.INTENT
    assert run("tôi 17 tuổi có hiến được ko") is Kind.VERDICT
    assert run("hiến máu có hại không") is Kind.FAQ
    assert run("thời tiết hôm nay thế nào") is Kind.UNSURE


def test_general_question_beats_a_liberal_extractor(index: FaqIndex) -> None:
    def everything(text: str, today: date) -> object | None:
        return {"text": text}  # STAND-IN that finds "facts" everywhere

    general = understand(
        "có hình xăm có hiến máu được không", index=index, today=TODAY, facts_extractor=everything
    )
    assert general.kind is Kind.FAQ
    specific = understand(
        "mới xăm tuần trước có hiến được không", index=index, today=TODAY, facts_extractor=everything
    )
    assert specific.kind is Kind.VERDICT
    assert is_specific("i got a tattoo 2 months ago") and not is_specific("có hình xăm")


def test_unsure_offers_three_suggestions(index: FaqIndex) -> None:
    u = understand("hiến máu", index=index, today=TODAY)
    assert u.kind is Kind.UNSURE
    assert len(u.suggestions) <= 3
    u = understand("lol", index=index, today=TODAY)
    assert u.kind is Kind.UNSURE and u.entry is None
