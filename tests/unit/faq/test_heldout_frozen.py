"""The held-out set is frozen: its hash is the one recorded in the README.

The held-out figure is honest only while nobody tunes on the file or edits it to fit the results;
a changed file must come with a changed README line, in the same commit, for a reviewer to see.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from domain.faq_file import load_faq
from domain.intents import Intent
from domain.text import fold

ROOT = Path(__file__).resolve().parents[3]
HELDOUT = ROOT / "tests" / "data" / "faq_heldout.tsv"
EVAL = ROOT / "tests" / "data" / "faq_eval.tsv"


def _rows(path: Path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def _key(text: str) -> str:
    """A line as the matcher reads it: diacritics and case folded, punctuation and spacing dropped."""
    return " ".join(re.sub(r"[^\w ]", " ", fold(text)).split())


def test_heldout_hash_matches_the_readme() -> None:
    recorded = re.findall(r"heldout_sha256=([0-9a-f]{64})", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(recorded) == 1, "README.md must record the held-out set's sha256 once"
    assert hashlib.sha256(HELDOUT.read_bytes()).hexdigest() == recorded[0]


def test_heldout_shape_and_size() -> None:
    held = _rows(HELDOUT)
    assert all(len(r) == 3 for r in held)
    labels = [r[1] for r in held]
    assert len(held) >= 200
    assert labels.count("none") >= 30
    assert sum(r[2] == "en" for r in held) >= 30
    tuning = {_key(r[0]) for r in _rows(EVAL)}
    assert len(tuning) >= 400
    assert len(held) + len(tuning) >= 600


def test_no_tuning_line_is_a_heldout_line_once_folded() -> None:
    """A tuning line "có mấy nhóm máu" and a held-out "co may nhom mau" are one question to the
    matcher, which folds diacritics and case first. Listed are the tuning lines to remove."""
    held = {_key(r[0]) for r in _rows(HELDOUT)}
    assert [r[0] for r in _rows(EVAL) if _key(r[0]) in held] == []


def test_the_overlap_key_folds_marks_case_and_spacing() -> None:
    assert _key("Có mấy  nhóm máu?") == _key("co may nhom mau") == "co may nhom mau"
    assert _key("Đăng ký ở đâu") == "dang ky o dau"


def test_heldout_labels_name_real_entries_and_intents() -> None:
    ids = {e.id for e in load_faq(ROOT / "data" / "faq.vi.toml")}
    intents = {i.value for i in Intent}
    for text, label, lang in _rows(HELDOUT):
        kind, _, name = label.partition(":")
        assert lang in {"vi", "en"}, text
        assert kind in {"faq", "intent", "verdict", "none"}, text
        assert name in (ids if kind == "faq" else intents if kind == "intent" else {""}), text
