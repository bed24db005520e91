"""`donorbot` command line: run the bot, upgrade the database, check configuration and data files."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot import announce_cli, callout_cli, drive_cli, organiser_cli
from bot.bootstrap import quiet_leaky_loggers
from core.config import (
    ConfigError,
    Settings,
    StartupError,
    hotline_problems,
    load_settings,
)
from core.i18n import CatalogError
from core.knowledge import KnowledgeError
from domain import limits
from domain.text import clean_input
from models.db import (
    DatabaseUnavailable,
    check_database,
    describe,
    is_database_error,
    loggable,
    upgrade_database,
)

log = logging.getLogger("donorbot")


class RedactingFormatter(logging.Formatter):
    """Cuts secrets (the bot token, the database password) out of every record, tracebacks included.

    The code never logs them; this catches a library that puts one into an exception's text.
    """

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.secrets = tuple(secret for secret in secrets if secret)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)

    def formatException(self, ei: Any) -> str:
        """A database error's traceback without its texts: asyncpg's repeat the statement's values.

        The dispatcher logs a failed turn this way itself; this covers every other logger (the delivery
        loop, the scheduler's jobs, a library).
        """
        error = ei[1]
        if isinstance(error, BaseException) and is_database_error(error):
            frames = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
            return f"Traceback (most recent call last; texts left out):\n{frames}{loggable(error)}"
        return super().formatException(ei)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "<secret>")
    return text


def secrets_of(settings: Settings) -> tuple[str, ...]:
    from sqlalchemy.engine import make_url

    password = make_url(settings.database.url).password
    return tuple(str(s) for s in (settings.telegram_token, password) if s)


def setup_logging(level: str = "INFO", *, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    logging.basicConfig(level=level, handlers=[handler])
    quiet_leaky_loggers()  # the token (httpx URLs) and personal data (SQL parameters) stay out
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


async def _run(settings: Settings, *, console: bool, user: str | None = None) -> None:
    """`donorbot run`: the composition root wires the app and serves one channel with the delivery loop
    and the scheduler (`bot.bootstrap.serve`), whichever channel it is."""
    from bot.bootstrap import Channel, build_app, freeze_startup_objects, serve

    for problem in hotline_problems(settings):
        log.warning("%s", problem)
    app = build_app(settings)
    await app.prepare()
    freeze_startup_objects()
    stop = asyncio.Event()
    channel: Channel
    try:
        if settings.telegram_token and not console:
            from bot.channels.telegram import TelegramChannel

            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            log.info("polling Telegram at %s", settings.telegram.api_base_url)
            channel = TelegramChannel(app, token=settings.telegram_token)
        else:
            from bot.channels.console import ConsoleChannel

            log.info("no TELEGRAM_BOT_TOKEN: console channel on %s", describe(settings.database.url))
            channel = ConsoleChannel(app, user=user)
        await serve(app, [channel], stop=stop)
    finally:
        await app.close()


def console_user(value: str | None) -> str | None:
    """`run --user NAME`: the console's user, to try the bot as someone else (a second donor)."""
    if value is None:
        return None
    name = clean_input(value).strip()
    if not name or len(name) > limits.USER_ID or any(ch.isspace() for ch in name):
        raise StartupError(f"--user: {value!r} must be one word of 1 to {limits.USER_ID} characters")
    return name


def check_data_files(files: list[Path]) -> int:
    """`donorbot faq check FILE...`: every problem with its file and line (or key), exit 2 if any.

    A FAQ file is checked together with its other-language sibling (faq.vi.toml ↔ faq.en.toml) so a
    missing translation shows up; a file with an `[age]` table is read as the eligibility rules.
    """
    from domain.faq_file import check_faq_files
    from domain.rules_file import RulesError, load_rules

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
        return 2
    print(f"OK: {', '.join(str(f) for f in files)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="donorbot", description=__doc__)
    parser.add_argument("--config", type=Path, help="config file (default: config.toml)")
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the bot (Telegram with a token, else the console)")
    run.add_argument("--console", action="store_true", help="use the console even with a token")
    run.add_argument("--user", help="the console's user (default: your login), to be someone else")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    config = sub.add_parser("config", help="check the configuration file and connect to the database")
    config.add_argument("action", choices=["check"])
    drive_cli.add_parser(sub)
    organiser_cli.add_parser(sub)
    announce_cli.add_parser(sub)
    callout_cli.add_parser(sub)
    faq = sub.add_parser("faq", help="validate FAQ or eligibility rules files")
    faq.add_argument("action", choices=["check"])
    faq.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "faq":
        return check_data_files(args.files)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    for note in settings.deprecations:
        print(f"Configuration note: {note}", file=sys.stderr)
    secrets = secrets_of(settings)
    setup_logging(args.log_level, secrets=secrets)
    try:
        return _command(args, settings)
    except (StartupError, DatabaseUnavailable) as exc:  # settings that load but do not work
        print(redact(str(exc), secrets), file=sys.stderr)
        return 2
    except CatalogError as exc:
        print(f"Message catalog error: {exc}", file=sys.stderr)
        return 2
    except KnowledgeError as exc:
        print(f"Data file error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: the traceback as Python would print it, without the secrets
        print(redact("".join(traceback.format_exception(exc)), secrets), end="", file=sys.stderr)
        return 1


def _command(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "run"
    if command == "run":
        user = console_user(getattr(args, "user", None))
        asyncio.run(_run(settings, console=getattr(args, "console", False) or user is not None, user=user))
    elif command == "db":
        upgrade_database(settings.database.url)
        print(f"Database schema is up to date ({describe(settings.database.url)}).")
    elif command == "drive":
        return asyncio.run(drive_cli.run(args, settings))
    elif command == "organiser":
        return asyncio.run(organiser_cli.run(args, settings))
    elif command == "callout":
        return asyncio.run(callout_cli.run(args, settings))
    elif command == "announce":
        return asyncio.run(announce_cli.run(args, settings))
    elif command == "config":
        from core.i18n import Catalogs
        from core.knowledge import load_knowledge

        Catalogs()
        load_knowledge(settings)
        name = args.config or "config.toml"
        if problems := hotline_problems(settings):
            for problem in problems:
                print(f"{name}: {problem}", file=sys.stderr)
            return 2
        asyncio.run(check_database(settings.database.url))
        print(f"Configuration is valid: {name}")
        print(f"Database reachable: {describe(settings.database.url)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
