"""A thin client for the Zalo Bot Platform (`bot-api.zaloplatforms.com`), on aiohttp.

Why our own: no well-kept Python client fits (python-zalo-bot is a python-telegram-bot fork with
placeholder metadata; zalobot-python needs Python 3.14), and the API is small: a POST with a JSON
body per method, answered `{"ok": ..., "result" | "error_code", "description"}`.

Failures are raised as the delivery contract's errors (`scheduler.sender`), so the delivery loop
needs no Zalo knowledge, and carry `method`, `error_code` and `description` for logs. The token is
part of every URL: no URL and no raw transport error ever leaves this module (see `_redact`).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import aiohttp

from scheduler.sender import DeliveryError, Permanent, RetryLater, Transient, Unreachable

_LOG = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
LONG_POLL_MARGIN = 10.0
"""The long poll's own client timeout is the poll timeout plus this, so a quiet poll is not an error."""
DEFAULT_RETRY_AFTER = 1.0
NO_UPDATE = 408
"""getUpdates' answer when nothing arrived within its timeout (ok:false, "Request timeout")."""

_TOKEN_IN_URL = re.compile(r"/bot[^/\s]+")


class ZaloError(DeliveryError):
    """A Zalo call failed. `error_code` is the platform's code (or the HTTP status when the body
    had none, or None for transport failures); the message names the method, never the URL."""

    method: str
    error_code: int | None
    description: str

    def _fill(self, method: str, error_code: int | None, description: str) -> None:
        self.method, self.error_code, self.description = method, error_code, description


def _message(method: str, error_code: int | None, description: str) -> str:
    code = "" if error_code is None else f" {error_code}"
    return f"zalo {method}:{code} {description}".rstrip()


class ZaloPermanent(ZaloError, Permanent):
    """400/404 and every other ok:false: the request itself is wrong; retrying cannot help."""

    def __init__(self, method: str, error_code: int | None, description: str) -> None:
        super().__init__(_message(method, error_code, description))
        self._fill(method, error_code, description)


class ZaloTransient(ZaloError, Transient):
    """5xx, timeouts, connection trouble, an unreadable answer: worth trying again later."""

    def __init__(self, method: str, error_code: int | None, description: str) -> None:
        super().__init__(_message(method, error_code, description))
        self._fill(method, error_code, description)


class ZaloUnreachable(ZaloError, Unreachable):
    """error_code 403: the person blocked the bot (or it may not write to them)."""

    def __init__(self, method: str, error_code: int | None, description: str) -> None:
        super().__init__(_message(method, error_code, description))
        self._fill(method, error_code, description)


class ZaloRetryLater(ZaloError, RetryLater):
    """HTTP 429 or error_code 429: slow down for `retry_after` seconds."""

    def __init__(self, method: str, error_code: int | None, description: str, retry_after: float) -> None:
        RetryLater.__init__(self, retry_after)
        self.args = (f"{_message(method, error_code, description)} (retry after {self.retry_after:g}s)",)
        self._fill(method, error_code, description)


class ZaloAuthError(ZaloTransient):
    """401: the token was refused. At startup the channel turns it into a StartupError naming
    ZALO_BOT_TOKEN; during delivery it counts as transient (a fixed token lets the pushes through),
    and the poller stops on it instead of retrying forever."""


def _redact(message: str, token: str) -> str:
    """aiohttp puts the URL, and with it the token, in some errors (a bad URL, some timeouts)."""
    if token:
        message = message.replace(token, "<token>")
    return _TOKEN_IN_URL.sub("/bot<token>", message)


