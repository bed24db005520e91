"""Accuracy on the evaluation set tests/data/faq_eval.tsv (written before the matcher was tuned).

Run with ``pytest -s`` to see the misses; ``bench/faq.py`` prints the same figures and timings.
Nothing here skips: a missing or malformed eval file, an empty label kind or a missing facts
extractor fails the run, so a figure cannot silently stop being measured.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from domain.eligibility import Person
from domain.facts import extract_facts
from domain.faq_file import load_faq
from domain.faq_index import FaqIndex
from domain.faq_model import load_examples
from domain.intents import Intent
from domain.questions import Kind, Understanding, understand
from domain.rules_file import load_rules

ROOT = Path(__file__).resolve().parents[3]
EVAL = ROOT / "tests" / "data" / "faq_eval.tsv"
TODAY = date(2025, 6, 1)
SMALL_TALK = {Intent.GREETING, Intent.THANKS}

Row = tuple[str, str, str]


def read_eval() -> list[Row]:
    assert EVAL.is_file(), f"{EVAL} is missing"
    rows: list[Row] = []
    for number, line in enumerate(EVAL.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == 3, f"{EVAL}:{number}: expected text, label, lang separated by tabs"
        text, label, lang = fields
        rows.append((text, label, lang))
    return rows


@pytest.fixture(scope="module")
def indexes() -> dict[str, FaqIndex]:
    vi = load_faq(ROOT / "data" / "faq.vi.toml")
    en = load_faq(ROOT / "data" / "faq.en.toml")
    # As shipped: the classifier also learns from data/faq_examples.tsv (the tuning set's FAQ rows,
    # so its figure here is in-sample; bench/faq_cv.py gives the cross-validated one).
    examples = load_examples(ROOT / "data" / "faq_examples.tsv")
    return {
        "vi": FaqIndex.build(vi, also=en, examples=examples),
        "en": FaqIndex.build(en, also=vi, examples=examples),
    }


def got(u: Understanding) -> str:
    if u.kind is Kind.FAQ and u.entry is not None:
        return f"faq:{u.entry.id}"
    if u.kind is Kind.INTENT and u.intent is not None:
        return f"intent:{u.intent}"
    return "verdict" if u.kind is Kind.VERDICT else "none"


def report(title: str, misses: list[tuple[str, str, str]]) -> None:
    sys.stdout.write(f"\n{title}: {len(misses)} misses\n")
    for label, answer, text in sorted(misses):
        sys.stdout.write(f"  {label} -> {answer} | {text}\n")


def test_eval_set_shape() -> None:
    rows = read_eval()
    labels = [label for _, label, _ in rows]
    assert len(rows) >= 220
    assert labels.count("none") >= 45
    assert labels.count("verdict") >= 10
    assert sum(label.startswith("intent:") for label in labels) >= 10
    assert all(lang in {"vi", "en"} for _, _, lang in rows)
    assert all(label in {"none", "verdict"} or label.startswith(("faq:", "intent:")) for label in labels)
    assert len({text for text, _, _ in rows}) == len(rows)


def test_labels_name_real_entries_and_intents(indexes: dict[str, FaqIndex]) -> None:
    ids = {e.id for e in indexes["vi"].entries}
    for _, label, _ in read_eval():
        kind, _, name = label.partition(":")
        if kind == "faq":
            assert name in ids, label
        elif kind == "intent":
            assert name in {i.value for i in Intent}, label


def test_faq_and_intent_accuracy(indexes: dict[str, FaqIndex]) -> None:
    rows = [r for r in read_eval() if r[1].startswith(("faq:", "intent:"))]
    misses = []
    for text, label, lang in rows:
        answer = got(understand(text, index=indexes[lang], today=TODAY))
        if answer != label:
            misses.append((label, answer, text))
    accuracy = 1 - len(misses) / len(rows)
    report(f"faq/intent rows, accuracy {accuracy:.3f}", misses)
    assert accuracy >= 0.90


def test_off_topic_gets_not_sure(indexes: dict[str, FaqIndex]) -> None:
    rows = [r for r in read_eval() if r[1] == "none"]
    misses = []
    for text, label, lang in rows:
        u = understand(text, index=indexes[lang], today=TODAY)
        if not (u.kind is Kind.UNSURE or (u.kind is Kind.INTENT and u.intent in SMALL_TALK)):
            misses.append((label, got(u), text))
    rate = 1 - len(misses) / len(rows)
    report(f"none rows, not-sure rate {rate:.3f}", misses)
    assert rate >= 0.95


def test_personal_facts_get_a_verdict(indexes: dict[str, FaqIndex]) -> None:
    rules = load_rules(ROOT / "data" / "eligibility.toml")

    def extractor(text: str, today: date) -> Person | None:
        return extract_facts(text, today=today, rules=rules)

    rows = [r for r in read_eval() if r[1] == "verdict"]
    assert rows, "no verdict rows in the eval set"
    misses = []
    for text, label, lang in rows:
        u = understand(text, index=indexes[lang], today=TODAY, facts_extractor=extractor)
        if u.kind is not Kind.VERDICT:
            misses.append((label, got(u), text))
    report("verdict rows (real extractor)", misses)
    assert len(misses) <= len(rows) // 10
