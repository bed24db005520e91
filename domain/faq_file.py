"""The FAQ data files: ``data/faq.vi.toml`` and ``data/faq.en.toml``, and their checks.

Both files hold the same entry ids; each entry has typical phrasings (``questions``) and a
plain-text ``answer``. Organisers edit them, so :func:`load_faq` reads one file and raises
:class:`FaqError` listing every schema problem with its ``file:line``; :func:`check_faq_files`
also compares the languages and lints (NFC, question counts, the same question under two ids)
for ``donorbot faq check``. Matching the entries is :mod:`domain.faq_index`.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from domain.lexicon import canonical_tokens

__all__ = [
    "MAX_ANSWER_CHARS",
    "MAX_ID_CHARS",
    "MAX_QUESTIONS",
    "MIN_QUESTIONS",
    "FaqEntry",
    "FaqError",
    "check_faq_files",
    "load_faq",
]

MAX_ANSWER_CHARS = 900
MIN_QUESTIONS = 4
MAX_QUESTIONS = 8
MAX_ID_CHARS = 40  # a suggestion's button carries `faq:<id>`, and Telegram takes at most 64 bytes
_ID = re.compile(rf"^[a-z][a-z0-9_]{{0,{MAX_ID_CHARS - 1}}}$")
_KEYS = {"id", "topic", "questions", "answer", "source"}


class FaqError(ValueError):
    """A FAQ file that cannot be used; ``problems`` are "file:line: message" strings."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class FaqEntry:
    id: str
    topic: str
    questions: tuple[str, ...]
    answer: str
    source: str = ""


def _entry_lines(raw: str) -> list[tuple[int, dict[str, int]]]:
    """For each ``[[entry]]`` header in order: its line and the lines of its keys."""
    found: list[tuple[int, dict[str, int]]] = []
    key = re.compile(r"^\s*([A-Za-z_]+)\s*=")
    for number, line in enumerate(raw.splitlines(), start=1):
        if re.match(r"^\s*\[\[\s*entry\s*\]\]", line):
            found.append((number, {}))
        elif found and (m := key.match(line)):
            found[-1][1].setdefault(m.group(1), number)
    return found


def _parse(path: Path) -> tuple[list[tuple[FaqEntry, int]], list[str]]:
    """The well-formed entries with the line of their ``[[entry]]``, and the problems."""
    name = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{name}: cannot read: {exc}"]
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        return [], [f"{name}: invalid TOML: {exc}"]
    lines = _entry_lines(raw)
    problems: list[str] = []
    items = data.get("entry")
    if not isinstance(items, list) or not items:
        return [], [f"{name}:1: no [[entry]] tables"]
    entries: list[tuple[FaqEntry, int]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        start, keys = lines[index] if index < len(lines) else (0, {})

        def at(key: str, start: int = start, keys: dict[str, int] = keys) -> str:
            return f"{name}:{keys.get(key, start)}"

        if not isinstance(item, dict):
            problems.append(f"{name}:{start}: entry is not a table")
            continue
        bad = len(problems)
        for missing in sorted({"id", "topic", "questions", "answer"} - item.keys()):
            problems.append(f"{at('id')}: entry #{index + 1} has no '{missing}'")
        for unknown in sorted(item.keys() - _KEYS):
            problems.append(f"{at(unknown)}: unknown key '{unknown}'")
        eid, topic = item.get("id"), item.get("topic", "")
        questions, answer, source = item.get("questions"), item.get("answer"), item.get("source", "")
        label = f"entry '{eid}'" if isinstance(eid, str) else f"entry #{index + 1}"
        if "id" in item and (not isinstance(eid, str) or not _ID.match(eid)):
            problems.append(
                f"{at('id')}: id must be lower_snake_case text of at most {MAX_ID_CHARS} characters, "
                f"got {eid!r}"
            )
        elif isinstance(eid, str):
            if eid in seen:
                problems.append(f"{at('id')}: duplicate id '{eid}' (first at line {seen[eid]})")
            else:
                seen[eid] = keys.get("id", start)
        if not isinstance(topic, str) or ("topic" in item and not topic.strip()):
            problems.append(f"{at('topic')}: {label}: topic must be non-empty text")
        if "questions" in item and (
            not isinstance(questions, list)
            or not questions
            or not all(isinstance(q, str) and q.strip() for q in questions)
        ):
            problems.append(f"{at('questions')}: {label}: questions must be non-empty texts")
        if "answer" in item:
            if not isinstance(answer, str) or not answer.strip():
                problems.append(f"{at('answer')}: {label}: empty answer")
            elif len(answer.strip()) > MAX_ANSWER_CHARS:
                problems.append(
                    f"{at('answer')}: {label}: answer has {len(answer.strip())} characters,"
                    f" at most {MAX_ANSWER_CHARS}"
                )
        if not isinstance(source, str):
            problems.append(f"{at('source')}: {label}: source must be text")
        if len(problems) == bad:
            assert isinstance(eid, str)
            assert isinstance(questions, list)
            assert isinstance(answer, str)
            assert isinstance(topic, str)
            assert isinstance(source, str)
            entry = FaqEntry(
                id=eid,
                topic=topic.strip(),
                questions=tuple(q.strip() for q in questions),
                answer=answer.strip(),
                source=source.strip(),
            )
            entries.append((entry, start))
    return entries, problems


def load_faq(path: str | Path) -> list[FaqEntry]:
    """Reads one FAQ file; raises :class:`FaqError` listing every schema problem."""
    entries, problems = _parse(Path(path))
    if problems:
        raise FaqError(problems)
    return [entry for entry, _ in entries]


def check_faq_files(paths: Sequence[str | Path]) -> list[str]:
    """Every problem in the given FAQ files (one per language), as "file:line: message"."""
    problems: list[str] = []
    ids: dict[str, dict[str, int]] = {}
    for p in paths:
        path = Path(p)
        entries, found = _parse(path)
        problems.extend(found)
        owners: dict[str, str] = {}
        for entry, line in entries:
            where = f"{path}:{line}"
            if not MIN_QUESTIONS <= len(entry.questions) <= MAX_QUESTIONS:
                problems.append(
                    f"{where}: entry '{entry.id}' has {len(entry.questions)} questions,"
                    f" expected {MIN_QUESTIONS}–{MAX_QUESTIONS}"
                )
            for text in (entry.answer, entry.source, *entry.questions):
                if unicodedata.normalize("NFC", text) != text:
                    problems.append(f"{where}: entry '{entry.id}' has text not in NFC: {text[:40]!r}")
            for q in entry.questions:
                key = " ".join(canonical_tokens(q))
                other = owners.setdefault(key, entry.id)
                if other != entry.id:
                    problems.append(
                        f"{where}: question {q!r} of '{entry.id}' is also a question of '{other}'"
                    )
        ids[str(path)] = {entry.id: line for entry, line in entries}
    names = list(ids)
    for name in names:
        for other in names:
            if other == name:
                continue
            for missing in sorted(ids[name].keys() - ids[other].keys()):
                problems.append(f"{other}: id '{missing}' ({name}:{ids[name][missing]}) is missing here")
    return problems