def _retry_after(headers: Any, body: Any) -> float:
    header = headers.get("Retry-After") if headers is not None else None
    parameters = body.get("parameters") if isinstance(body, dict) else None
    for value in (header, parameters.get("retry_after") if isinstance(parameters, dict) else None):
        if isinstance(value, bool) or value is None:
            continue
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            continue
    return DEFAULT_RETRY_AFTER


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _failure(method: str, status: int, headers: Any, body: Any, token: str) -> ZaloError | None:
    """The error an answer stands for, or None for `ok: true`."""
    ok = isinstance(body, dict) and body.get("ok") is True
    if status == 200 and ok:
        return None
    code = _int(body.get("error_code")) if isinstance(body, dict) else None
    raw = body.get("description") if isinstance(body, dict) else None
    description = raw if isinstance(raw, str) else ("unreadable answer" if body is None else "not ok")
    description = _redact(description, token)
    if status == 429 or code == 429:
        return ZaloRetryLater(method, code or status, description, _retry_after(headers, body))
    if status == 401 or code == 401:
        return ZaloAuthError(method, code or status, description)
    if status >= 500 or (code is not None and 500 <= code < 600):
        return ZaloTransient(method, code or status, description)
    if code == 403 or (code is None and status == 403):
        return ZaloUnreachable(method, code or status, description)
    if body is None and status == 200:  # not JSON: a proxy's page, a truncated answer
        return ZaloTransient(method, None, description)
    return ZaloPermanent(method, code if code is not None else status, description)


class ZaloClient:
    """One bot's API. `base_url` without the `/bot<token>` part (an emulator's `url` in tests).

    Pass `session` to share a connection pool (then `close()` leaves it open); otherwise the client
    opens its own on first use.
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if not token:
            raise ValueError("a Zalo bot token is required")
        self._token = token
        self._base = f"{base_url.rstrip('/')}/bot{token}/"
        self._timeout = timeout
        self._session = session
        self._own_session = session is None

    def __repr__(self) -> str:  # the token is an attribute: keep it out of reprs
        return "ZaloClient(<token>)"

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    async def call(self, method: str, body: dict[str, Any], *, timeout: float | None = None) -> Any:  # noqa: ASYNC109
        """POST `body` to `method`; the `result` on ok:true, else a `ZaloError` subclass."""
        limit = aiohttp.ClientTimeout(total=self._timeout if timeout is None else timeout)
        try:
            async with self._http().post(self._base + method, json=body, timeout=limit) as response:
                status, headers, raw = response.status, response.headers, await response.read()
        except TimeoutError:
            raise ZaloTransient(method, None, "timed out") from None
        except aiohttp.ClientError as error:
            problem = _redact(f"{type(error).__name__}: {error}", self._token)
            raise ZaloTransient(method, None, problem) from None
        try:
            decoded: Any = json.loads(raw)
        except ValueError:
            decoded = None
        failure = _failure(method, status, headers, decoded, self._token)
        if failure is not None:
            _LOG.debug("zalo %s failed: %s", method, failure.error_code)
            raise failure
        return decoded.get("result")

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe", {})
        return result if isinstance(result, dict) else {}

    async def get_updates(self, timeout: float) -> dict[str, Any] | None:  # noqa: ASYNC109
        """One update, waiting up to `timeout` seconds; None when none arrived (408 or empty)."""
        try:
            result = await self.call(
                "getUpdates", {"timeout": int(timeout)}, timeout=timeout + LONG_POLL_MARGIN
            )
        except ZaloPermanent as error:
            if error.error_code == NO_UPDATE:
                return None
            raise
        return result if isinstance(result, dict) and result else None

    async def send_message(self, chat_id: str, text: str) -> str:
        """Sends `text` (1-2,000 characters); the message id."""
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return _message_id(result)

    async def send_photo(self, chat_id: str, url: str, caption: str | None = None) -> str:
        """Zalo fetches the photo from `url` (it takes no uploads); the message id."""
        body: dict[str, Any] = {"chat_id": chat_id, "photo": url}
        if caption is not None:
            body["caption"] = caption
        return _message_id(await self.call("sendPhoto", body))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook", {})

    async def get_webhook_info(self) -> dict[str, Any]:
        result = await self.call("getWebhookInfo", {})
        return result if isinstance(result, dict) else {}


def _message_id(result: Any) -> str:
    """A send that succeeded but named no id still happened: "" rather than a retry that doubles it."""
    value = result.get("message_id") if isinstance(result, dict) else None
    return "" if value is None else str(value)


__all__ = [
    "DEFAULT_BASE_URL",
    "ZaloAuthError",
    "ZaloClient",
    "ZaloError",
    "ZaloPermanent",
    "ZaloRetryLater",
    "ZaloTransient",
    "ZaloUnreachable",
]
