"""Telegram adapter on python-telegram-bot 22: updates in, neutral replies out.

Updates of different chats run concurrently; one chat's updates run strictly in order (PTB itself gives
no per-chat ordering when `concurrent_updates` is on), so a fast double tap cannot race a dialogue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from aiohttp import web
from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, BaseUpdateProcessor, ContextTypes, TypeHandler

from bot.bootstrap import App
from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.replies import Outgoing, ReplyCourier
from bot.channels.telegram_sender import MAX_CAPTION, MAX_MESSAGE, TelegramSender
from bot.web.server import WebServer
from bot.web.webhook import TELEGRAM_SECRET_HEADER, read_one_json, secret_guard
from core import metrics
from core.config import Settings, StartupError
from core.i18n import Catalogs
from domain import commands
from domain.message_split import split_message
from handlers.messages import Incoming, InputKind, Reply
from handlers.ordering import PerChat
from models import organisers
from models.db import create_engine, session_factory
from models.outbox import File

log = logging.getLogger(__name__)

PLATFORM = "telegram"
TELEGRAM_FREE_RATE = 30  # messages per second per bot without paid broadcasts
# Calls to the Bot API in flight at once (replies of concurrent chats plus pushes); see AiohttpRequest.
API_CONNECTIONS = 128


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs updates concurrently across chats but one at a time within a chat, in arrival order
    (`handlers.ordering.PerChat`, which every channel uses); PTB's own processor bounds the total."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._chats = PerChat(max_concurrent_updates)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        async with self._chats.turn(PLATFORM, str(chat.id)):
            await coroutine

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


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cuts a long text at paragraph, line or word boundaries so each part fits one Telegram message."""
    return split_message(text, limit)


def outgoing(reply: Reply, *, edit_message_id: str | None = None) -> list[Outgoing]:
    """The Telegram messages of one reply: a long text cut into parts (the buttons go with the last),
    a file with the text as its caption, or after it when the text is too long for a caption."""
    keys: dict[str, Any] = {
        "choices": tuple(tuple((c.label, c.value) for c in row) for row in reply.choices),
        "contact_button": reply.request_contact,
        "remove_keyboard": reply.remove_keyboard,
    }
    if edit_message_id is not None:  # an edit is one message: Telegram refuses a longer text
        return [Outgoing(reply.text, edit_message_id=edit_message_id, choices=keys["choices"])]
    if (att := reply.attachment) is not None:
        file = File(att.filename, att.content, att.mime_type, is_image=att.is_image)
        if len(reply.text) <= MAX_CAPTION:
            return [Outgoing(reply.text, file=file, **keys)]
        return [Outgoing(part) for part in split_text(reply.text)] + [Outgoing("", file=file, **keys)]
    parts = split_text(reply.text)
    return [Outgoing(part) for part in parts[:-1]] + [Outgoing(parts[-1], **keys)]


def api_request() -> AiohttpRequest:
    """The transport of the bot's Bot API calls (replies and pushes); long polling has its own."""
    return AiohttpRequest(connection_pool_size=API_CONNECTIONS)


def build_application(app: App, *, token: str) -> tuple[Application[Any, Any, Any, Any, Any, Any], Menus]:
    """The PTB application wired to the dispatcher (and its command menus); `api_base_url` may point at a
    local server."""
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
    menus = Menus(app, application.bot)

    def wake() -> None:  # the delivery loop, once the composition root has started it
        if app.dispatcher.on_pushed is not None:
            app.dispatcher.on_pushed()

    # Replies are never sent as paid broadcasts: they answer someone who just wrote.
    courier = ReplyCourier(
        TelegramSender(application.bot), app.sessions, app.clock, platform=PLATFORM, wake=wake
    )

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = to_incoming(update)
        if incoming is None:
            return
        query = update.callback_query
        if query is not None:
            await _answer(query)
        replies = await app.dispatcher.handle(incoming)
        messages: list[Outgoing] = []
        if query is not None:
            if replies and replies[0].edit and query.message is not None:
                messages += outgoing(replies.pop(0), edit_message_id=str(query.message.message_id))
            elif replies.taken:  # a failed or refused press keeps its buttons, to press again
                await _remove_buttons(query)
        for reply in replies:
            messages += outgoing(reply)
        await courier.deliver(user_id=incoming.user_id, chat_id=incoming.chat_id, messages=messages)
        await menus.sync(incoming.chat_id, organiser=replies.organiser, lang=replies.lang)

    application.add_handler(TypeHandler(Update, on_update))
    return application, menus


