"""The HTTP side: an aiohttp app serving ``POST /bot<token>/<method>``, user media, and the loop
that pushes events to a webhook.

Every API request goes through :meth:`ZaloServer.dispatch`, the one place where the call is
recorded, :data:`ZaloHook` s run (rate caps, faults) and the method is looked up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import aiohttp
from aiohttp import web

from emulators.zalo.methods import METHODS
from emulators.zalo.records import JSONDict, WebhookDelivery, ZaloApiError, ZaloCall
from emulators.zalo.state import ZaloState

_LOG = logging.getLogger(__name__)

ZaloHook = Callable[[ZaloCall], Awaitable[None]]
"""Runs before every method, in the order added. It may raise :class:`ZaloApiError` to answer
instead of the method (ok:false, or HTTP 500 with ``http_status=500``) or sleep to hang."""

WebhookBodyShape = Literal["result", "top"]
SECRET_HEADER = "X-Bot-Api-Secret-Token"
WEBHOOK_TIMEOUT = 10.0


class ZaloServer:
    """Serves one bot's API on 127.0.0.1 on an ephemeral port."""

    def __init__(self, state: ZaloState, token: str, host: str = "127.0.0.1") -> None:
        self.state = state
        self.token = token
        self.host = host
        self.hooks: list[ZaloHook] = []
        self.webhook_body_shape: WebhookBodyShape = "result"
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._pusher: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("emulator not started")
        return f"http://{self.host}:{self._port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/media/{name}", self._handle_media)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self.state.closing = False
        self.state.http = aiohttp.ClientSession()
        self._pusher = asyncio.create_task(self._push_to_webhook(), name="zalo-emulator-webhook")

    async def stop(self) -> None:
        """Release pending long polls (they get the empty answer), then close everything."""
        self.state.closing = True
        self.state.events_changed.notify()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.state.http is not None:
            await self.state.http.close()
            self.state.http = None

    async def dispatch(self, method: str, params: JSONDict) -> Any:
        """Record the call, run hooks, run the method: the single path every API call takes."""
        call = ZaloCall(method=method, params=params, at=time.monotonic())
        self.state.calls.append(call)
        self.state.activity.notify()
        try:
            for hook in self.hooks:
                await hook(call)
            handler = METHODS.get(method.lower())
            if handler is None:
                raise ZaloApiError(404, f"method {method} not found")
            return await handler(self.state, params)
        except ZaloApiError as error:
            call.http_status, call.error_code = error.http_status, error.error_code
            call.description = error.description
            raise
        finally:
            call.done_at = time.monotonic()
            self.state.activity.notify()

    def _reject(self, method: str, error: ZaloApiError) -> web.Response:
        now = time.monotonic()
        self.state.calls.append(
            ZaloCall(method, {}, now, error.http_status, error.error_code, error.description, now)
        )
        self.state.activity.notify()
        return _error_response(error)

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._reject(method, ZaloApiError(401, "Unauthorized", http_status=401))
        if request.method != "POST":
            return self._reject(method, ZaloApiError(405, "use POST with a JSON body"))
        raw = await request.read()
        try:
            params = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return self._reject(method, ZaloApiError(400, "body is not valid JSON"))
        if not isinstance(params, dict):
            return self._reject(method, ZaloApiError(400, "body must be a JSON object"))
        try:
            result = await self.dispatch(method, params)
        except ZaloApiError as error:
            return _error_response(error)
        return web.json_response({"ok": True, "result": result})

    async def _handle_media(self, request: web.Request) -> web.Response:
        stored = self.state.media.get(request.match_info["name"])
        if stored is None:
            return web.Response(status=404)
        content, mime_type = stored
        return web.Response(body=content, content_type=mime_type)

    # --- webhook ------------------------------------------------------------------------------

    async def _push_to_webhook(self) -> None:
        """While a webhook is set, POST each queued event to it, one at a time, in order.

        A failed delivery is recorded and not retried: Zalo documents no retry policy, so the app
        must not count on one.
        """
        while not self.state.closing:  # checked: 3.11's wait_for may swallow the cancel in stop()
            if not self.state.webhook_url or not self.state.pending:
                await self.state.events_changed.wait(time.monotonic() + 3600)
                continue
            event = self.state.pending.popleft().event
            await self._deliver(self.state.webhook_url, self.state.webhook_secret, event)

    async def _deliver(self, url: str, secret: str, event: JSONDict) -> None:
        body: JSONDict = {"ok": True, "result": event} if self.webhook_body_shape == "result" else event
        status: int | None = None
        problem: str | None = None
        assert self.state.http is not None
        try:
            async with self.state.http.post(
                url,
                json=body,
                headers={SECRET_HEADER: secret},
                timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT),
            ) as response:
                await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as error:
            problem = f"{type(error).__name__}: {error}"
        self.webhook_deliveries.append(
            WebhookDelivery(url, event, body, secret, status, time.monotonic(), problem)
        )
        self.state.activity.notify()


def _error_response(error: ZaloApiError) -> web.Response:
    return web.json_response(error.to_payload(), status=error.http_status, headers=error.headers)
