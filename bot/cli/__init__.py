"""The `donorbot` command (`main`, the entry point in pyproject.toml); `python -m bot.cli` runs it too.

`main` parses the command line and hands each sub-command to its module: `serve` (run), `checks` (db,
config, faq), `drives`, `organisers`, `announce`. Those that touch the database share `harness`: one
unit of work as the chat opens it, one actor, one error style.
"""

from bot.cli.main import main

__all__ = ["main"]
