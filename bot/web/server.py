"""`WebServer`: the one HTTP server of the process, with the headers and limits every route gets.

aiohttp.web rather than a second framework: aiohttp is already the Bot API transport, the server runs in the
bot's own event loop (no thread, no uvicorn), and its test client needs nothing new.

Wiring, for the composition root (routes are added before `start`; aiohttp freezes the router then)::

    server = WebServer(settings, clock=app.clock)
    media = MediaStore(settings, clock=app.clock)
    media.mount(server)  # GET /media/{token}.png
    guard = secret_guard(settings.zalo_webhook_secret)
    server.add_route("POST", settings.zalo.webhook_path, guard(on_update), name="zalo_webhook")
    await server.start()  # binds web.host:web.port (0: a free port, see .port / .base_url)
    try:
        ...
    finally:
        await server.stop()
"""

from __future__ import annotations

import logging
import traceback

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler
from aiohttp.web_request import BaseRequest

from core.clock import Clock
from core.config import Settings
from models.db import loggable

log = logging.getLogger("donorbot.web")

# For answers that are not pages (JSON, images, calendar files, "ok"): nothing may load from them, and
# nobody may frame them. An HTML page (the organiser page, later) sets its own policy or gets framing only.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
PAGE_POLICY = "frame-ancestors 'none'"


def route_label(request: BaseRequest) -> str:
    """What the access log says of the request's target: the route's name, else its path template
    (`/media/{token}.{ext}`), never the path itself — a media token is in it, a query may hold anything."""
    match_info = getattr(request, "match_info", None)
    route = getattr(match_info, "route", None)
    if route is None:
        return "-"
    if route.name:
        return str(route.name)
    resource = route.resource
    return resource.canonical if resource is not None else "-"


class _AccessLog(AbstractAccessLogger):
    """Method, route and status only: no query string, no body, no client address."""

    def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %d %.0f ms", request.method, route_label(request), response.status, time * 1000
        )


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Runs as every answer is prepared — the handlers' and aiohttp's own 404/405/413/500."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if "Content-Security-Policy" not in headers:
        page = response.content_type == "text/html"
        headers["Content-Security-Policy"] = PAGE_POLICY if page else API_POLICY


async def _healthz(request: web.Request) -> web.Response:
    """The process is up and its event loop answers (nothing more: no database round trip)."""
    return web.Response(text="ok", headers={"Cache-Control": "no-store"})


class WebServer:
    """The process's HTTP server: `add_route`, then `start`; `stop` at the end."""

    def __init__(self, settings: Settings, *, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock  # for the routes mounted on it (media expiry reads the same clock)
        self._max_body = settings.web.max_body_bytes
        # client_max_size bounds request.read()/json()/post() for bodies without a Content-Length
        # (chunked); the middleware refuses a declared length above it before the handler runs.
        self._app = web.Application(
            client_max_size=self._max_body, middlewares=[self._log_errors, self._limit_body]
        )
        self._app.on_response_prepare.append(_security_headers)
        self._app.router.add_get("/healthz", _healthz, name="healthz")
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._larger: dict[str, int] = {}  # route name -> its own body limit (uploads)

    def add_route(
        self,
        method: str,
        path: str,
        handler: Handler,
        *,
        name: str | None = None,
        max_body: int | None = None,
    ) -> None:
        """Adds an aiohttp handler; `name` is what the access log shows (else the path template).
        `max_body`: this route's own body limit instead of `web.max_body_bytes` (an upload; needs a
        `name`). Only before `start`."""
        self._app.router.add_route(method, path, handler, name=name)
        if max_body is not None:
            if name is None:
                raise ValueError("a route with its own body limit needs a name")
            self._larger[name] = max_body

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the web server is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """The address it listens at, for tests and logs (people reach it at `web.public_url`)."""
        host = self.settings.web.host
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    async def start(self) -> None:
        runner = web.AppRunner(
            self._app,
            access_log=log,
            access_log_class=_AccessLog,
            handle_signals=False,  # the CLI owns SIGINT/SIGTERM
            shutdown_timeout=2.0,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.settings.web.host, self.settings.web.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        log.info("web server listening on %s", self.base_url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._port = None

    @web.middleware
    async def _log_errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """A handler's failure is logged as the route, the error's type and where it was raised — never
        its text (it may hold a phone or a message: aiohttp's own log would print it) — and answered 500."""
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except Exception as exc:
            frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
            log.error(
                "%s %s failed: %s\nTraceback (most recent call last; texts left out):\n%s",
                request.method,
                route_label(request),
                loggable(exc),
                frames.rstrip("\n"),
            )
            raise web.HTTPInternalServerError() from None

    @web.middleware
    async def _limit_body(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        limit = self._max_body
        route = getattr(request.match_info, "route", None)
        larger = self._larger.get(route.name or "") if route is not None else None
        if larger is not None:
            limit = larger
            request = request.clone(client_max_size=larger)  # request.post() reads up to it
        length = request.content_length
        if length is not None and length > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=length)
        return await handler(request)