async def _answer(query: Any) -> None:
    """Stops the button's spinner at once, before the turn runs; the turn runs even if this fails."""
    try:
        await query.answer()
    except TelegramError as exc:  # too old to answer (400), or Telegram in trouble: only a spinner
        log.info("could not answer a button press: %s", exc.message)


async def _remove_buttons(query: Any) -> None:
    """Removes the pressed keyboard so the same question cannot be answered twice, and leaves the
    answer on the question ("✓ Tam Lưu"), so the chat still shows what was chosen.

    Not retried: if Telegram fails here the buttons stay, and a second press of one is answered as
    the dialogue stands (an expired button, a sign-up already made)."""
    message = query.message
    try:
        if message is None or not getattr(message, "reply_markup", None):
            return
        label = _pressed_label(message.reply_markup, query.data)
        text = getattr(message, "text", None)
        if label and text and len(text) + len(label) + 3 <= MAX_MESSAGE:
            await query.edit_message_text(f"{text}\n\n✓ {label}", reply_markup=None)
        else:  # a file's caption, or no room: only the buttons go
            await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:  # the message is too old or already edited, or a 5xx
        log.info("could not remove the buttons of a pressed message: %s", exc.message)


def _pressed_label(markup: Any, data: str | None) -> str | None:
    """The label of the button whose data was pressed, if it is on the message."""
    for row in getattr(markup, "inline_keyboard", ()):
        for button in row:
            if data is not None and getattr(button, "callback_data", None) == data:
                return str(button.text)
    return None


class Menus:
    """The command menus: one per language for everyone, and one per organiser's chat with their commands.

    Telegram shows a chat the commands of its `BotCommandScopeChat` before the default ones, so an
    organiser's chat gets the donor commands plus the organiser ones, in the organiser's language. The
    menus are set at start (every organiser on record) and again when a turn shows that someone became
    or stopped being an organiser, or changed language (`donorbot organiser add|remove` sets them at
    once when it has the bot token).
    """

    def __init__(self, app: App, bot: Any) -> None:
        self.app = app
        self.bot = bot
        self._organisers: dict[str, str] = {}  # chat id -> language of the organiser menu it has

    async def start(self) -> None:
        app = self.app
        for lang in app.catalogs.languages():
            language_code = None if lang == app.settings.bot.default_language else lang
            await self._set(menu_commands(app.catalogs, lang), language_code=language_code)
        async with app.sessions() as session:
            chats = await organisers.chats(session, platform=PLATFORM)
        for chat_id, language in chats:
            await self.sync(chat_id, organiser=True, lang=language)

    async def sync(self, chat_id: str, *, organiser: bool, lang: str | None) -> None:
        """Gives the chat the organiser menu, or takes it away, when that changed."""
        language = lang or self.app.settings.bot.default_language
        if organiser and self._organisers.get(chat_id) != language:
            commands = menu_commands(self.app.catalogs, language, organiser=True)
            if await self._set(commands, chat_id=chat_id):
                self._organisers[chat_id] = language
        elif not organiser and chat_id in self._organisers and await self._set(None, chat_id=chat_id):
            del self._organisers[chat_id]

    async def _set(
        self,
        commands: list[BotCommand] | None,
        *,
        language_code: str | None = None,
        chat_id: str | None = None,
    ) -> bool:
        try:
            await set_menu(self.bot, commands, language_code=language_code, chat_id=chat_id)
        except TelegramError as exc:  # the menu is a convenience: the commands work without it
            log.warning("could not set the command menu (%s): %s", chat_id or language_code or "default", exc)
            return False
        return True


