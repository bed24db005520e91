"""`donorbot` command line: run the bot, upgrade the database, check configuration and data files."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli import (
    announce,
    callouts,
    checks,
    clubs,
    db,
    drives,
    exports,
    imports,
    organisers,
    poster,
    recognition,
    report,
    roster,
    targets,
)
from bot.cli.harness import EXIT_OK, EXIT_USAGE, guarded
from bot.cli.logs import secrets_of, setup_logging
from bot.cli.serve import console_user, run_bot, run_web
from core.config import ConfigError, Settings, load_settings


def parser() -> argparse.ArgumentParser:
    """Every sub-command; those that touch the database parse their own values (`bot.cli.harness`)."""
    parser = argparse.ArgumentParser(prog="donorbot", description=__doc__)
    parser.add_argument("--config", type=Path, help="config file (default: config.toml)")
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the bot (Telegram with a token, else the console)")
    run.add_argument("--console", action="store_true", help="use the console even with a token")
    run.add_argument("--user", help="the console's user (default: your login), to be someone else")
    sub.add_parser("web", help="serve the organiser's web page alone (no chat; `run` sends what it queues)")
    db.add_parser(sub)
    config = sub.add_parser("config", help="check the configuration file and connect to the database")
    config.add_argument("action", choices=["check"])
    drives.add_parser(sub)
    organisers.add_parser(sub)
    announce.add_parser(sub)
    callouts.add_parser(sub)
    recognition.add_parser(sub)
    report.add_parser(sub)
    roster.add_parser(sub)
    poster.add_parser(sub)
    targets.add_parser(sub)
    imports.add_parser(sub)
    exports.add_parser(sub)
    clubs.add_parser(sub)
    faq = sub.add_parser("faq", help="validate FAQ or eligibility rules files")
    faq.add_argument("action", choices=["check"])
    faq.add_argument("files", nargs="+", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "faq":  # needs no configuration
        return checks.check_data_files(args.files)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for note in settings.deprecations:
        print(f"Configuration note: {note}", file=sys.stderr)
    secrets = secrets_of(settings)
    setup_logging(args.log_level, secrets=secrets, format=settings.log.format)
    return guarded(lambda: _command(args, settings), secrets=secrets)


def _command(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "run"
    if command == "run":
        user = console_user(getattr(args, "user", None))
        asyncio.run(run_bot(settings, console=getattr(args, "console", False) or user is not None, user=user))
    elif command == "web":
        asyncio.run(run_web(settings))
    elif command == "db":
        if args.action == "backup":
            return db.backup(args, settings)
        return checks.upgrade(settings) if args.action == "upgrade" else asyncio.run(db.copy(args, settings))
    elif command == "drive":
        return asyncio.run(drives.run(args, settings))
    elif command == "organiser":
        return asyncio.run(organisers.run(args, settings))
    elif command == "callout":
        return asyncio.run(callouts.run(args, settings))
    elif command in ("target", "quota"):
        return asyncio.run(targets.run(args, settings))
    elif command == "announce":
        return asyncio.run(announce.run(args, settings))
    elif command == "report":
        return asyncio.run(report.run(args, settings))
    elif command == "roster":
        return asyncio.run(roster.run(args, settings))
    elif command == "poster":
        return asyncio.run(poster.run(args, settings))
    elif command == "import":
        return asyncio.run(imports.run(args, settings))
    elif command == "export":
        return asyncio.run(exports.run(args, settings))
    elif command in ("donor", "honours"):
        return asyncio.run(recognition.run(args, settings))
    elif command == "club":
        return asyncio.run(clubs.run(args, settings))
    elif command == "config":
        return checks.check_config(settings, args.config)
    return EXIT_OK
