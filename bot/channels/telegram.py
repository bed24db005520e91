"""Telegram adapter on python-telegram-bot 22: updates in, neutral replies out.

Updates of different chats run concurrently; one chat's updates run strictly in order (PTB itself gives
no per-chat ordering when `concurrent_updates` is on), so a fast double tap cannot race a dialogue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import Application, BaseUpdateProcessor, ContextTypes, TypeHandler

from bot.bootstrap import App
from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.telegram_sender import TelegramSender, retry_after_seconds
from handlers.messages import Incoming, InputKind, Reply
from handlers.registry import MENU
from scheduler.jobs import build_scheduler

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_MESSAGE = 4096
MAX_CAPTION = 1024
REPLY_RETRIES = 3
MAX_REPLY_WAIT = 30.0
TELEGRAM_FREE_RATE = 30  # messages per second per bot without paid broadcasts
# Calls to the Bot API in flight at once (replies of concurrent chats plus pushes); see AiohttpRequest.
API_CONNECTIONS = 128


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs updates concurrently across chats but one at a time within a chat, in arrival order."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        key = chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:  # forget idle chats so the map does not grow forever
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def to_incoming(update: Update) -> Incoming | None:
    """The neutral form of a Telegram update, or None for updates the bot does not handle."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return None
    base: dict[str, Any] = {
        "platform": PLATFORM,
        "chat_id": str(chat.id),
        "user_id": str(user.id),
        "language_hint": (user.language_code or "")[:2] or None,
    }
    if (query := update.callback_query) is not None:
        ref = str(query.message.message_id) if query.message is not None else None
        return Incoming(kind=InputKind.CHOICE, choice=query.data or "", ref=ref, **base)
    message = update.message
    if message is None:
        return None
    if message.contact is not None:
        return Incoming(
            kind=InputKind.CONTACT,
            contact_phone=message.contact.phone_number,
            contact_is_own=message.contact.user_id == user.id,
            **base,
        )
    if message.text is not None:
        return Incoming(kind=InputKind.TEXT, text=message.text, **base)
    return Incoming(kind=InputKind.OTHER, **base)


def reply_markup(reply: Reply) -> Any:
    if reply.choices:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(c.label, callback_data=c.value) for c in row] for row in reply.choices]
        )
    if reply.request_contact:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(reply.request_contact, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cuts a long text at line breaks so each part fits one Telegram message."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return parts


async def _patiently(call: Callable[[], Awaitable[Any]]) -> Any:
    """Runs one Bot API call; on a 429 waits `retry_after` and tries again (a reply is never dropped).

    Several replies of one turn can exceed Telegram's one message per second per chat; the per-chat
    lock keeps their order while we wait.
    """
    for attempt in range(REPLY_RETRIES + 1):
        try:
            return await call()
        except RetryAfter as exc:
            if attempt == REPLY_RETRIES:
                raise
            await asyncio.sleep(min(retry_after_seconds(exc), MAX_REPLY_WAIT))
    return None


async def send_reply(bot: Any, chat_id: int, reply: Reply) -> None:
    markup = reply_markup(reply)
    if reply.attachment is not None:
        att = reply.attachment
        caption = reply.text if len(reply.text) <= MAX_CAPTION else None
        if caption is None:
            for part in split_text(reply.text):
                await _patiently(partial(bot.send_message, chat_id, part))
        send = bot.send_photo if att.is_image else bot.send_document
        kwargs: dict[str, Any] = {"photo" if att.is_image else "document": att.content}
        if not att.is_image:
            kwargs["filename"] = att.filename
        await _patiently(partial(send, chat_id, caption=caption, reply_markup=markup, **kwargs))
        return
    parts = split_text(reply.text)
    for part in parts[:-1]:
        await _patiently(partial(bot.send_message, chat_id, part))
    await _patiently(partial(bot.send_message, chat_id, parts[-1], reply_markup=markup))


def api_request() -> AiohttpRequest:
    """The transport of the bot's Bot API calls (replies and pushes); long polling has its own."""
    return AiohttpRequest(connection_pool_size=API_CONNECTIONS)


def build_application(app: App, *, token: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """The PTB application wired to the dispatcher; `api_base_url` may point at a local server."""
    base = app.settings.telegram.api_base_url
    application = (
        Application.builder()
        .token(token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .concurrent_updates(PerChatUpdateProcessor(app.settings.telegram.concurrent_updates))
        .request(api_request())
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .build()
    )

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = to_incoming(update)
        if incoming is None:
            return
        query = update.callback_query
        if query is not None:
            await _answer(query)
        replies = await app.dispatcher.handle(incoming)
        if query is not None:
            if replies and replies[0].edit and query.message is not None:
                await _edit_pressed(query, replies.pop(0))
            elif replies.taken:  # a failed or refused press keeps its buttons, to press again
                await _remove_buttons(query)
        for reply in replies:
            await send_reply(context.bot, int(incoming.chat_id), reply)

    application.add_handler(TypeHandler(Update, on_update))
    return application


async def _answer(query: Any) -> None:
    """Stops the button's spinner at once, before the turn runs."""
    try:
        await query.answer()
    except BadRequest as exc:  # too old to answer: nothing to fix
        log.info("could not answer a button press: %s", exc.message)


async def _remove_buttons(query: Any) -> None:
    """Removes the pressed keyboard so the same question cannot be answered twice."""
    try:
        if query.message is not None and getattr(query.message, "reply_markup", None):
            await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:  # the message is too old or already edited
        log.info("could not remove the buttons of a pressed message: %s", exc.message)


async def _edit_pressed(query: Any, reply: Reply) -> None:
    """Shows `reply` in place of the pressed message (a refreshed tally, a toggled choice)."""
    try:
        await query.edit_message_text(reply.text, reply_markup=reply_markup(reply))
    except BadRequest as exc:  # "message is not modified" when nothing changed: fine
        log.info("could not edit the pressed message: %s", exc.message)


async def set_commands(app: App, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for lang in app.catalogs.languages():
        t = app.catalogs.get(lang)
        commands = [BotCommand(name, t(f"cmd_{name}")) for name in MENU]
        try:
            language_code = None if lang == app.settings.bot.default_language else lang
            await application.bot.set_my_commands(commands, language_code=language_code)
        except TelegramError as exc:
            log.warning("could not set the %s command menu: %s", lang, exc)


async def run_polling(app: App, *, token: str, stop: asyncio.Event) -> None:
    """Polls Telegram until `stop` is set; used by `donorbot run` and by the end-to-end tests."""
    application = build_application(app, token=token)
    async with application:
        app.dispatcher.bot_username = application.bot.username
        await set_commands(app, application)
        limits = app.settings.delivery
        if limits.rate_per_second > TELEGRAM_FREE_RATE and not limits.paid_broadcast:
            log.warning(
                "delivery.rate_per_second is %g but Telegram allows %d msg/s without paid_broadcast: "
                "expect 429s",
                limits.rate_per_second,
                TELEGRAM_FREE_RATE,
            )
        sender = TelegramSender(application.bot, paid_broadcast=limits.paid_broadcast)
        delivery = app.delivery_loop({PLATFORM: sender})
        app.dispatcher.on_pushed = delivery.wake
        pushes = asyncio.create_task(delivery.run(stop))
        scheduler = build_scheduler(app)  # plans reminders into the outbox; the delivery loop sends them
        scheduler.start()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=app.settings.telegram.poll_timeout, drop_pending_updates=False
        )
        await stop.wait()
        scheduler.shutdown(wait=False)  # a planning run cut short is rolled back and simply runs again
        await application.updater.stop()
        await application.stop()
        await pushes
