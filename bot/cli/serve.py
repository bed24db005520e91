"""`donorbot run [--console] [--user NAME]`: serve the chat on Telegram (with a token) or the console."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.bootstrap import Channel, build_app, freeze_startup_objects, serve
from bot.channels.console import ConsoleChannel
from core.config import Settings, StartupError, hotline_problems
from domain import limits
from domain.text import clean_input
from models.db import describe

log = logging.getLogger("donorbot")


def console_user(value: str | None) -> str | None:
    """`run --user NAME`: the console's user, to try the bot as someone else (a second donor)."""
    if value is None:
        return None
    name = clean_input(value).strip()
    if not name or len(name) > limits.USER_ID or any(ch.isspace() for ch in name):
        raise StartupError(f"--user: {value!r} must be one word of 1 to {limits.USER_ID} characters")
    return name


async def run_bot(settings: Settings, *, console: bool, user: str | None = None) -> None:
    """The composition root wires the app and serves one channel with the delivery loop and the
    scheduler (`bot.bootstrap.serve`), whichever channel it is."""
    for problem in hotline_problems(settings):
        log.warning("%s", problem)
    app = build_app(settings)
    await app.prepare()
    freeze_startup_objects()
    stop = asyncio.Event()
    channel: Channel
    try:
        if settings.telegram_token and not console:
            # imported here: python-telegram-bot takes a fifth of a second to load, which the console
            # and every other command would pay for nothing
            from bot.channels.telegram import TelegramChannel

            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            log.info("polling Telegram at %s", settings.telegram.api_base_url)
            channel = TelegramChannel(app, token=settings.telegram_token)
        else:
            log.info("no TELEGRAM_BOT_TOKEN: console channel on %s", describe(settings.database.url))
            channel = ConsoleChannel(app, user=user)
        await serve(app, [channel], stop=stop)
    finally:
        await app.close()
