"""Every migration's title is one line: Alembic prints it at start ("Running upgrade 0021 -> 0022, …"), and a
second line would reach stderr on its own, where the start-up's one-line errors are read (test_startup)."""

from __future__ import annotations

import ast
from pathlib import Path

VERSIONS = Path(__file__).resolve().parents[2] / "models" / "migrations" / "versions"


def test_every_migration_title_is_one_line() -> None:
    files = sorted(VERSIONS.glob("*.py"))
    assert len(files) >= 23
    for path in files:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        lines = doc.splitlines()
        assert len(lines) >= 2 and lines[0].strip() and not lines[1].strip(), f"{path.name}: {lines[:2]}"
