"""The FAQ classifier (domain/faq_model.py) and how the matcher uses it to re-rank BM25's entries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from domain.faq_file import FaqEntry, load_faq
from domain.faq_index import FaqIndex, features
from domain.faq_model import FaqClassifier, load_examples, model_features

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "data" / "faq_examples.tsv"


def _f(text: str) -> frozenset[str]:
    return model_features(text, features(text))


def _tiny() -> FaqClassifier:
    return FaqClassifier(
        {
            "pain": [_f("Hiến máu có đau không?"), _f("chich kim co dau lam ko")],
            "duration": [_f("Hiến máu mất bao lâu?"), _f("lay mau het may phut")],
            "weight": [_f("Phải nặng bao nhiêu cân?"), _f("gay qua co hien dc ko")],
        }
    )


def test_features_have_words_bigrams_and_character_grams() -> None:
    feats = _f("hiến máu có đau không")
    assert "dau" in feats  # a word
    assert "mau_dau" in feats  # a bigram with a domain word
    assert "# da" in feats and "#dau " in feats  # character n-grams of the topic words run together


def test_a_typo_still_finds_its_entry() -> None:
    guess = _tiny().guess(_f("chic kimm co dauu ko"))
    assert guess[0].entry_id == "pain"
    assert 0 < guess[0].probability <= 1


def test_probabilities_sum_to_one_and_nothing_known_is_no_guess() -> None:
    probs = _tiny().probabilities(_f("lay mau mat bao lau"))
    assert max(probs, key=lambda k: probs[k]) == "duration"
    assert sum(probs.values()) == pytest.approx(1.0)
    assert _tiny().guess(frozenset({"zzzz"})) == []


def test_it_is_deterministic_and_ties_break_by_the_entries_order() -> None:
    text = _f("gay qua co hien dc ko, chich kim co dau")
    assert _tiny().probabilities(text) == _tiny().probabilities(text)
    twin = FaqClassifier({"x": [_f("đau")], "y": [_f("đau")]})
    assert [g.entry_id for g in twin.guess(_f("đau"))] == ["x", "y"]


def test_the_matcher_reranks_a_paraphrase_right_with_the_examples() -> None:
    """BM25 alone reads "hm xong có nên ăn nhiều thịt không" (after donating) as what to eat before;
    the classifier, having learned how people ask about eating afterwards, puts that entry first.
    (Its first example, "… bao lâu thì máu được tái tạo", BM25 got right once the recovery entry had
    "hết mệt", 2026-12-03.)"""
    vi = load_faq(ROOT / "data" / "faq.vi.toml")
    en = load_faq(ROOT / "data" / "faq.en.toml")
    text = "hm xong co nen an nhieu thit ko"
    examples = {k: [t for t in v if t != text] for k, v in load_examples(EXAMPLES).items()}
    alone = FaqIndex.build(vi, also=en, rerank=0).confident(text)
    assert alone is not None and alone.id == "eat_before"
    reranked = FaqIndex.build(vi, also=en, examples=examples).confident(text)
    assert reranked is not None and reranked.id == "eat_after"


def test_only_messages_that_name_donation_are_reranked() -> None:
    entries = [
        FaqEntry("a", "t", ("Kim lấy máu có đau không?",), "A"),
        FaqEntry("b", "t", ("Kim tiêm có dùng lại không?",), "B"),
    ]
    examples = {"b": ["kim khau may loai nao tot"] * 5}
    plain = FaqIndex.build(entries, rerank=0)
    mixed = FaqIndex.build(entries, examples=examples)
    text = "kim khâu máy loại nào tốt"  # "kim" is an anchor word, not a donation word
    assert mixed.match(text) == plain.match(text)


def test_examples_file_is_the_tuning_sets_faq_rows() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "faq_examples.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    examples = load_examples(EXAMPLES)
    ids = {e.id for e in load_faq(ROOT / "data" / "faq.vi.toml")}
    assert set(examples) <= ids
    assert sum(map(len, examples.values())) >= 800
    assert load_examples(ROOT / "data" / "no-such-file.tsv") == {}
