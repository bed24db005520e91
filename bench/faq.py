"""FAQ matcher benchmark: accuracy on the tuning set and on the frozen held-out set, and answer time.

Run: .venv/bin/python bench/faq.py [--method bm25|fuzzy|combined|chargram|all] [--sweep] [--quiet]
     [--tune-only]

Two sets, printed separately: tests/data/faq_eval.tsv is the tuning set (weights, thresholds and
lexicon entries are chosen on it); tests/data/faq_heldout.tsv was written before any tuning and is
never used to choose anything, so its figure is the honest one. ``--sweep`` and ``--tune-only`` look
at the tuning set alone. For each set: the accuracy per label kind, the confusion list (expected →
got, text), p50/p95 time to understand one message (as in the chat, facts extractor included; the
fastest of 3 runs of each message, since other processes share the machine); the run ends with one
line of key=value figures. The held-out set's misses are counted, never printed.
"""

from __future__ import annotations

import argparse
import math
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
from domain.faq_index import forget_read_texts  # noqa: E402
from domain.faq_model import load_examples  # noqa: E402
from domain.intents import Intent  # noqa: E402
from domain.questions import Kind, Understanding, understand  # noqa: E402
from domain.rules_file import load_rules  # noqa: E402

EVAL = ROOT / "tests" / "data" / "faq_eval.tsv"
HELDOUT = ROOT / "tests" / "data" / "faq_heldout.tsv"
EXAMPLES = ROOT / "data" / "faq_examples.tsv"
TODAY = date(2025, 6, 1)
SMALL_TALK = {Intent.GREETING, Intent.THANKS}
REPEATS = 3


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
    kw = {"method": method, "threshold": threshold, "margin": margin, "examples": load_examples(EXAMPLES)}
    return {
        "vi": ScorerIndex.with_method(vi, also=en, **kw),
        "en": ScorerIndex.with_method(en, also=vi, **kw),
        "entries": len(vi),
    }


def run(
    method: Method,
    *,
    verbose: bool,
    threshold: float | None = None,
    margin: float | None = None,
    path: Path = EVAL,
) -> dict:
    idx = build(method, threshold, margin)
    rows = read_eval(path)
    extractor = real_extractor()
    per_kind: dict[str, list[bool]] = {"faq": [], "intent": [], "none": [], "verdict": []}
    misses: list[tuple[str, str, str]] = []
    times: list[float] = []
    stolen: list[str] = []
    for text, label, lang in rows:
        index = idx[lang]
        kind = label.split(":")[0]
        # As in the chat: the facts extractor is always there, so a question it wrongly reads as
        # personal facts is a miss (listed again under "stolen").
        best = math.inf
        for _ in range(REPEATS):  # the fastest of REPEATS: other processes share the 2 cores
            forget_read_texts()  # as a new message: not the tokens remembered from the run before
            start = time.perf_counter()
            u = understand(text, index=index, today=TODAY, facts_extractor=extractor)
            best = min(best, (time.perf_counter() - start) * 1000)
        times.append(best)
        if kind in {"faq", "intent", "none"} and u.kind is Kind.VERDICT:
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
        print(f"== {path.name}: method={method} threshold={idx['vi'].threshold} margin={idx['vi'].margin}")
        for kind, oks in per_kind.items():
            if oks:
                print(f"  {kind:8} {sum(oks):4}/{len(oks):<4} {sum(oks) / len(oks):.3f}")
        if path == HELDOUT:
            # Never its lines: a fix chosen by reading them would make the figure dishonest.
            print(f"  {len(misses)} misses, {len(stolen)} taken as personal facts (lines not shown)")
        else:
            print(f"  confusion ({len(misses)}): expected → got | text")
            for label, got, text in sorted(misses):
                print(f"    {label} → {got} | {text}")
        if stolen and path != HELDOUT:
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
        "times": times,
        "misses": Counter(m[0].split(":")[0] for m in misses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--method", default="default", choices=["default", "bm25", "fuzzy", "combined", "chargram", "all"]
    )
    parser.add_argument("--sweep", action="store_true", help="try thresholds and margins (tuning set)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--tune-only", action="store_true", help="leave the held-out set out")
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
        ["bm25", "fuzzy", "combined", "chargram"]
        if args.method == "all"
        else [default if args.method == "default" else args.method]  # type: ignore[list-item]
    )
    tune: dict = {}
    held: dict | None = None
    for method in methods:
        tune = run(method, verbose=not args.quiet)
        held = None if args.tune_only else run(method, verbose=not args.quiet, path=HELDOUT)
        if args.method == "all":
            print(
                f"  {method}: tune_top1={tune['acc']:.3f} tune_notsure={tune['none_unsure']:.3f}"
                + ("" if held is None else f" heldout_top1={held['acc']:.3f}")
                + ("" if held is None else f" offtopic_notsure={held['none_unsure']:.3f}")
            )
    times = sorted(tune["times"] + ([] if held is None else held["times"]))
    p95 = times[int(0.95 * (len(times) - 1))]
    figures = [
        f"faq_entries={tune['entries']}",
        f"tune_rows={tune['eval']}",
        f"tune_top1={tune['acc']:.3f}",
        f"tune_notsure={tune['none_unsure']:.3f}",
        f"tune_verdict={_share(tune['verdict'])}",
    ]
    if held is not None:
        figures += [
            f"heldout_rows={held['eval']}",
            f"heldout_top1={held['acc']:.3f}",
            f"offtopic_notsure={held['none_unsure']:.3f}",
            f"verdict_acc={_share(held['verdict'])}",
        ]
    figures += [f"p50_ms={statistics.median(times):.2f}", f"p95_ms={p95:.2f}"]
    print(" ".join(figures))


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
