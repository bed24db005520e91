"""Zalo adapter on the Zalo Bot Platform: events in, the core's replies out, pushes through `ZaloSender`.

Zalo has no buttons, no edits, no uploads and a 2,000-character cap (core.channels.ZALO): the dispatcher
numbers choices (handlers/numbered.py), texts are cut at paragraph breaks, an image goes by a signed URL
of our own server (bot/web/media) when `web.public_url` is set, and every other file by the text that
stands for it (a check-in code, an "add to calendar" link, /mydata's JSON as text).

Events come by long polling (`getUpdates`, one event per call, no offset: `ZaloPoller` drops repeats by
message id) or by webhook (`zalo.mode = "webhook"`: Zalo POSTs to our server, the secret header is
checked before the body is read). Either way each event's turn runs in `handlers.ordering.PerChat`: one
chat's messages in order, chats concurrently; the webhook answers 200 at once and the turn follows.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict

from aiohttp import web

from bot.bootstrap import App
from bot.channels.replies import Outgoing, ReplyCourier
from bot.channels.zalo_client import ZaloAuthError, ZaloClient
from bot.channels.zalo_events import ZaloEvent, parse_update
from bot.channels.zalo_poller import ZaloPoller
from bot.web.media import MediaStore
from bot.web.server import WebServer
from bot.web.webhook import read_one_json, secret_guard
from core import metrics
from core.channels import ZALO
from core.config import StartupError
from domain.message_split import split_message
from handlers import numbered
from handlers.messages import Incoming, InputKind, Replies
from handlers.ordering import PerChat
from models.db import loggable
from models.outbox import Choices, File
from scheduler.sender import Permanent

log = logging.getLogger(__name__)

PLATFORM = "zalo"
TEXT_EVENT = "message.text.received"
SEEN_IDS = 10_000  # message ids remembered against repeats (Zalo may deliver one event twice)


def to_incoming(event: ZaloEvent, *, language: str = "vi") -> Incoming:
    """The neutral form of a Zalo event: text, or "something the bot cannot read" for the rest.

    Zalo tells nothing of a person's language; it is a Vietnamese messenger, so a newcomer is taken to
    read the default language (`/ngonngu` changes it) instead of being asked first.
    """
    kind = InputKind.TEXT if event.name == TEXT_EVENT and event.text else InputKind.OTHER
    return Incoming(
        platform=PLATFORM,
        chat_id=event.chat_id,
        user_id=event.user_id,
        kind=kind,
        text=event.text if kind is InputKind.TEXT else None,
        language_hint=language,
        in_group=event.in_group,
    )


def outgoing(replies: Replies) -> list[Outgoing]:
    """A turn's Zalo messages: each reply's text cut under the cap; a file goes with its text, and
    `ZaloSender` sends it by URL or as the text that stands for it."""
    messages: list[Outgoing] = []
    for reply in replies:
        if reply.attachment is not None:
            messages.append(Outgoing(reply.text, file=reply.attachment))
        else:
            messages += [Outgoing(part) for part in split_message(reply.text, ZALO.max_text)]
    return messages


class ZaloSender:
    """The `scheduler.sender.Sender` for Zalo, for pushes and for the replies of turns alike.

    A push's choices are numbered after those on the chat's screen and saved with its conversation (the
    replies of a turn come numbered by the dispatcher). An edit is sent as a new message: Zalo cannot
    edit. A contact button cannot exist: the text already asks to type the number.
    """

    def __init__(self, client: ZaloClient, app: App, media: MediaStore | None) -> None:
        self.client = client
        self.app = app
        self.media = media if media is not None and media.enabled else None

    async def send(
        self,
        *,
        chat_id: str,
        text: str,
        choices: Choices,
        edit_message_id: str | None = None,
        file: File | None = None,
        contact_button: str | None = None,
        remove_keyboard: bool = False,
    ) -> None:
        del edit_message_id, contact_button, remove_keyboard  # no edits, no keyboards on Zalo
        if choices:  # most pushes have none: no database round trip for them
            text = await numbered.number_push(
                self.app.sessions,
                self.app.catalogs,
                platform=PLATFORM,
                chat_id=chat_id,
                text=text,
                choices=choices,
                default_language=self.app.settings.bot.default_language,
            )
        if file is not None:
            if file.is_image and self.media is not None:
                url = self.media.put(file.content, file.mime_type)
                caption = text if len(text) <= ZALO.max_text else None
                await self.client.send_photo(chat_id, url, caption=caption)
                if caption is not None or not text:
                    return
            elif file.alt is not None:
                text = file.alt  # says all the caption said, and what the file held
            else:
                t = self.app.catalogs.get(self.app.settings.bot.default_language)
                text = "\n\n".join(p for p in (text, t("file_not_on_zalo", name=file.filename)) if p)
        parts = split_message(text, ZALO.max_text)
        if not any(parts):
            raise Permanent("zalo: an empty message")
        for part in parts:
            await self.client.send_message(chat_id, part)


class ZaloChannel:
    """Zalo as a `bot.bootstrap.Channel`: `open` checks the token (getMe) and sets or clears nothing
    the operator did not ask for; `run` polls, or waits while the webhook route takes the events."""

    platform = PLATFORM

    def __init__(
        self,
        app: App,
        *,
        token: str,
        web: WebServer | None = None,
        media: MediaStore | None = None,
    ) -> None:
        settings = app.settings
        self.app = app
        self.token = token
        self.client = ZaloClient(token, base_url=settings.zalo.api_base_url)
        self.sender = ZaloSender(self.client, app, media)
        self.chats = PerChat(settings.telegram.concurrent_updates)
        self._turns: set[asyncio.Task[None]] = set()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.webhook = settings.zalo.mode == "webhook"
        self.web = web
        self.bot_name: str | None = None

        def wake() -> None:  # the delivery loop, once the composition root has started it
            if app.dispatcher.on_pushed is not None:
                app.dispatcher.on_pushed()

        self.courier = ReplyCourier(self.sender, app.sessions, app.clock, platform=PLATFORM, wake=wake)
        if self.webhook:
            if web is None or settings.web.public_url is None or not settings.zalo_webhook_secret:
                raise StartupError(
                    "zalo.mode = webhook needs web.public_url (HTTPS) and ZALO_WEBHOOK_SECRET "
                    '(8 to 256 characters); or use zalo.mode = "polling"'
                )
            guard = secret_guard(
                settings.zalo_webhook_secret, on_reject=metrics.WEBHOOK_REJECTED.labels(PLATFORM).inc
            )
            web.add_route("POST", settings.zalo.webhook_path, guard(self._on_webhook), name="zalo_webhook")

    async def open(self) -> ZaloSender:
        settings = self.app.settings
        try:
            me = await self.client.get_me()
        except ZaloAuthError:
            await self.client.close()
            raise StartupError(
                f"ZALO_BOT_TOKEN: rejected by the Zalo Bot API at {settings.zalo.api_base_url} "
                "(check the token and zalo.api_base_url)"
            ) from None
        except Exception as exc:
            await self.client.close()
            raise StartupError(
                f"zalo.api_base_url: the Zalo Bot API at {settings.zalo.api_base_url} cannot be reached "
                f"({type(exc).__name__})"
            ) from None
        self.bot_name = str(me.get("account_name") or "") or None
        if self.webhook:
            assert settings.web.public_url is not None
            assert settings.zalo_webhook_secret is not None
            url = settings.web.public_url + settings.zalo.webhook_path
            await self.client.set_webhook(url, settings.zalo_webhook_secret)
            log.info("Zalo webhook set to %s", url)
        return self.sender

    async def run(self, stop: asyncio.Event) -> None:
        """Polls Zalo (or lets the webhook route take the events) until `stop` is set."""
        if self.webhook:
            await stop.wait()
        else:
            poller = ZaloPoller(self.client, self._on_event, poll_timeout=self.app.settings.zalo.poll_timeout)
            await poller.run(stop)
        if self._turns:  # the turns under way finish, their replies go out
            await asyncio.gather(*self._turns, return_exceptions=True)

    async def close(self) -> None:
        await self.client.close()

    # --- events --------------------------------------------------------------------------------

    async def _on_webhook(self, request: web.Request) -> web.StreamResponse:
        body = await read_one_json(request, self.app.settings.web.max_body_bytes)
        event = parse_update(body)
        if event is not None:
            await self._on_event(event)
        return web.json_response({"ok": True})

    async def _on_event(self, event: ZaloEvent) -> None:
        """Starts the event's turn (quickly: the poller and the webhook go on at once)."""
        if event.message_id in self._seen:
            return
        self._seen[event.message_id] = None
        if len(self._seen) > SEEN_IDS:
            self._seen.popitem(last=False)
        incoming = to_incoming(event, language=self.app.settings.bot.default_language)
        task = asyncio.create_task(self._turn(incoming))
        self._turns.add(task)
        task.add_done_callback(self._turns.discard)

    async def _turn(self, incoming: Incoming) -> None:
        async with self.chats.turn(PLATFORM, incoming.chat_id):
            try:
                replies = await self.app.dispatcher.handle(incoming)
                await self.courier.deliver(
                    user_id=incoming.user_id, chat_id=incoming.chat_id, messages=outgoing(replies)
                )
            except Exception as exc:  # the dispatcher answers its own failures; this is the courier's
                # the error's type only, as the dispatcher logs it: a text may hold what the person wrote
                log.error("zalo: delivering a turn in chat %s failed: %s", incoming.chat_id, loggable(exc))
