"""Turn an HTTP request into Bot API parameters, and Telegram-style errors.

python-telegram-bot 22 never sends a JSON body: without files it posts
``application/x-www-form-urlencoded`` and with files ``multipart/form-data``, and in both cases
every non-string value (ints, bools, ``reply_markup``, ``commands`` ...) arrives JSON-encoded as a
string. Telegram itself also accepts JSON bodies and query strings, so we accept all four and
normalise known fields to real types here, once, so that method handlers and the recorded
:class:`~emulators.telegram.records.ApiCall` see ``chat_id`` as ``int`` and ``reply_markup`` as a
``dict`` regardless of transport.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from emulators.telegram.records import JSONDict


class ApiError(Exception):
    """A Bot API error response (``{"ok": false, "error_code": ..., "description": ...}``)."""

    def __init__(self, error_code: int, description: str, parameters: JSONDict | None = None):
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    @classmethod
    def bad_request(cls, detail: str) -> ApiError:
        return cls(400, f"Bad Request: {detail}")

    @classmethod
    def forbidden(cls, detail: str) -> ApiError:
        return cls(403, f"Forbidden: {detail}")

    def to_payload(self) -> JSONDict:
        payload: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            payload["parameters"] = self.parameters
        return payload


@dataclass(frozen=True)
class UploadedPart:
    """A file part of a multipart request, before it is stored under a file_id."""

    filename: str | None
    mime_type: str | None
    content: bytes


# Fields whose values are JSON objects/arrays in the Bot API (form transports send them as text).
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "commands",
        "scope",
        "allowed_updates",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "media",
        "results",
        "options",
        "permissions",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "user_id",
        "from_chat_id",
        "message_thread_id",
        "reply_to_message_id",
        "cache_time",
        "max_connections",
    }
)
_FLOAT_FIELDS = frozenset({"timeout"})
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "show_alert",
        "drop_pending_updates",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)


def normalise(raw: dict[str, Any]) -> JSONDict:
    """Decode transport-encoded values of known fields; leave everything else untouched.

    Only fields known to be non-strings are decoded, so a message ``text`` of ``"123"`` or
    ``"[1]"`` stays a string. ``chat_id`` values like ``"@channel"`` stay strings too (the
    handlers answer "chat not found" for them, as Telegram does for unknown usernames).
    """
    params: JSONDict = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if key in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    raise ApiError.bad_request(f"can't parse {key} JSON object") from exc
            elif key in _INT_FIELDS:
                value = _maybe_int(value)
            elif key in _FLOAT_FIELDS:
                value = _maybe_float(value)
            elif key in _BOOL_FIELDS:
                value = value.strip().lower() in ("true", "1")
        params[key] = value
    return params


def _maybe_int(value: str) -> int | str:
    try:
        return int(value.strip())
    except ValueError:
        return value


def _maybe_float(value: str) -> float | str:
    try:
        return float(value.strip())
    except ValueError:
        return value


async def read_params(request: web.Request) -> JSONDict:
    """All parameters of ``request``: query string first, then the body overrides it."""
    raw: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise ApiError.bad_request("can't parse JSON request body") from exc
            if not isinstance(body, dict):
                raise ApiError.bad_request("request body must be a JSON object")
            raw.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    raw[key] = UploadedPart(value.filename, value.content_type, value.file.read())
                elif isinstance(value, bytes | bytearray):
                    raw[key] = UploadedPart(None, None, bytes(value))
                else:
                    raw[key] = value
    return normalise(raw)


# --- typed accessors used by method handlers -------------------------------------------------


def opt_str(params: JSONDict, name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ApiError.bad_request(f"field {name!r} must be a string")


def opt_int(params: JSONDict, name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ApiError.bad_request(f"invalid {name} specified")


def req_int(params: JSONDict, name: str) -> int:
    value = opt_int(params, name)
    if value is None:
        raise ApiError.bad_request(f"{name} is empty")
    return value


def opt_float(params: JSONDict, name: str) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ApiError.bad_request(f"invalid {name} specified")


def opt_bool(params: JSONDict, name: str) -> bool:
    return params.get(name) is True


def opt_dict(params: JSONDict, name: str) -> JSONDict | None:
    value = params.get(name)
    if value is None or isinstance(value, dict):
        return value
    raise ApiError.bad_request(f"field {name!r} must be a JSON object")


def opt_list(params: JSONDict, name: str) -> list[Any] | None:
    value = params.get(name)
    if value is None or isinstance(value, list):
        return value
    raise ApiError.bad_request(f"field {name!r} must be a JSON array")


def chat_id_of(params: JSONDict) -> int:
    """The numeric ``chat_id``; usernames (``@name``) are never known to the emulator."""
    value = params.get("chat_id")
    if value is None or value == "":
        raise ApiError.bad_request("chat_id is empty")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ApiError.bad_request("chat not found")
