"""The data the answers come from: eligibility rules and the FAQ, loaded once at start.

The donor age range is a rule of the law, so ``data/eligibility.toml`` ``[age]`` is its source. The
registration dialogue reads ``[registration] min_age``/``max_age`` of the configuration, which must
therefore say the same: :func:`load_knowledge` refuses to start when they differ, naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.config import RegistrationSettings, Settings
from domain.eligibility import Person
from domain.facts import extract_facts
from domain.faq_file import FaqEntry, FaqError, check_faq_files, load_faq
from domain.faq_index import FaqIndex
from domain.faq_model import load_examples
from domain.rules import Rules
from domain.rules_file import RulesError, load_rules
from domain.screening import check_groups


class KnowledgeError(Exception):
    """A rules or FAQ file is broken, or the configuration contradicts the rules; the message names
    the file, the line or key, the problem."""


@dataclass(frozen=True)
class Knowledge:
    rules: Rules
    faq: dict[str, FaqIndex]  # language -> index
    entries: dict[str, dict[str, FaqEntry]]  # language -> id -> entry

    def facts(self, text: str, today: date) -> Person | None:
        return extract_facts(text, today=today, rules=self.rules)

    def entry(self, lang: str, entry_id: str) -> FaqEntry | None:
        return self.entries.get(lang, {}).get(entry_id)


def age_limit_problems(registration: RegistrationSettings, rules: Rules, rules_file: Path) -> list[str]:
    """Each configured age limit that is not the rules file's, naming the key and the value to write."""
    pairs = (
        ("min_age", registration.min_age, "min_years", rules.age.min_years),
        ("max_age", registration.max_age, "max_years", rules.age.max_years),
    )
    return [
        f"registration.{key} is {value}, but age.{rule_key} in {rules_file} is {rule}"
        f" (the age range of the law is decided there): set registration.{key} = {rule}"
        for key, value, rule_key, rule in pairs
        if value != rule
    ]


def load_checked_rules(config: Settings) -> Rules:
    """The eligibility rules alone, checked as :func:`load_knowledge` checks them: for the commands that
    decide eligibility without answering questions (a call-out, a report, an import), which need not
    build the FAQ indexes (about a second)."""
    settings = config.knowledge
    try:
        rules = load_rules(settings.rules)
    except RulesError as exc:
        raise KnowledgeError(f"{settings.rules}: {exc}") from exc
    if problems := check_groups(rules):
        raise KnowledgeError(f"{settings.rules}: " + "; ".join(problems))
    if problems := age_limit_problems(config.registration, rules, settings.rules):
        raise KnowledgeError("; ".join(problems))
    return rules


def load_knowledge(config: Settings) -> Knowledge:
    settings = config.knowledge
    rules = load_checked_rules(config)
    files = {"vi": settings.faq_vi, "en": settings.faq_en}
    problems = check_faq_files(list(files.values()))
    if problems:
        raise KnowledgeError("; ".join(problems))
    try:
        loaded = {lang: load_faq(path) for lang, path in files.items()}
    except FaqError as exc:
        raise KnowledgeError(str(exc)) from exc
    examples = load_examples(settings.faq_examples)
    # Each language's index also finds the other's questions (an English message in a Vietnamese
    # chat), as bench/faq.py measures it.
    faq = {
        lang: FaqIndex.build(
            entries,
            also=[e for other, es in loaded.items() if other != lang for e in es],
            examples=examples,
        )
        for lang, entries in loaded.items()
    }
    return Knowledge(
        rules=rules,
        faq=faq,
        entries={lang: {e.id: e for e in entries} for lang, entries in loaded.items()},
    )
