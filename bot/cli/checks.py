"""`donorbot db upgrade`, `config check` and `faq check FILE...`: set up and check before running."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.cli.harness import EXIT_OK, EXIT_USAGE
from core.config import Settings, hotline_problems
from core.i18n import Catalogs
from core.knowledge import load_knowledge
from domain.faq_file import check_faq_files
from domain.rules_file import RulesError, load_rules
from models.db import check_database, describe, upgrade_database


def upgrade(settings: Settings) -> int:
    """`donorbot db upgrade`: the schema brought to the newest migration."""
    upgrade_database(settings.database.url)
    print(f"Database schema is up to date ({describe(settings.database.url)}).")
    return EXIT_OK


def check_config(settings: Settings, config: Path | None) -> int:
    """`donorbot config check`: catalogs, data files and hotlines load, and the database answers.

    A broken catalog or data file raises (`bot.cli.harness.guarded` prints it); a hotline problem is
    printed with the file's name, exit 2.
    """
    Catalogs()
    load_knowledge(settings)
    name = config or "config.toml"
    if problems := hotline_problems(settings):
        for problem in problems:
            print(f"{name}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    asyncio.run(check_database(settings.database.url))
    print(f"Configuration is valid: {name}")
    print(f"Database reachable: {describe(settings.database.url)}")
    return EXIT_OK


def check_data_files(files: list[Path]) -> int:
    """`donorbot faq check FILE...`: every problem with its file and line (or key), exit 2 if any.

    A FAQ file is checked together with its other-language sibling (faq.vi.toml ↔ faq.en.toml) so a
    missing translation shows up; a file with an `[age]` table is read as the eligibility rules.
    """
    problems: list[str] = []
    faq_files: list[Path] = []
    for path in files:
        if not path.exists():
            problems.append(f"{path}: file not found")
        elif "[age]" in path.read_text(encoding="utf-8"):
            try:
                load_rules(path)
            except RulesError as exc:
                problems.append(f"{path}: {exc}")
        else:
            faq_files.append(path)
            for a, b in ((".vi.", ".en."), (".en.", ".vi.")):
                sibling = path.with_name(path.name.replace(a, b))
                if a in path.name and sibling.exists() and sibling not in files:
                    faq_files.append(sibling)
    if faq_files:
        problems.extend(check_faq_files(faq_files))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return EXIT_USAGE
    print(f"OK: {', '.join(str(f) for f in files)}")
    return EXIT_OK
