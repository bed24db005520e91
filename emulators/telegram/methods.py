"""Bot API method implementations: plain async functions over :class:`EmulatorState`.

Each handler validates like Telegram (same HTTP codes and ``description`` texts for the errors
bots commonly hit), mutates the state and returns the ``result`` field of the response. Handlers
know nothing about HTTP, hooks or logging; :mod:`emulators.telegram.server` does that in one place.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from emulators.telegram.markup import (
    check_caption,
    check_reply_markup,
    check_text,
)
from emulators.telegram.params import (
    ApiError,
    UploadedPart,
    chat_id_of,
    opt_bool,
    opt_dict,
    opt_float,
    opt_int,
    opt_list,
    opt_str,
    req_int,
)
from emulators.telegram.records import (
    CallbackAnswer,
    JSONDict,
    MessageVersion,
    SentMessage,
    StoredFile,
)
from emulators.telegram.state import EmulatorState

Handler = Callable[[EmulatorState, JSONDict], Awaitable[Any]]

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_BAD_QUERY = "query is too old and response timeout expired or query ID is invalid"


def _now() -> int:
    return int(time.time())


# --- identity, webhook, lifecycle --------------------------------------------------------------


async def get_me(state: EmulatorState, params: JSONDict) -> JSONDict:
    return {
        **state.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


async def delete_webhook(state: EmulatorState, params: JSONDict) -> bool:
    state.webhook_url, state.webhook_secret = "", ""
    if opt_bool(params, "drop_pending_updates"):
        state.pending_updates.clear()
    return True


async def set_webhook(state: EmulatorState, params: JSONDict) -> bool:
    """Records the URL and the secret: the server then POSTs the updates there one at a time, in order,
    with the secret in `X-Telegram-Bot-Api-Secret-Token` (emulators/telegram/server.py); while it is set,
    getUpdates answers 409 as Telegram does. HTTPS only, as Telegram, except on 127.0.0.1 for tests."""
    url = opt_str(params, "url") or ""
    if url and not url.startswith(("https://", "http://127.0.0.1:")):
        raise ApiError.bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = opt_str(params, "secret_token") or ""
    if secret and (len(secret) > 256 or not all(c.isalnum() or c in "_-" for c in secret)):
        raise ApiError.bad_request("bad webhook: secret token contains unallowed characters")
    state.webhook_url, state.webhook_secret = url, secret
    state.webhook_max_connections = min(max(opt_int(params, "max_connections") or 40, 1), 100)
    state.updates_changed.notify()
    if opt_bool(params, "drop_pending_updates"):
        state.pending_updates.clear()
    return True


async def get_webhook_info(state: EmulatorState, params: JSONDict) -> JSONDict:
    info: JSONDict = {
        "url": state.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(state.pending_updates),
    }
    if state.allowed_updates:
        info["allowed_updates"] = list(state.allowed_updates)
    return info


async def always_true(state: EmulatorState, params: JSONDict) -> bool:
    """close / logOut: accepted and otherwise ignored."""
    return True


# --- updates ----------------------------------------------------------------------------------


async def get_updates(state: EmulatorState, params: JSONDict) -> list[JSONDict]:
    """Long polling: confirm by ``offset``, then wait up to ``timeout`` s for an update.

    A newer getUpdates terminates an older pending one with 409, exactly like Telegram; this also
    releases polls that PTB abandoned client-side when its updater stopped.
    """
    if state.webhook_url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    limit = min(max(opt_int(params, "limit") or 100, 1), 100)
    timeout = max(opt_float(params, "timeout") or 0.0, 0.0)
    allowed = opt_list(params, "allowed_updates")
    if allowed is not None:
        state.allowed_updates = [str(kind) for kind in allowed]
    state.confirm(opt_int(params, "offset"))
    state.poll_generation += 1
    generation = state.poll_generation
    state.updates_changed.notify()
    deadline = time.monotonic() + timeout
    while True:
        batch = state.deliverable(limit)
        if batch or state.closing:
            return batch
        if state.poll_generation != generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        if time.monotonic() >= deadline:
            return []
        await state.updates_changed.wait(deadline)


# --- sending ----------------------------------------------------------------------------------


async def send_message(state: EmulatorState, params: JSONDict) -> JSONDict:
    chat_id = chat_id_of(params)
    state.writable_chat(chat_id)
    text = opt_str(params, "text")
    parse_mode = opt_str(params, "parse_mode")
    check_text(text, parse_mode)
    markup = opt_dict(params, "reply_markup")
    check_reply_markup(markup)
    message = SentMessage(
        message_id=state.next_message_id(chat_id),
        chat_id=chat_id,
        date=_now(),
        kind="text",
        text=text,
        parse_mode=parse_mode,
        reply_markup=markup,
    )
    return state.message_api(state.record_sent(message))


def _media_file(state: EmulatorState, params: JSONDict, kind: str) -> StoredFile:
    value = params.get(kind)
    if isinstance(value, UploadedPart):
        return state.store_file(value.content, value.filename, value.mime_type)
    if value is None or value == "":
        raise ApiError.bad_request(f"there is no {kind} in the request")
    if isinstance(value, str) and value in state.files:
        return state.files[value]
    raise ApiError.bad_request("wrong file identifier/HTTP URL specified")


async def _send_media(state: EmulatorState, params: JSONDict, kind: str) -> JSONDict:
    chat_id = chat_id_of(params)
    state.writable_chat(chat_id)
    stored = _media_file(state, params, kind)
    caption = opt_str(params, "caption")
    parse_mode = opt_str(params, "parse_mode")
    check_caption(caption, parse_mode)
    markup = opt_dict(params, "reply_markup")
    check_reply_markup(markup)
    message = SentMessage(
        message_id=state.next_message_id(chat_id),
        chat_id=chat_id,
        date=_now(),
        kind=kind,
        text=caption,
        parse_mode=parse_mode,
        reply_markup=markup,
        file=stored,
    )
    return state.message_api(state.record_sent(message))


async def send_document(state: EmulatorState, params: JSONDict) -> JSONDict:
    return await _send_media(state, params, "document")


async def send_photo(state: EmulatorState, params: JSONDict) -> JSONDict:
    return await _send_media(state, params, "photo")


async def send_chat_action(state: EmulatorState, params: JSONDict) -> bool:
    state.writable_chat(chat_id_of(params))
    if opt_str(params, "action") not in _CHAT_ACTIONS:
        raise ApiError.bad_request("wrong parameter action in request")
    return True


async def get_file(state: EmulatorState, params: JSONDict) -> JSONDict:
    stored = state.files.get(opt_str(params, "file_id") or "")
    if stored is None:
        raise ApiError.bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": f"files/{stored.file_id}",
    }


# --- editing ----------------------------------------------------------------------------------


def _message_to_edit(state: EmulatorState, params: JSONDict) -> SentMessage:
    if params.get("inline_message_id") is not None:
        raise ApiError.bad_request("inline messages are not emulated")
    chat_id = chat_id_of(params)
    message = state.find_sent(chat_id, req_int(params, "message_id"))
    if message is None or message.deleted:
        raise ApiError.bad_request("message to edit not found")
    return message


def _apply_edit(
    message: SentMessage, text: str | None, parse_mode: str | None, markup: JSONDict | None
) -> None:
    """Replace content, keeping the previous version; a reply keyboard is left as it was."""
    if markup is None and message.reply_markup and not message.inline_keyboard:
        markup = message.reply_markup
    if (text, parse_mode, markup) == (message.text, message.parse_mode, message.reply_markup):
        raise ApiError.bad_request(_NOT_MODIFIED)
    message.history.append(
        MessageVersion(message.text, message.reply_markup, message.edit_date or message.date)
    )
    message.text, message.parse_mode, message.reply_markup = text, parse_mode, markup
    message.edit_date = _now()


async def edit_message_text(state: EmulatorState, params: JSONDict) -> JSONDict:
    """Like Telegram, an edit without ``reply_markup`` removes the inline keyboard."""
    message = _message_to_edit(state, params)
    if message.kind != "text":
        raise ApiError.bad_request("there is no text in the message to edit")
    text = opt_str(params, "text")
    parse_mode = opt_str(params, "parse_mode")
    check_text(text, parse_mode)
    markup = opt_dict(params, "reply_markup")
    check_reply_markup(markup, inline_only=True)
    _apply_edit(message, text, parse_mode, markup)
    return state.message_api(message)


async def edit_message_caption(state: EmulatorState, params: JSONDict) -> JSONDict:
    message = _message_to_edit(state, params)
    if message.kind == "text":
        raise ApiError.bad_request("there is no caption in the message to edit")
    caption = opt_str(params, "caption")
    parse_mode = opt_str(params, "parse_mode")
    check_caption(caption, parse_mode)
    markup = opt_dict(params, "reply_markup")
    check_reply_markup(markup, inline_only=True)
    _apply_edit(message, caption, parse_mode, markup)
    return state.message_api(message)


async def edit_message_reply_markup(state: EmulatorState, params: JSONDict) -> JSONDict:
    message = _message_to_edit(state, params)
    markup = opt_dict(params, "reply_markup")
    check_reply_markup(markup, inline_only=True)
    _apply_edit(message, message.text, message.parse_mode, markup)
    return state.message_api(message)


async def delete_message(state: EmulatorState, params: JSONDict) -> bool:
    message = state.find_sent(chat_id_of(params), req_int(params, "message_id"))
    if message is None or message.deleted:
        raise ApiError.bad_request("message to delete not found")
    message.deleted = True
    return True


async def answer_callback_query(state: EmulatorState, params: JSONDict) -> bool:
    """Each query can be answered once; unknown or re-answered ids get Telegram's 400."""
    query_id = opt_str(params, "callback_query_id") or ""
    if query_id not in state.callback_queries or query_id in state.callback_answers:
        raise ApiError.bad_request(_BAD_QUERY)
    state.callback_answers[query_id] = CallbackAnswer(
        callback_query_id=query_id,
        text=opt_str(params, "text"),
        show_alert=opt_bool(params, "show_alert"),
        url=opt_str(params, "url"),
    )
    return True


