"""The HTTP side: an aiohttp app serving ``/bot<token>/<method>`` and file downloads.

Every Bot API request goes through :meth:`ApiServer.dispatch`, the one choke point where the
call is logged, :data:`CallHook` s run (rate limits, injected faults) and the method handler is
looked up. Errors are :class:`~emulators.telegram.params.ApiError` and become Telegram's JSON
error shape with the same HTTP status, which is what PTB maps to its exception classes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from emulators.telegram.methods import METHODS
from emulators.telegram.params import ApiError, read_params
from emulators.telegram.records import ApiCall, JSONDict
from emulators.telegram.state import EmulatorState, WebhookDelivery

_LOG = logging.getLogger(__name__)

CallHook = Callable[[ApiCall], Awaitable[None]]
"""Runs before every method handler, in registration order.

A hook may raise :class:`ApiError` (e.g. 429 with ``parameters={"retry_after": n}``, 500, 403) to
answer instead of the method, or ``await asyncio.sleep(...)`` to simulate a slow server.
"""

_UNAUTHORIZED = ApiError(401, "Unauthorized")


def _chat_of(update: JSONDict) -> object:
    """The chat an update belongs to (its message's, or a button press's), for per-chat ordering."""
    for kind in ("message", "edited_message", "callback_query", "my_chat_member"):
        payload = update.get(kind)
        if isinstance(payload, dict):
            message = payload.get("message", payload)
            chat = message.get("chat") if isinstance(message, dict) else None
            if isinstance(chat, dict):
                return chat.get("id")
            sender = payload.get("from")
            if isinstance(sender, dict):
                return sender.get("id")
    return update.get("update_id")


WEBHOOK_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_TIMEOUT = 60.0  # seconds Telegram waits for the bot's answer to one update
WEBHOOK_RETRY = 0.2  # seconds before a failed delivery is tried again (Telegram backs off longer)
_MAX_UPLOAD_BYTES = 64 * 1024 * 1024


class ApiServer:
    """Serves one bot's API on 127.0.0.1 on an ephemeral port."""

    def __init__(self, state: EmulatorState, token: str, host: str = "127.0.0.1") -> None:
        self.state = state
        self.token = token
        self.host = host
        self.hooks: list[CallHook] = []
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._http: aiohttp.ClientSession | None = None
        self._pusher: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("emulator not started")
        return f"http://{self.host}:{self._port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=_MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # shutdown_timeout is short because stop() already releases long polls.
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])
        self._http = aiohttp.ClientSession()
        self._pusher = asyncio.create_task(self._push_to_webhook(), name="telegram-emulator-webhook")

    async def stop(self) -> None:
        """Release pending long polls (they answer ``[]``), then close the server."""
        self.state.closing = True
        self.state.updates_changed.notify()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _push_to_webhook(self) -> None:
        """While a webhook is set, POSTs the pending updates to it as Telegram does: up to the webhook's
        `max_connections` at once, but one chat's updates one at a time, in order — a chat's next update
        goes only after the bot answered its last with 2xx; a failed delivery is tried again (after
        WEBHOOK_RETRY seconds) and holds back that chat's later ones, not other chats'."""
        state = self.state
        busy: dict[object, asyncio.Task[None]] = {}  # chat -> its delivery under way
        try:
            while not state.closing:
                pending = state.deliverable(len(state.pending_updates)) if state.webhook_url else []
                held: set[object] = set()
                starts: list[tuple[object, JSONDict]] = []
                for update in pending:
                    chat = _chat_of(update)
                    if chat in busy or chat in held:
                        held.add(chat)  # behind an earlier update of its chat
                        continue
                    held.add(chat)
                    if len(busy) + len(starts) < state.webhook_max_connections:
                        starts.append((chat, update))
                for chat, update in starts:
                    busy[chat] = asyncio.create_task(self._deliver(update, state.webhook_url, busy, chat))
                await state.updates_changed.wait(time.monotonic() + 3600)
        finally:
            for task in list(busy.values()):
                task.cancel()

    async def _deliver(
        self, update: JSONDict, url: str, busy: dict[object, asyncio.Task[None]], chat: object
    ) -> None:
        try:
            await self._post_until_taken(update, url)
        finally:
            busy.pop(chat, None)  # before the notify: the pusher then sees the chat free
            self.state.updates_changed.notify()  # the chat's next update may go

    async def _post_until_taken(self, update: JSONDict, url: str) -> None:
        state = self.state
        update_id = int(update["update_id"])
        assert self._http is not None
        headers = {WEBHOOK_SECRET_HEADER: state.webhook_secret} if state.webhook_secret else {}
        while not state.closing:
            status: int | None = None
            try:
                async with self._http.post(
                    url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)
                ) as response:
                    await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError):
                status = None
            state.webhook_deliveries.append(WebhookDelivery(url, update_id, status))
            state.activity.notify()
            if status is not None and 200 <= status < 300:
                state.pending_updates = [u for u in state.pending_updates if u["update_id"] != update_id]
                break
            await asyncio.sleep(WEBHOOK_RETRY)

    async def dispatch(self, method: str, params: JSONDict) -> Any:
        """Log the call, run hooks, run the method; the single path every API call takes."""
        call = ApiCall(method=method, params=params, at=time.monotonic())
        self.state.calls.append(call)
        self.state.activity.notify()  # lets tests wait for a request to be in flight
        try:
            for hook in self.hooks:
                await hook(call)
            handler = METHODS.get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            return await handler(self.state, params)
        except ApiError as error:
            call.status, call.description = error.error_code, error.description
            _LOG.debug("%s -> %s %s", method, error.error_code, error.description)
            raise
        finally:
            call.done_at = time.monotonic()
            self.state.activity.notify()

    def _record_rejected(self, method: str, error: ApiError) -> web.Response:
        """Requests rejected before dispatch (bad token, unparsable body) are logged too."""
        now = time.monotonic()
        self.state.calls.append(ApiCall(method, {}, now, error.error_code, error.description, now))
        self.state.activity.notify()
        return web.json_response(error.to_payload(), status=error.error_code)

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._record_rejected(method, _UNAUTHORIZED)
        try:
            params = await read_params(request)
        except ApiError as error:
            return self._record_rejected(method, error)
        try:
            result = await self.dispatch(method, params)
        except ApiError as error:
            return web.json_response(error.to_payload(), status=error.error_code)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        """Downloads of ``getFile`` paths (``files/<file_id>``), as api.telegram.org/file does."""
        path = request.match_info["path"]
        stored = self.state.files.get(path.removeprefix("files/"))
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(ApiError(404, "Not Found").to_payload(), status=404)
        return web.Response(body=stored.content, content_type=stored.mime_type or "application/octet-stream")
