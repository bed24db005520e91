"""FAQ matcher benchmark: accuracy on tests/data/faq_eval.tsv and answer time per question.

Run: .venv/bin/python bench/faq.py [--method bm25|fuzzy|combined|all] [--sweep] [--quiet]

Prints the accuracy per label kind, the confusion list (expected → got, text), p50/p95 time
to understand one message, and ends with one line of key=value figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.faq_scorers import PRODUCTION, Method, ScorerIndex  # noqa: E402
from domain.eligibility import Person  # noqa: E402
from domain.facts import extract_facts  # noqa: E402
from domain.faq_file import load_faq  # noqa: E402
from domain.intents import Intent  # noqa: E402
from domain.questions import Kind, Understanding, understand  # noqa: E402
from domain.rules_file import load_rules  # noqa: E402

EVAL = ROOT / "tests" / "data" / "faq_eval.tsv"
TODAY = date(2025, 6, 1)
SMALL_TALK = {Intent.GREETING, Intent.THANKS}


def read_eval(path: Path = EVAL) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, label, lang = line.split("\t")
        rows.append((text, label, lang))
    return rows


def got_label(u: Understanding) -> str:
    if u.kind is Kind.FAQ and u.entry is not None:
        return f"faq:{u.entry.id}"
    if u.kind is Kind.INTENT and u.intent is not None:
        return f"intent:{u.intent}"
    if u.kind is Kind.VERDICT:
        return "verdict"
    return "none"


def is_right(label: str, u: Understanding) -> bool:
    if label == "none":
        return u.kind is Kind.UNSURE or (u.kind is Kind.INTENT and u.intent in SMALL_TALK)
    return got_label(u) == label


def real_extractor() -> Callable[[str, date], Person | None]:
    rules = load_rules(ROOT / "data" / "eligibility.toml")

    def extract(text: str, today: date) -> Person | None:
        return extract_facts(text, today=today, rules=rules)

    return extract


def build(method: Method, threshold: float | None = None, margin: float | None = None) -> dict:
    vi = load_faq(ROOT / "data" / "faq.vi.toml")
    en = load_faq(ROOT / "data" / "faq.en.toml")
    kw = {"method": method, "threshold": threshold, "margin": margin}
    return {
        "vi": ScorerIndex.with_method(vi, also=en, **kw),
        "en": ScorerIndex.with_method(en, also=vi, **kw),
        "entries": len(vi),
    }


def run(
    method: Method, *, verbose: bool, threshold: float | None = None, margin: float | None = None
) -> dict:
    idx = build(method, threshold, margin)
    rows = read_eval()
    extractor = real_extractor()
    per_kind: dict[str, list[bool]] = {"faq": [], "intent": [], "none": [], "verdict": []}
    misses: list[tuple[str, str, str]] = []
    times: list[float] = []
    stolen: list[str] = []
    for text, label, lang in rows:
        index = idx[lang]
        kind = label.split(":")[0]
        if kind == "verdict":
            u = understand(text, index=index, today=TODAY, facts_extractor=extractor)
        else:
            start = time.perf_counter()
            u = understand(text, index=index, today=TODAY)
            times.append((time.perf_counter() - start) * 1000)
            if kind in {"faq", "none"}:
                with_facts = understand(text, index=index, today=TODAY, facts_extractor=extractor)
                if with_facts.kind is Kind.VERDICT:
                    stolen.append(f"{label} | {text}")
        ok = is_right(label, u)
        per_kind[kind].append(ok)
        if not ok:
            misses.append((label, got_label(u), text))
    labelled = per_kind["faq"] + per_kind["intent"]
    acc = sum(labelled) / len(labelled)
    none_unsure = sum(per_kind["none"]) / len(per_kind["none"])
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    if verbose:
        print(f"== method={method} threshold={idx['vi'].threshold} margin={idx['vi'].margin}")
        for kind, oks in per_kind.items():
            if oks:
                print(f"  {kind:8} {sum(oks):4}/{len(oks):<4} {sum(oks) / len(oks):.3f}")
        print(f"  confusion ({len(misses)}): expected → got | text")
        for label, got, text in sorted(misses):
            print(f"    {label} → {got} | {text}")
        if stolen:
            print(f"  rows the real facts extractor routes to a verdict instead ({len(stolen)}):")
            for text in stolen:
                print(f"    {text}")
        print(f"  answer time p50={p50:.2f} ms p95={p95:.2f} ms")
    verdict = per_kind["verdict"]
    return {
        "entries": idx["entries"],
        "eval": len(rows),
        "acc": acc,
        "none_unsure": none_unsure,
        "verdict": (sum(verdict) / len(verdict)) if verdict else None,
        "p50": p50,
        "p95": p95,
        "misses": Counter(m[0].split(":")[0] for m in misses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--method", default="default", choices=["default", "bm25", "fuzzy", "combined", "all"]
    )
    parser.add_argument("--sweep", action="store_true", help="try thresholds and margins")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    default: Method = PRODUCTION
    if args.sweep:
        for method in ("bm25", "fuzzy", "combined"):
            for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
                for margin in (0.0, 0.05, 0.1, 0.15):
                    r = run(method, verbose=False, threshold=threshold, margin=margin)  # type: ignore[arg-type]
                    print(
                        f"{method:8} t={threshold:.2f} m={margin:.2f} acc={r['acc']:.3f}"
                        f" none_unsure={r['none_unsure']:.3f}"
                    )
        return
    methods: list[Method] = (
        ["bm25", "fuzzy", "combined"]
        if args.method == "all"
        else [default if args.method == "default" else args.method]  # type: ignore[list-item]
    )
    result = {}
    for method in methods:
        result = run(method, verbose=not args.quiet)
        if args.method == "all":
            print(
                f"  {method}: acc={result['acc']:.3f} none_unsure={result['none_unsure']:.3f}"
                f" p95_ms={result['p95']:.2f}"
            )
    verdict = "n/a" if result["verdict"] is None else f"{result['verdict']:.2f}"
    print(
        f"faq entries={result['entries']} eval={result['eval']} acc={result['acc']:.2f}"
        f" none_unsure={result['none_unsure']:.2f} verdict={verdict}"
        f" p50_ms={result['p50']:.1f} p95_ms={result['p95']:.1f}"
    )


if __name__ == "__main__":
    main()
