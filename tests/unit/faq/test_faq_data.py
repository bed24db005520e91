"""The FAQ data files: well formed, the same ids in both languages, chat-sized, not copied from
the evaluation set."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from domain.faq_file import MAX_ANSWER_CHARS, FaqEntry, check_faq_files, load_faq
from domain.lexicon import canonical_tokens
from domain.text import fold

ROOT = Path(__file__).resolve().parents[3]
VI = ROOT / "data" / "faq.vi.toml"
EN = ROOT / "data" / "faq.en.toml"
EVAL = ROOT / "tests" / "data" / "faq_eval.tsv"
FILES = {"vi": VI, "en": EN}
DOCTOR = {"vi": "Bác sĩ tại điểm hiến máu", "en": "doctor at the drive"}
# Topics whose answers state a medical rule: they must leave the decision to the doctor.
MEDICAL_TOPICS = {"eligibility", "conditions", "lifestyle"}


@pytest.fixture(scope="module", params=["vi", "en"])
def lang_entries(request: pytest.FixtureRequest) -> tuple[str, list[FaqEntry]]:
    lang: str = request.param
    return lang, load_faq(FILES[lang])


def test_both_files_pass_the_checker() -> None:
    assert check_faq_files([VI, EN]) == []


def test_same_ids_in_both_languages_and_enough_entries() -> None:
    vi = [e.id for e in load_faq(VI)]
    en = [e.id for e in load_faq(EN)]
    assert vi == en
    assert len(vi) >= 44


def test_texts_are_nfc_and_answers_fit_a_chat_message(
    lang_entries: tuple[str, list[FaqEntry]],
) -> None:
    _, entries = lang_entries
    for e in entries:
        for text in (e.answer, e.source, *e.questions):
            assert unicodedata.normalize("NFC", text) == text, e.id
        assert 0 < len(e.answer) <= MAX_ANSWER_CHARS, e.id
        assert 4 <= len(e.questions) <= 8, e.id
        assert not re.search(r"\*\*|__|^#|`|\[[^\]]*\]\(", e.answer, re.M), f"markdown in {e.id}"


def test_no_question_under_two_entries(lang_entries: tuple[str, list[FaqEntry]]) -> None:
    _, entries = lang_entries
    owner: dict[str, str] = {}
    for e in entries:
        for q in e.questions:
            key = " ".join(canonical_tokens(q))
            assert owner.setdefault(key, e.id) == e.id, f"{q!r} in {owner[key]} and {e.id}"


def test_medical_answers_leave_the_decision_to_the_doctor(
    lang_entries: tuple[str, list[FaqEntry]],
) -> None:
    lang, entries = lang_entries
    for e in entries:
        if e.topic in MEDICAL_TOPICS:
            assert DOCTOR[lang] in e.answer, e.id


def test_vietnamese_answers_keep_the_certificate_wording() -> None:
    entries = {e.id: e for e in load_faq(VI)}
    wording = "được truyền máu miễn phí số lượng máu tương đương lượng máu đã hiến"
    assert wording in entries["certificate"].answer
    assert "1995/2004/QĐ-BYT" in entries["certificate"].source
    assert "15/2023/TT-BYT" in entries["support"].answer


def test_questions_are_not_copied_from_the_evaluation_sets() -> None:
    """The evals measure generalisation: no question of the data may be (nearly) one of their
    lines — of the tuning set, and above all of the frozen held-out set."""
    lines = [
        line.split("\t")[0]
        for path in (EVAL, EVAL.with_name("faq_heldout.tsv"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    folded = [re.sub(r"[^\w ]", "", fold(t)) for t in lines]
    for path in (VI, EN):
        for e in load_faq(path):
            for q in e.questions:
                fq = re.sub(r"[^\w ]", "", fold(q))
                best = max(folded, key=lambda t, fq=fq: fuzz.ratio(fq, t))
                assert fuzz.ratio(fq, best) <= 95, f"{e.id}: {q!r} copies eval line {best!r}"
