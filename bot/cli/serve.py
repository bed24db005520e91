"""`donorbot run [--console] [--user NAME]`: serve the chat on every channel with a token, or the console.
`donorbot web`: serve the organiser's web page alone."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING

from bot.bootstrap import App, Channel, freeze_startup_objects, open_app, serve
from bot.channels.console import ConsoleChannel
from core.config import Settings, StartupError, hotline_problems
from domain import limits
from domain.text import clean_input
from models.db import describe

if TYPE_CHECKING:
    from bot.web.server import WebServer

log = logging.getLogger("donorbot")


def console_user(value: str | None) -> str | None:
    """`run --user NAME`: the console's user, to try the bot as someone else (a second donor)."""
    if value is None:
        return None
    name = clean_input(value).strip()
    if not name or len(name) > limits.USER_ID or any(ch.isspace() for ch in name):
        raise StartupError(f"--user: {value!r} must be one word of 1 to {limits.USER_ID} characters")
    return name


def _needs_web(settings: Settings) -> bool:
    """The HTTP server starts only when something needs it: the Zalo webhook, media by URL, or
    `web.enabled` (health and metrics)."""
    zalo_webhook = bool(settings.zalo_token) and settings.zalo.mode == "webhook"
    telegram_webhook = bool(settings.telegram_token) and settings.telegram.mode == "webhook"
    media = bool(settings.zalo_token) and settings.web.public_url is not None
    # the organiser's web page (bot/web/pages) lives at web.public_url: /web sends links there
    pages = settings.web.public_url is not None
    return settings.web.enabled or zalo_webhook or telegram_webhook or media or pages


def build_channels(app: App, *, console: bool, user: str | None) -> tuple[list[Channel], WebServer | None]:
    """Every channel whose token is set (Telegram, Zalo, or both); the console when none is, or alone
    with `--console`. The HTTP server, when one of them needs it, with its routes mounted."""
    settings = app.settings
    web: WebServer | None = None
    if _needs_web(settings):
        from bot.web import health, site
        from bot.web.server import WebServer

        web = WebServer(settings, clock=app.clock)
        health.mount(web, app)
        site.mount(web, app)  # the organiser's web page (bot/web/site.py)
    if console or not (settings.telegram_token or settings.zalo_token):
        why = "--console" if console else "no TELEGRAM_BOT_TOKEN or ZALO_BOT_TOKEN"
        log.info("%s: console channel on %s", why, describe(settings.database.url))
        return [ConsoleChannel(app, user=user)], web
    channels: list[Channel] = []
    if settings.telegram_token:
        # imported here: python-telegram-bot takes a fifth of a second to load, which the console
        # and every other command would pay for nothing
        from bot.channels.telegram import TelegramChannel

        log.info("Telegram: %s at %s", settings.telegram.mode, settings.telegram.api_base_url)
        channels.append(TelegramChannel(app, token=settings.telegram_token, web=web))
    if settings.zalo_token:
        from bot.channels.zalo import ZaloChannel
        from bot.web.media import MediaStore

        media = None
        if web is not None and settings.web.public_url is not None:
            media = MediaStore(settings, clock=app.clock)
            media.mount(web)
        log.info("Zalo: %s at %s", settings.zalo.mode, settings.zalo.api_base_url)
        channels.append(ZaloChannel(app, token=settings.zalo_token, web=web, media=media))
    return channels, web


async def run_bot(settings: Settings, *, console: bool, user: str | None = None) -> None:
    """The composition root wires the app and serves its channels with one delivery loop and one
    scheduler (`bot.bootstrap.serve`), whichever channels they are."""
    for problem in hotline_problems(settings):
        log.warning("%s", problem)
    app = await open_app(settings)
    freeze_startup_objects()
    stop = asyncio.Event()
    try:
        channels, web = build_channels(app, console=console, user=user)
        if not isinstance(channels[0], ConsoleChannel):
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
        await serve(app, channels, stop=stop, web=web)
    finally:
        await app.close()


async def run_web(settings: Settings) -> None:
    """`donorbot web`: the organiser's web page with /healthz, /readyz and /metrics, and nothing else — no
    chat channel, no delivery loop, no scheduler. What its pages queue (a call-out's pushes) is sent by the
    process that runs the bot (`donorbot run`, which also sends the /web login links): a web process of its
    own behind the same reverse proxy, restarted or scaled without touching the chat. Until SIGINT/SIGTERM.
    """
    from bot.web import health, site
    from bot.web.server import WebServer

    app = await open_app(settings)
    app.running.web_only = True
    web = WebServer(settings, clock=app.clock)
    health.mount(web, app)
    site.mount(web, app)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await web.start()
        log.info("web page only, on %s (%s)", web.base_url, describe(settings.database.url))
        await stop.wait()
    finally:
        await web.stop()
        await app.close()
