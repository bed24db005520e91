"""python-telegram-bot's HTTP transport on aiohttp: a `telegram.request.BaseRequest` implementation.

Why not PTB's default `HTTPXRequest`: httpcore's connection pool re-scans every connection and every
waiting request on each request (encode/httpcore#1035, still open), so its CPU cost per call grows with
the number of calls in flight. Measured on this project's 2-core machine against the local emulator,
PTB `send_message` cost 0.92 ms of CPU per call at 4 in flight, 1.8 ms at 16 and 3.9 ms at 64 (259
msg/s in all); through this class it cost 0.3–0.45 ms at any of those (about 3,000 msg/s at 64). A
broadcast at Telegram's paid limit of 1,000 msg/s keeps dozens of calls in flight, and the replies of a
busy drive day do too.

Only the transport changes: `telegram.Bot` still builds every request, and `BaseRequest` still turns
status codes into PTB's errors (429 → `RetryAfter`, 403 → `Forbidden`, ...). Failures of the transport
itself become `TimedOut` / `NetworkError`, as with `HTTPXRequest`, with the bot token cut out of them.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import aiohttp
import aiohttp.payload
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """One `aiohttp.ClientSession` with at most `connection_pool_size` connections.

    Timeouts as for `HTTPXRequest`: `connect_timeout` plus `pool_timeout` bound waiting for a free
    connection and opening one, `read_timeout` is the longest silence while reading the answer (long
    polling passes its own). aiohttp has no write timeout of its own, so the whole call is bounded by
    connect + write + read (`media_write_timeout` when uploading a file): Bot API answers are small.
    """

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self.connection_pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._media_write_timeout = media_write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connection_pool_size, limit_per_host=0),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _sum(
            _given(connect_timeout, self._connect_timeout), _given(pool_timeout, self._pool_timeout)
        )
        timeout = aiohttp.ClientTimeout(total=_sum(connect, write, read), connect=connect, sock_read=read)
        body = _body(request_data)
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            raise TimedOut(_redact(f"Timed out: {error}" if str(error) else "Timed out")) from None
        except aiohttp.ClientError as error:
            raise NetworkError(_redact(f"aiohttp.{type(error).__name__}: {error}")) from None


_TOKEN_IN_URL = re.compile(r"/(file/)?bot[^/\s]+")


def _redact(message: str) -> str:
    """aiohttp puts the URL, and with it the bot token, in some errors (a bad URL, a connect timeout).

    The errors end up in logs and in the outbox's `last_error`, so the token is cut out, and the
    original error is not chained (a logged traceback would print it)."""
    return _TOKEN_IN_URL.sub(r"/\1bot<token>", message)


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _sum(*parts: float | None) -> float | None:
    """None (no limit) when any part is unlimited."""
    return None if any(part is None for part in parts) else sum(part for part in parts if part is not None)


def _body(request_data: RequestData | None) -> Any:
    """Form fields as `HTTPXRequest` sends them; multipart when there are files to upload."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:  # encoded here: a dict would make aiohttp build a multipart writer per call
        return aiohttp.payload.BytesPayload(
            urlencode(fields).encode(), content_type="application/x-www-form-urlencoded"
        )
    form = aiohttp.FormData(quote_fields=False)  # UTF-8 file names as they are, like browsers and httpx
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        if not isinstance(content, bytes | bytearray):
            content = content.read()
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


__all__ = ["AiohttpRequest"]