# --- commands ---------------------------------------------------------------------------------


def commands_key(scope: JSONDict | None, language_code: str | None) -> tuple[str, str]:
    """Storage key: canonical scope JSON plus language code ("" = all languages)."""
    scope = scope or {"type": "default"}
    if scope.get("type") not in _SCOPE_TYPES:
        raise ApiError.bad_request("wrong scope type specified")
    language_code = language_code or ""
    if language_code and not re.fullmatch(r"[a-z]{2}", language_code):
        raise ApiError.bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), language_code


def _key_from(params: JSONDict) -> tuple[str, str]:
    return commands_key(opt_dict(params, "scope"), opt_str(params, "language_code"))


async def set_my_commands(state: EmulatorState, params: JSONDict) -> bool:
    commands = opt_list(params, "commands")
    if commands is None:
        raise ApiError.bad_request('parameter "commands" is required')
    if len(commands) > 100:
        raise ApiError.bad_request("too many commands specified")
    for item in commands:
        if not isinstance(item, dict) or not _COMMAND_RE.match(str(item.get("command", ""))):
            raise ApiError.bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(item.get("description") or "")) <= 256:
            raise ApiError.bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = _key_from(params)
    if commands:
        state.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
    else:
        state.commands.pop(key, None)
    return True


async def get_my_commands(state: EmulatorState, params: JSONDict) -> list[JSONDict]:
    return list(state.commands.get(_key_from(params), []))


async def delete_my_commands(state: EmulatorState, params: JSONDict) -> bool:
    state.commands.pop(_key_from(params), None)
    return True


METHODS: dict[str, Handler] = {
    name.lower(): handler
    for name, handler in {
        "getMe": get_me,
        "getUpdates": get_updates,
        "deleteWebhook": delete_webhook,
        "setWebhook": set_webhook,
        "getWebhookInfo": get_webhook_info,
        "close": always_true,
        "logOut": always_true,
        "sendMessage": send_message,
        "sendDocument": send_document,
        "sendPhoto": send_photo,
        "sendChatAction": send_chat_action,
        "getFile": get_file,
        "editMessageText": edit_message_text,
        "editMessageCaption": edit_message_caption,
        "editMessageReplyMarkup": edit_message_reply_markup,
        "deleteMessage": delete_message,
        "answerCallbackQuery": answer_callback_query,
        "setMyCommands": set_my_commands,
        "getMyCommands": get_my_commands,
        "deleteMyCommands": delete_my_commands,
    }.items()
}
"""Handlers by lower-cased method name (Telegram method names are case-insensitive)."""
