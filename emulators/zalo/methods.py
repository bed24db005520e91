"""The Zalo Bot API methods the emulator serves, one small function each.

Each takes the :class:`ZaloState` and the decoded JSON body and returns ``result`` or raises
:class:`ZaloApiError`. The checks are those of ZALO.md plus a few deliberate refusals that keep the
app honest: ``reply_markup`` (Zalo has no buttons) is rejected rather than ignored.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from emulators.zalo.records import JSONDict, ZaloApiError, ZaloSent
from emulators.zalo.state import ZaloState

MAX_TEXT = 2000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PHOTO_FETCH_TIMEOUT = 5.0
_CHAT_ACTIONS = frozenset({"typing"})
_MARKUP_FIELDS = ("reply_markup", "keyboard", "buttons", "inline_keyboard")

Method = Callable[[ZaloState, JSONDict], Awaitable[Any]]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _chat_id(params: JSONDict) -> str:
    value = params.get("chat_id")
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ZaloApiError(400, "chat_id is required")
    return str(value)


def _refuse_markup(params: JSONDict) -> None:
    for name in _MARKUP_FIELDS:
        if name in params:
            raise ZaloApiError(400, f"{name} is not supported: Zalo bots have no buttons or keyboards")


def _text(params: JSONDict, name: str, *, required: bool) -> str | None:
    value = params.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise ZaloApiError(400, f"{name} must be 1-{MAX_TEXT} characters")
    return value


# --- identity and updates ----------------------------------------------------------------------


async def get_me(state: ZaloState, params: JSONDict) -> JSONDict:
    return {
        "id": state.bot_id,
        "account_name": state.bot_name,
        "account_type": "BASIC",
        "can_join_groups": True,
    }


def _poll_timeout(params: JSONDict) -> float:
    """The docs' table says string, their example sends a number: accept both."""
    raw = params.get("timeout", 0)
    if isinstance(raw, bool):
        raise ZaloApiError(400, "timeout must be a number of seconds")
    try:
        return max(float(raw), 0.0)
    except (TypeError, ValueError):
        raise ZaloApiError(400, "timeout must be a number of seconds") from None


async def get_updates(state: ZaloState, params: JSONDict) -> JSONDict | None:
    """One event, waiting up to ``timeout`` seconds; no offset: an event is gone once returned."""
    if state.webhook_url:
        raise ZaloApiError(409, "getUpdates is not available while a webhook is set; call deleteWebhook")
    deadline = time.monotonic() + _poll_timeout(params)
    while True:
        event = state.take_event()
        if event is not None:
            return event
        if state.closing or time.monotonic() >= deadline or state.webhook_url:
            break
        await state.events_changed.wait(deadline)
    if state.empty_poll == "empty_result":
        return None
    raise ZaloApiError(408, "Request timeout")


# --- webhook ----------------------------------------------------------------------------------


def _webhook_url(value: object) -> str:
    """https anywhere (as Zalo requires), or plain http to 127.0.0.1 so tests need no TLS."""
    if not isinstance(value, str):
        raise ZaloApiError(400, "url is required")
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value
    if parts.scheme == "http" and parts.hostname == "127.0.0.1":
        return value
    raise ZaloApiError(400, "url must be an https URL")


async def set_webhook(state: ZaloState, params: JSONDict) -> JSONDict:
    url = _webhook_url(params.get("url"))
    secret = params.get("secret_token")
    if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
        raise ZaloApiError(400, "secret_token must be 8-256 characters")
    state.webhook_url, state.webhook_secret = url, secret
    state.webhook_updated_at = _now_ms()
    state.events_changed.notify()  # the delivery loop starts; a pending long poll gives up
    return {"url": url, "updated_at": state.webhook_updated_at}


async def delete_webhook(state: ZaloState, params: JSONDict) -> JSONDict:
    state.webhook_url = state.webhook_secret = ""
    state.webhook_updated_at = _now_ms()
    state.events_changed.notify()
    return {"url": "", "updated_at": state.webhook_updated_at}


async def get_webhook_info(state: ZaloState, params: JSONDict) -> JSONDict:
    return {"url": state.webhook_url, "updated_at": state.webhook_updated_at}


# --- sending ----------------------------------------------------------------------------------


def _accept(state: ZaloState, chat_id: str, method: str, **fields: Any) -> JSONDict:
    message_id = state.new_message_id()
    state.record_sent(ZaloSent(chat_id, method, message_id=message_id, at=time.monotonic(), **fields))
    state.activity.notify()
    return {"message_id": message_id, "date": _now_ms()}


async def send_message(state: ZaloState, params: JSONDict) -> JSONDict:
    _refuse_markup(params)
    chat_id = _chat_id(params)
    text = _text(params, "text", required=True)
    state.writable_chat(chat_id)
    return _accept(state, chat_id, "sendMessage", text=text, photo_url=None, caption=None)


async def _fetch_png(state: ZaloState, url: object) -> bytes:
    """GET the photo URL as Zalo's servers would; only an HTTP 200 PNG counts as reachable."""
    if not isinstance(url, str) or urlsplit(url).scheme not in {"http", "https"} or state.http is None:
        raise ZaloApiError(400, "photo not reachable")
    try:
        timeout = aiohttp.ClientTimeout(total=PHOTO_FETCH_TIMEOUT)
        async with state.http.get(url, timeout=timeout) as response:
            content = await response.read()
            status = response.status
    except (TimeoutError, aiohttp.ClientError, ValueError):
        raise ZaloApiError(400, "photo not reachable") from None
    if status != 200 or not content.startswith(PNG_SIGNATURE):
        raise ZaloApiError(400, "photo not reachable")
    return content


async def send_photo(state: ZaloState, params: JSONDict) -> JSONDict:
    _refuse_markup(params)
    chat_id = _chat_id(params)
    caption = _text(params, "caption", required=False)
    state.writable_chat(chat_id)
    url = params.get("photo")
    content = await _fetch_png(state, url)
    return _accept(state, chat_id, "sendPhoto", text=None, photo_url=url, caption=caption, photo=content)


async def send_sticker(state: ZaloState, params: JSONDict) -> JSONDict:
    _refuse_markup(params)
    chat_id = _chat_id(params)
    sticker = params.get("sticker")
    if not isinstance(sticker, str) or not sticker:
        raise ZaloApiError(400, "sticker is required")
    state.writable_chat(chat_id)
    return _accept(state, chat_id, "sendSticker", text=None, photo_url=None, caption=None, sticker=sticker)


async def send_chat_action(state: ZaloState, params: JSONDict) -> bool:
    chat_id = _chat_id(params)
    if params.get("action") not in _CHAT_ACTIONS:
        raise ZaloApiError(400, "action must be 'typing'")
    state.writable_chat(chat_id)
    return True


METHODS: dict[str, Method] = {
    "getme": get_me,
    "getupdates": get_updates,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "sendmessage": send_message,
    "sendphoto": send_photo,
    "sendsticker": send_sticker,
    "sendchataction": send_chat_action,
}
"""Handlers by lower-cased method name (method names are matched case-insensitively)."""
