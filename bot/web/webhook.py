"""What a webhook route needs before it trusts a request: the shared secret, and one bounded JSON object.

Zalo's Bot API sends the secret given to `setWebhook` in `X-Bot-Api-Secret-Token` on every request
(/work/shared/ZALO.md). The guard compares it before the handler runs, so a stranger's request is refused
without its body being read or parsed; the comparison is constant-time on the raw bytes.
"""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

SECRET_HEADER = "X-Bot-Api-Secret-Token"  # Zalo's
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class SecretGuard:
    """Wraps handlers: `guard(handler)` answers 403 unless the request carries the secret.

    `rejected` counts the refused requests (for a metric or a warning: someone knows the URL); the
    optional `on_reject` is called for each. The 403 says nothing of why.
    """

    def __init__(
        self, expected: str, *, header: str = SECRET_HEADER, on_reject: Callable[[], None] | None = None
    ) -> None:
        if not expected:
            raise ValueError("the webhook secret must not be empty")
        self._expected = expected.encode("utf-8")
        self.header = header
        self.on_reject = on_reject
        self.rejected = 0

    def allows(self, request: web.BaseRequest) -> bool:
        values = request.headers.getall(self.header, [])
        if len(values) != 1:  # missing, or sent twice (which one would a proxy have checked?)
            return False
        # aiohttp decodes header bytes as UTF-8 with surrogateescape: this gives the bytes sent back.
        given = values[0].encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self._expected)

    def __call__(self, handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            if not self.allows(request):
                self.rejected += 1
                if self.on_reject is not None:
                    self.on_reject()
                raise web.HTTPForbidden()
            return await handler(request)

        return guarded


def secret_guard(
    expected: str, header: str = SECRET_HEADER, *, on_reject: Callable[[], None] | None = None
) -> SecretGuard:
    """The guard for a webhook route: `server.add_route("POST", path, secret_guard(secret)(handler))`."""
    return SecretGuard(expected, header=header, on_reject=on_reject)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def read_one_json(request: web.BaseRequest, limit: int) -> dict[str, Any]:
    """The body as one JSON object: 413 above `limit` bytes, 400 for anything but exactly one object
    (a list, a number, two objects, invalid UTF-8 or JSON, NaN). Reads at most `limit` + 1 bytes."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=declared)
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await request.content.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)
    try:
        value = json.loads(b"".join(chunks).decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise web.HTTPBadRequest(text="expected one JSON object") from None
    if not isinstance(value, dict):
        raise web.HTTPBadRequest(text="expected one JSON object")
    return value
