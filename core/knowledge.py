"""The data the answers come from: eligibility rules and the FAQ, loaded once at start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.config import KnowledgeSettings
from domain.eligibility import Person
from domain.facts import extract_facts
from domain.faq_file import FaqEntry, FaqError, check_faq_files, load_faq
from domain.faq_index import FaqIndex
from domain.rules import Rules
from domain.rules_file import RulesError, load_rules
from domain.screening import check_groups


class KnowledgeError(Exception):
    """A rules or FAQ file is broken; the message names the file, the line or key, the problem."""


@dataclass(frozen=True)
class Knowledge:
    rules: Rules
    faq: dict[str, FaqIndex]  # language -> index
    entries: dict[str, dict[str, FaqEntry]]  # language -> id -> entry

    def facts(self, text: str, today: date) -> Person | None:
        return extract_facts(text, today=today, rules=self.rules)

    def entry(self, lang: str, entry_id: str) -> FaqEntry | None:
        return self.entries.get(lang, {}).get(entry_id)


def load_knowledge(settings: KnowledgeSettings) -> Knowledge:
    try:
        rules = load_rules(settings.rules)
    except RulesError as exc:
        raise KnowledgeError(f"{settings.rules}: {exc}") from exc
    if problems := check_groups(rules):
        raise KnowledgeError(f"{settings.rules}: " + "; ".join(problems))
    files = {"vi": settings.faq_vi, "en": settings.faq_en}
    problems = check_faq_files(list(files.values()))
    if problems:
        raise KnowledgeError("; ".join(problems))
    try:
        loaded = {lang: load_faq(path) for lang, path in files.items()}
    except FaqError as exc:
        raise KnowledgeError(str(exc)) from exc
    return Knowledge(
        rules=rules,
        faq={lang: FaqIndex.build(entries) for lang, entries in loaded.items()},
        entries={lang: {e.id: e for e in entries} for lang, entries in loaded.items()},
    )