def menu_commands(catalogs: Catalogs, lang: str, *, organiser: bool = False) -> list[BotCommand]:
    """The menu of one language: each command under its name in that language, with its description."""
    t = catalogs.get(lang)
    return [BotCommand(name, t(f"cmd_{key}")) for name, key in commands.menu(lang, organiser=organiser)]


async def set_menu(
    bot: Any,
    commands: list[BotCommand] | None,
    *,
    language_code: str | None = None,
    chat_id: str | None = None,
) -> None:
    """setMyCommands (or deleteMyCommands when `commands` is None) for a language or one chat."""
    scope = BotCommandScopeChat(int(chat_id)) if chat_id is not None else None
    if commands is None:
        await bot.delete_my_commands(scope=scope, language_code=language_code)
    else:
        await bot.set_my_commands(commands, scope=scope, language_code=language_code)


async def update_organiser_menu(
    settings: Settings, *, token: str, chat_id: str, organiser: bool
) -> str | None:
    """For `donorbot organiser add|remove`: gives one chat the organiser menu, or takes it away, now.

    The language is that of the linked profile, else the default. Returns what went wrong (the Bot
    API's answer, without the token), or None.
    """
    lang: str = settings.bot.default_language
    if organiser:
        engine = create_engine(settings.database.url)
        try:
            async with session_factory(engine)() as session:
                lang = dict(await organisers.chats(session, platform=PLATFORM)).get(chat_id) or lang
        finally:
            await engine.dispose()
    base = settings.telegram.api_base_url
    bot = Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot", request=AiohttpRequest())
    menu = menu_commands(Catalogs(), lang, organiser=True) if organiser else None
    try:
        async with bot:
            await set_menu(bot, menu, chat_id=chat_id)
    except TelegramError as exc:
        return exc.message.replace(token, "<token>")
    return None


async def log_in(
    application: Application[Any, Any, Any, Any, Any, Any], *, api_base_url: str, token: str
) -> None:
    """Initialises the application, which asks the Bot API who the bot is (getMe).

    A rejected token, an unreachable server or a server that is not the Bot API becomes a one-line
    `StartupError`: PTB's own `InvalidToken` prints the whole token ("The token `...` was rejected").
    """
    ptb_log = logging.getLogger("telegram")
    level = ptb_log.level
    ptb_log.setLevel(logging.CRITICAL)  # PTB logs a bad answer with a traceback; the error below says it
    try:
        await application.initialize()
    except TelegramError as exc:
        await application.bot.shutdown()  # PTB leaves its HTTP sessions open when getMe fails
        if isinstance(exc, InvalidToken):  # 401 or 404: Telegram's answers to a wrong token
            problem = (
                f"TELEGRAM_BOT_TOKEN: rejected by the Telegram Bot API at {api_base_url} "
                "(check the token and telegram.api_base_url)"
            )
        elif isinstance(exc, NetworkError):  # also TimedOut; AiohttpRequest cut the token out
            problem = f"telegram.api_base_url: cannot reach the Telegram Bot API at {api_base_url} ({exc})"
        else:
            problem = f"telegram.api_base_url: {api_base_url} does not answer as the Telegram Bot API ({exc})"
        raise StartupError(problem.replace(token, "<token>")) from None
    finally:
        ptb_log.setLevel(level)


