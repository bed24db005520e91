"""Cross-validation of the FAQ classifier on the tuning set: the honest tuning figure once the
classifier learns from tuning lines (data/faq_examples.tsv is the tuning set's FAQ rows).

Run: .venv/bin/python bench/faq_cv.py [--folds 5] [--rerank 0 0.1 0.2 …]

Row i of tests/data/faq_eval.tsv is in fold i mod --folds; each fold is understood (as in the
chat, facts extractor included) by indexes whose classifier learned from the FAQ questions and the
FAQ rows of the other folds. Prints, per --rerank weight, top-1 (FAQ and request rows), "not sure"
on off-topic rows and the verdict share, as bench/faq.py does. Never reads the held-out set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.faq import TODAY, is_right, read_eval, real_extractor  # noqa: E402
from domain.faq_file import load_faq  # noqa: E402
from domain.faq_index import RERANK, FaqIndex  # noqa: E402
from domain.questions import understand  # noqa: E402


def cross_validate(folds: int, rerank: float) -> dict[str, float]:
    vi = load_faq(ROOT / "data" / "faq.vi.toml")
    en = load_faq(ROOT / "data" / "faq.en.toml")
    rows = read_eval()
    extractor = real_extractor()
    per: dict[str, list[bool]] = {"faq": [], "intent": [], "none": [], "verdict": []}
    for fold in range(folds):
        examples: dict[str, list[str]] = {}
        for i, (text, label, _) in enumerate(rows):
            if i % folds != fold and label.startswith("faq:"):
                examples.setdefault(label.removeprefix("faq:"), []).append(text)
        index = {
            "vi": FaqIndex.build(vi, also=en, examples=examples, rerank=rerank),
            "en": FaqIndex.build(en, also=vi, examples=examples, rerank=rerank),
        }
        for i, (text, label, lang) in enumerate(rows):
            if i % folds == fold:
                u = understand(text, index=index[lang], today=TODAY, facts_extractor=extractor)
                per[label.split(":")[0]].append(is_right(label, u))
    labelled = per["faq"] + per["intent"]
    return {
        "top1": sum(labelled) / len(labelled),
        "notsure": sum(per["none"]) / len(per["none"]),
        "verdict": sum(per["verdict"]) / len(per["verdict"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--rerank", type=float, nargs="+", default=[RERANK])
    args = parser.parse_args()
    for rerank in args.rerank:
        r = cross_validate(args.folds, rerank)
        print(
            f"cv folds={args.folds} rerank={rerank} cv_top1={r['top1']:.3f}"
            f" cv_notsure={r['notsure']:.3f} cv_verdict={r['verdict']:.3f}"
        )


if __name__ == "__main__":
    main()
