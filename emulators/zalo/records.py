"""Typed records of the emulated Zalo Bot Platform: simulated users, what the bot sent, every call.

Small dataclasses rather than raw dicts, so that a typo in a test is an AttributeError (or a mypy
error) instead of a ``dict.get`` that silently passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JSONDict = dict[str, Any]


class ZaloApiError(Exception):
    """An answer other than ``{"ok": true, ...}``.

    Zalo answers most errors with HTTP 200 and ``ok: false`` (so ``http_status`` defaults to 200);
    a wrong token is HTTP 401, and injected server trouble is HTTP 500. ``headers`` lets a hook add
    e.g. ``Retry-After``; ``parameters`` is passed through in the body as Telegram does, since the
    client reads ``parameters.retry_after`` when present.
    """

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        http_status: int = 200,
        parameters: JSONDict | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.http_status = http_status
        self.parameters = parameters
        self.headers = headers or {}

    def to_payload(self) -> JSONDict:
        payload: JSONDict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            payload["parameters"] = self.parameters
        return payload


@dataclass
class ZaloUser:
    """A simulated Zalo user. Ids are strings on Zalo; the private chat id equals the user id.

    ``blocked`` makes every send to this user answer ``ok: false`` 403.
    """

    id: str
    name: str = "Lan"
    blocked: bool = False

    @property
    def chat_id(self) -> str:
        return self.id

    def to_api(self) -> JSONDict:
        """The ``from`` object of an event."""
        return {"id": self.id, "display_name": self.name, "is_bot": False}


@dataclass(frozen=True)
class ZaloSent:
    """One message the bot sent (sendMessage, sendPhoto or sendSticker), as the user received it."""

    chat_id: str
    method: str
    """``"sendMessage"``, ``"sendPhoto"`` or ``"sendSticker"``."""
    text: str | None
    photo_url: str | None
    caption: str | None
    message_id: str
    at: float
    """``time.monotonic()`` when it was accepted."""
    photo: bytes | None = None
    """The image bytes the emulator fetched from ``photo_url``."""
    sticker: str | None = None

    @property
    def shown_text(self) -> str | None:
        """What the person reads: the text of a message, the caption of a photo."""
        return self.text if self.method == "sendMessage" else self.caption


@dataclass
class ZaloCall:
    """One API request as the emulator saw it (also rejected ones: wrong token, bad JSON)."""

    method: str
    params: JSONDict
    at: float
    """``time.monotonic()`` when the request arrived."""
    http_status: int = 200
    error_code: int | None = None
    """None for ``ok: true``."""
    description: str | None = None
    done_at: float | None = None
    """``time.monotonic()`` when the answer was ready (None while a long poll is pending)."""

    @property
    def ok(self) -> bool:
        return self.error_code is None and self.http_status == 200

    @property
    def duration(self) -> float | None:
        return None if self.done_at is None else self.done_at - self.at


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an event to the bot's webhook; ``status`` None when the connection failed."""

    url: str
    event: JSONDict
    body: JSONDict
    secret_token: str
    status: int | None
    at: float
    error: str | None = None