class TelegramChannel:
    """Telegram as a `bot.bootstrap.Channel`: `open` logs in and gives the sender of pushes, `run` takes
    updates until `stop` is set; the composition root (`bot.bootstrap.serve`) runs the delivery loop and
    the scheduler next to it.

    Updates come by long polling (`telegram.mode = "polling"`), or by webhook (`"webhook"`): Telegram
    POSTs each update to `web.public_url` + `telegram.webhook_path` on the app's HTTP server, where the
    guard refuses a request without `TELEGRAM_WEBHOOK_SECRET` (403, counted, constant-time compare) before
    its body is read. A webhook update is handled before it is answered, through the same per-chat
    processor as polling: it is acknowledged only once its turn committed (a process that dies mid-turn
    leaves it to Telegram's retry), and on PostgreSQL the turn's per-chat advisory lock
    (`handlers.router`) keeps two instances from running one chat's turns at once. Stopping leaves the
    webhook set (other instances still serve it); `telegram.mode = "polling"` deletes it at start."""

    platform = PLATFORM

    def __init__(self, app: App, *, token: str, web: WebServer | None = None) -> None:
        self.app = app
        self.token = token
        self.application, self.menus = build_application(app, token=token)
        settings = app.settings
        self.webhook = settings.telegram.mode == "webhook"
        if self.webhook:
            if web is None or settings.web.public_url is None or not settings.telegram_webhook_secret:
                raise StartupError(
                    "telegram.mode = webhook needs web.public_url (HTTPS) and TELEGRAM_WEBHOOK_SECRET "
                    '(1 to 256 of A-Z, a-z, 0-9, _ and -); or use telegram.mode = "polling"'
                )
            guard = secret_guard(
                settings.telegram_webhook_secret,
                header=TELEGRAM_SECRET_HEADER,
                on_reject=metrics.WEBHOOK_REJECTED.labels(PLATFORM).inc,
            )
            web.add_route(
                "POST", settings.telegram.webhook_path, guard(self._on_webhook), name="telegram_webhook"
            )

    async def _on_webhook(self, request: web.Request) -> web.Response:
        """One update: parsed, handled (in its chat's order), then answered 200 — also when the turn
        failed (the person got the apology; Telegram would only send it again)."""
        data = await read_one_json(request, self.app.settings.web.max_body_bytes)
        application = self.application
        try:
            update = Update.de_json(data, application.bot)
        except Exception:  # not an update (a forged body with the right secret): nothing to retry
            raise web.HTTPBadRequest() from None
        await application.update_processor.process_update(update, application.process_update(update))
        return web.Response(text="ok")

    async def open(self) -> TelegramSender:
        app, application = self.app, self.application
        await log_in(application, api_base_url=app.settings.telegram.api_base_url, token=self.token)
        app.dispatcher.bot_username = application.bot.username
        if self.webhook:
            settings = app.settings
            assert settings.web.public_url is not None
            await application.bot.set_webhook(
                url=f"{settings.web.public_url}{settings.telegram.webhook_path}",
                secret_token=settings.telegram_webhook_secret,
                max_connections=settings.telegram.concurrent_updates,
            )
        await self.menus.start()
        limits = app.settings.delivery
        if limits.rate_per_second > TELEGRAM_FREE_RATE and not limits.paid_broadcast:
            log.warning(
                "delivery.rate_per_second is %g but Telegram allows %d msg/s without paid_broadcast: "
                "expect 429s",
                limits.rate_per_second,
                TELEGRAM_FREE_RATE,
            )
        return TelegramSender(application.bot, paid_broadcast=limits.paid_broadcast)

    async def run(self, stop: asyncio.Event) -> None:
        """Polls Telegram until `stop` is set (or, with the webhook, keeps its route served)."""
        application = self.application
        await application.start()
        try:
            if self.webhook:
                await stop.wait()
                return
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0, timeout=self.app.settings.telegram.poll_timeout, drop_pending_updates=False
            )
            await stop.wait()
            await application.updater.stop()
        finally:
            if application.running:
                await application.stop()

    async def close(self) -> None:
        await self.application.shutdown()
