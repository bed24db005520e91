"""The organiser's web page, first slice: log in through the bot, the campaigns, a campaign's figures and a
drive day's printable roster — server-rendered (Jinja2), Vietnamese first, no script at all.

* `/login/{token}`: the one-time link /web sent (`handlers.web`). A used, expired or unknown token is a 403
  page ("send /web again"); else a page with one "Log in" button, whose POST (CSRF by a double-submit
  cookie) takes the link and sets the session cookie (random id, stored hashed; HttpOnly, SameSite=Lax,
  Secure when `web.public_url` is https), then redirects to `/`. The GET takes nothing: Telegram's servers
  fetch a message's links for its preview, and would otherwise use the link up before the organiser
  opens it. Audited `web.login` (ids only).
* Every page reads the session (idle 30 min, 12 h in all: `models.web_sessions`) and the chat account's
  role and scope afresh (`models.organisers.grant_of`) in the request's own transaction, then checks the
  page's capability (`domain.roles`) and, for a roster, the scope on the target (`models.rosters.load`).
  Refusals of a role holder are audited `organiser.refused` as the chat's are (once per 10 minutes).
* Every POST carries the session's CSRF token (`csrf` field); without it, or with another, 403.
* Pages get CSP `default-src 'self'; frame-ancestors 'none'; form-action 'self'`, X-Frame-Options DENY,
  `Cache-Control: no-store` (names and phones must not stay in a shared computer's cache).
* `?lang=en` (or `vi`) on any page switches the language and keeps it in the session.

The figures and the roster are the chat's (`services.reports.gather|summary|rosters`): no rule twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from markupsafe import Markup, escape
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bootstrap import App
from bot.web.server import WebServer
from core.i18n import Translator
from domain import ids
from domain.figures import Scope
from domain.roles import CAPABILITIES, Capability, Grant
from models import audit, organisers, rosters, web_sessions
from models.db import is_sqlite
from models.tables import Campaign, ChannelAccount
from services.reports import gather, summary
from services.reports import rosters as roster_sheets
from services.reports.numbers import fmt_int, fmt_percent

log = logging.getLogger("donorbot.web")

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".png": "image/png", ".svg": "image/svg+xml"}

PAGE_POLICY = "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
LANGS = ("vi", "en")
RECENT_CAMPAIGNS = 10
# The menu on every page: (path, capability needed, catalog key); an entry shows only to roles that may.
NAV: tuple[tuple[str, Capability | None, str], ...] = (
    ("/", None, "web_nav_home"),
    ("/sessions", Capability.ROSTER, "web_nav_sessions"),
    ("/desk", Capability.CHECKIN, "web_nav_desk"),
    ("/callouts", Capability.CALLOUT, "web_nav_callouts"),
    ("/donors", Capability.ROSTER, "web_nav_donors"),
    ("/transfers", Capability.EXPORT, "web_nav_transfers"),
    ("/audit", Capability.ORGANISER_ADMIN, "web_nav_audit"),
)
# The charts of a campaign's page, by name (`services.reports.summary.CHARTS`), with their titles' keys.
CHART_TITLES = {
    "progress": "rep_chart_progress",
    "wards": "rep_chart_quota_wards",
    "organisations": "rep_chart_quota_organisations",
    "reserve": "rep_chart_reserve",
    "repeat": "rep_chart_repeat",
}
KEPT_MAX = 512  # campaign × scope × day entries of figures kept at most (then all are dropped)
SHEETS_KEPT = 16  # drive day × scope × language rosters laid out and kept (`Pages._sheet`)
REFUSAL_QUIET = timedelta(minutes=10)  # as handlers.flow.REFUSAL_QUIET: a burst of reloads is one row


def cookie_name(secure: bool) -> str:
    """`__Host-` over HTTPS: the browser then takes it only from this host, path /, Secure."""
    return "__Host-donorbot" if secure else "donorbot_session"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class Refused(Exception):
    """A page answered with a status and a catalog key instead of its content."""

    def __init__(self, status: int, key: str, **params: object) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params


@dataclass
class Kept:
    """A campaign's figures as read for one scope and day (`Pages._kept_figures`)."""

    since: float  # time.monotonic() when read
    read_at: datetime  # the app's clock then, as the page says it
    data: gather.ReportData
    texts: dict[str, str] = field(default_factory=dict)  # the report's text by language


Change = Callable[[AsyncSession], Awaitable[None]]


@dataclass
class Visit:
    """One request's view of who is asking: the session, the role and scope, the language.

    On a page that reads first (`Pages.page(..., reads=True)`) `db` only reads, and what the page writes
    (its audit entry) goes through `write`: it is made after the page, in one short write transaction,
    before the answer leaves."""

    db: AsyncSession
    opened: web_sessions.Opened
    grant: Grant
    t: Translator
    changes: list[Change] | None = None  # a reading page's writes, in order; None: `db` writes itself

    @property
    def scope(self) -> Scope:
        return self.grant.effective_scope

    async def write(self, change: Change) -> None:
        if self.changes is None:
            await change(self.db)
        else:
            self.changes.append(change)


Page = Callable[[web.Request, Visit], Awaitable[web.StreamResponse]]


class Pages:
    """The routes of the web page over one `App` (its database, catalogs, clock and settings)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.env = _environment()
        public = app.settings.web.public_url or ""
        self.secure = public.startswith("https://")
        self.cookie = cookie_name(self.secure)
        self.login_cookie = cookie_name(self.secure) + "-login"
        # SQLite has one writer at a time, and every page is a write transaction (the session's idle end,
        # the audit entry): pages wait for it here, in the order they came, rather than in SQLite's busy
        # handler, which lets in whoever retries first and gives up after `busy_timeout` (bench/web.py: a
        # roster's p95 was 13–23 times its p50, and campaign pages failed with "database is locked").
        self._kept: dict[tuple[object, ...], Kept] = {}
        self._sheets: dict[tuple[object, ...], tuple[rosters.Roster, dict[str, Any]]] = {}
        self._computing: dict[tuple[object, ...], asyncio.Lock] = {}
        self.turn: contextlib.AbstractAsyncContextManager[object] = (
            asyncio.Lock() if is_sqlite(app.settings.database.url) else contextlib.nullcontext()
        )

    # --- answers ---------------------------------------------------------------------------------------

    def render(self, t: Translator, template: str, *, status: int = 200, **values: Any) -> web.Response:
        visit = values.get("visit")
        nav = [
            (path, t(key))
            for path, capability, key in NAV
            if isinstance(visit, Visit) and (capability is None or visit.grant.may(capability))
        ]
        html = self.env.get_template(template).render(t=t, lang=t.lang, nav=nav, **values)
        return web.Response(
            text=html,
            status=status,
            content_type="text/html",
            charset="utf-8",
            headers={
                "Content-Security-Policy": PAGE_POLICY,
                "X-Frame-Options": "DENY",
                "Cache-Control": "no-store",
            },
        )

    def message(self, t: Translator, key: str, *, status: int, **params: object) -> web.Response:
        return self.render(
            t, "message.html", status=status, heading=t(f"{key}_title"), text=t(key, **params), visit=None
        )

    def _lang_asked(self, request: web.Request) -> str | None:
        asked = request.query.get("lang")
        return asked if asked in LANGS else None

    # --- the session around every page -----------------------------------------------------------------

    def page(
        self, capability: Capability | None, handler: Page, *, reads: bool = False
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """`handler` behind the session, the role (with `capability`, when given) and, for POST, CSRF.

        With `reads` (a GET that shows a campaign's figures), the page runs in a reading session outside
        the turn, and only its writes (`Visit.write`, the session's idle end) take it, after: on SQLite a
        1.5 s read of a province's figures then no longer holds the one writer that the chat's turns and
        the other pages wait for (bench/web.py at 1,000,000 donors)."""

        async def run(request: web.Request) -> web.StreamResponse:
            if reads and request.method == "GET":
                answer = await self._read_first(request, capability, handler)
                if answer is not None:
                    return answer
            asked = self._lang_asked(request)
            t = self.app.catalogs.get(asked or "vi")
            sid = request.cookies.get(self.cookie)
            async with self.turn, self.app.sessions() as db, db.begin():
                now = self.app.clock.now()  # once its turn came
                # a page's own poll of live figures (…/tally.json, …/fill.json) is not someone at the
                # desk: an open tab left on a shared computer still ends after the idle time
                touch = not request.path.endswith(".json")
                opened = await web_sessions.current(db, sid=sid, now=now, touch=touch) if sid else None
                if opened is None:
                    return self.message(t, "web_login_needed", status=403)
                if asked is not None and asked != opened.lang:
                    await web_sessions.set_lang(db, opened.id, asked)
                lang = asked or opened.lang
                t = self.app.catalogs.get(lang)
                if request.method == "POST":
                    form = await request.post()
                    sent = form.get("csrf")
                    if not isinstance(sent, str) or not secrets.compare_digest(sent, opened.csrf_token):
                        return self.message(t, "web_csrf", status=403)
                    self.forget_figures()  # a change on the web shows at once on the figures' pages
                grant = await organisers.grant_of(db, platform=opened.platform, user_id=opened.user_id)
                if grant is None or not grant.may(Capability.WEB):
                    return self.message(t, "web_organisers_only", status=403)
                return await self._visit(request, Visit(db, opened, grant, t), capability, handler)

        return run

    async def _read_first(
        self, request: web.Request, capability: Capability | None, handler: Page
    ) -> web.StreamResponse | None:
        """A reading page's GET: the session, the role and the page read outside the turn, then its writes
        in the turn, and the answer once they are committed. None without a live session or when the language
        changes: the ordinary path answers then, with the write that takes (a stale session deleted, the
        language stored)."""
        asked = self._lang_asked(request)
        sid = request.cookies.get(self.cookie)
        if not sid:
            return None
        async with self.app.reads() as db:  # closed, never committed: it only reads
            now = self.app.clock.now()
            opened = await web_sessions.current(db, sid=sid, now=now, touch=False, reading=True)
            if opened is None or (asked is not None and asked != opened.lang):
                return None
            t = self.app.catalogs.get(opened.lang)
            grant = await organisers.grant_of(db, platform=opened.platform, user_id=opened.user_id)
            if grant is None or not grant.may(Capability.WEB):
                return self.message(t, "web_organisers_only", status=403)
            visit = Visit(db, opened, grant, t, changes=[])
            answer = await self._visit(request, visit, capability, handler)
        async with self.turn, self.app.sessions() as db, db.begin():
            await web_sessions.touch(db, opened.id, now=self.app.clock.now())
            for change in visit.changes or ():
                await change(db)
        return answer

    async def _visit(
        self, request: web.Request, visit: Visit, capability: Capability | None, handler: Page
    ) -> web.StreamResponse:
        if capability is not None and not visit.grant.may(capability):
            await self.audit_refusal(visit, f"capability:{capability.value}", capability)
            return self._refused_role(visit, capability)
        try:
            return await handler(request, visit)
        except Refused as refusal:
            return self.render(
                visit.t,
                "message.html",
                status=refusal.status,
                heading=visit.t(f"{refusal.key}_title"),
                text=visit.t(refusal.key, **refusal.params),
                visit=visit,
            )

    def _refused_role(self, visit: Visit, capability: Capability) -> web.Response:
        t = visit.t
        return self.render(
            t,
            "message.html",
            status=403,
            heading=t("web_refused_title"),
            text=t("web_refused", task=t(f"role_may_{capability.value}"), may=may_list(visit.grant, t)),
            visit=visit,
        )

    async def audit_refusal(self, visit: Visit, target: str, capability: Capability) -> None:
        now = self.app.clock.now()
        actor = visit.opened.actor
        details = {
            "capability": capability.value,
            "role": visit.grant.role,
            "scope_kind": visit.scope.kind.value,
            "via": "web",
        }

        async def refused(db: AsyncSession) -> None:
            since = now - REFUSAL_QUIET
            if await audit.recorded_since(
                db, actor=actor, action="organiser.refused", target=target, since=since
            ):
                return
            await audit.record(
                db, actor=actor, action="organiser.refused", target=target, details=details, now=now
            )

        await visit.write(refused)

    # --- login and logout ------------------------------------------------------------------------------

    async def login_page(self, request: web.Request) -> web.StreamResponse:
        """GET of the link: a page with one button (a POST). Opening the link takes nothing, so a chat's
        link preview — Telegram's servers fetch the links a message holds — cannot use it up first."""
        asked = self._lang_asked(request)
        t = self.app.catalogs.get(asked or "vi")
        token = request.match_info["token"]
        now = self.app.clock.now()
        async with self.app.sessions() as db:
            account_id = await web_sessions.login_account(db, token=token, now=now)
            if account_id is None:
                return self.message(t, "web_link_expired", status=403)
            if await organisers_of_account(db, account_id) is None:
                return self.message(t, "web_organisers_only", status=403)
        nonce = web_sessions.new_token()
        response = self.render(t, "login.html", visit=None, token=token, nonce=nonce, asked=asked or "")
        # Double submit: the form's field must match this cookie, so no other site can post a link of
        # its own (and log this browser in as someone else).
        response.set_cookie(
            self.login_cookie,
            nonce,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=self.secure,
            max_age=int(web_sessions.LOGIN_VALID.total_seconds()),
        )
        return response

    async def login(self, request: web.Request) -> web.StreamResponse:
        """POST of the link's page: the link taken once, a session opened, the cookie set, then `/`."""
        asked = self._lang_asked(request)
        t = self.app.catalogs.get(asked or "vi")
        token = request.match_info["token"]
        form = await request.post()
        sent, kept = form.get("csrf"), request.cookies.get(self.login_cookie)
        if not isinstance(sent, str) or not kept or not secrets.compare_digest(sent, kept):
            return self.message(t, "web_csrf", status=403)
        field = form.get("lang")
        if isinstance(field, str) and field in LANGS:
            asked = field
        now = self.app.clock.now()
        async with self.app.sessions() as db, db.begin():
            await web_sessions.sweep(db, now=now)  # links and sessions that can no longer be used
            account_id = await web_sessions.take_login(db, token=token, now=now)
            if account_id is None:
                return self.message(t, "web_link_expired", status=403)
            opened_for = await organisers_of_account(db, account_id)
            if opened_for is None:
                return self.message(t, "web_organisers_only", status=403)
            actor, lang = opened_for
            row, sid = await web_sessions.open_session(db, account_id=account_id, lang=asked or lang, now=now)
            await audit.record(db, actor=actor, action="web.login", target=f"web_session:{row.id}", now=now)
        response = web.Response(status=303, headers={"Location": "/", "Cache-Control": "no-store"})
        response.set_cookie(self.cookie, sid, path="/", httponly=True, samesite="Lax", secure=self.secure)
        response.del_cookie(self.login_cookie, path="/", secure=self.secure, httponly=True, samesite="Strict")
        return response

    async def logout(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        await web_sessions.close(visit.db, visit.opened.id)
        await audit.record(
            visit.db,
            actor=visit.opened.actor,
            action="web.logout",
            target=f"web_session:{visit.opened.id}",
            now=self.app.clock.now(),
        )
        response = self.message(visit.t, "web_logged_out", status=200)
        response.del_cookie(self.cookie, path="/", secure=self.secure, httponly=True, samesite="Lax")
        return response

    # --- pages -----------------------------------------------------------------------------------------

    async def home(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t, now = visit.t, self.app.clock.now()
        if not visit.grant.may(Capability.STATS):  # a desk's role: no figures, only what it may do
            return self.render(
                t, "home.html", visit=visit, campaigns=[], may=may_list(visit.grant, t), stats=False
            )
        lines = []
        for campaign in await gather.recent_campaigns(visit.db, limit=RECENT_CAMPAIGNS):
            data = await self._figures(visit, campaign)
            lines.append(campaign_line(campaign, data, t))
        return self.render(t, "home.html", visit=visit, campaigns=lines, may="", stats=True, now=now)

    async def campaign(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        number = ids.parse_id(request.match_info["campaign_id"])
        found = await visit.db.get(Campaign, number) if number is not None else None
        if found is None:
            raise Refused(404, "web_campaign_unknown")
        kept = await self._kept_figures(visit, found, with_milestones=True)
        data, read_at = kept.data, kept.read_at
        heading = data.heading(t)
        report = kept.texts.get(t.lang)
        if report is None:  # the report's words, once per language while the figures are kept
            report = kept.texts[t.lang] = summary.text(
                data.figures, t, heading=heading, recognition=data.recognition, clubs=data.clubs
            )
        blocks = [block.splitlines() for block in report.split("\n\n")][1:]  # the heading is the <h1>
        actor, now = visit.opened.actor, self.app.clock.now()
        await visit.write(lambda db: gather.record(db, data, actor=actor, output="text", now=now))
        figures = data.figures
        shown = {
            "progress": True,
            "wards": bool(figures.wards),
            "organisations": bool(figures.organisations),
            "reserve": True,
            "repeat": True,
        }
        return self.render(
            t,
            "campaign.html",
            visit=visit,
            charts=[(name, t(key)) for name, key in CHART_TITLES.items() if shown[name]],
            heading=heading,
            as_of=t("rep_as_of", date=t.date(data.figures.today)),
            read_at=t("web_figures_read_at", time=f"{read_at.astimezone(self.app.settings.tz):%H:%M:%S}"),
            blocks=[lines for lines in blocks if lines],
            line=campaign_line(found, data, t),
        )

    async def campaign_chart(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """One chart of a campaign's page as PNG, for the viewer's scope (the chat's /thongke charts), drawn
        in a worker thread; never cached (another role's figures differ)."""
        number = ids.parse_id(request.match_info["campaign_id"])
        name = request.match_info["chart"]
        found = await visit.db.get(Campaign, number) if number is not None else None
        draw = summary.CHARTS.get(name)
        if found is None or draw is None:
            raise Refused(404, "web_campaign_unknown")
        data = await self._figures(visit, found, with_milestones=True)  # the page's own, kept
        png = await asyncio.to_thread(draw, data.figures, visit.t)
        return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})

    async def roster(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t, now, tz = visit.t, self.app.clock.now(), self.app.settings.tz
        number = ids.parse_id(request.match_info["drive_day_id"])
        if number is None:
            raise Refused(404, "web_roster_unknown")
        found = await rosters.load(visit.db, number, scope=visit.scope, now=now, tz=tz)
        if found is rosters.Refusal.UNKNOWN:
            raise Refused(404, "web_roster_unknown")
        if isinstance(found, rosters.Refusal):
            await self.audit_refusal(visit, f"drive_day:{number}", Capability.ROSTER)
            raise Refused(403, "web_roster_out_of_scope", id=number)
        actor = visit.opened.actor
        await visit.write(lambda db: roster_sheets.record(db, found, actor=actor, output="web", now=now))
        return self.render(t, "roster.html", visit=visit, **self._sheet(found, t))

    def _sheet(self, roster: rosters.Roster, t: Translator) -> dict[str, Any]:
        """The roster's part of its page, worded in `t`'s language, kept by its rows: a drive day's roster
        read again unchanged (`models.rosters.load` then gives the same rows) is not laid out again (its
        sheet and HTML were a fifth of a 500-person roster's page; bench/web.py)."""
        key = (roster.day.id, roster.scope, roster.no_shows_only, t.lang)
        kept = self._sheets.get(key)
        if kept is not None and kept[0] == roster:
            return kept[1]
        sheet = roster_sheets.table(roster, t, self.app.settings.tz)
        laid_out: dict[str, Any] = {
            "heading": roster_sheets.heading(roster, t),
            "summary": roster_sheets.summary_text(roster, t).splitlines()[1:],
            "columns": [c.header for c in sheet.columns],
            "rows": table_rows(sheet.rows),
            "cancelled": roster.day.status == "cancelled",
        }
        if kept is None and len(self._sheets) >= SHEETS_KEPT:
            del self._sheets[next(iter(self._sheets))]  # the oldest
        self._sheets[key] = (roster, laid_out)
        return laid_out

    async def _figures(
        self, visit: Visit, campaign: Campaign, *, with_milestones: bool = False
    ) -> gather.ReportData:
        return (await self._kept_figures(visit, campaign, with_milestones=with_milestones)).data

    async def _kept_figures(self, visit: Visit, campaign: Campaign, *, with_milestones: bool) -> Kept:
        """The campaign's figures for the viewer's scope, kept `web.figures_kept_seconds` for the same
        campaign, scope and day (the page and its charts, the next viewer of that scope), computed once at a
        time, with the report's text in each language it was shown in.

        At a province's size they are passes over every donor and a year's donations (bench/web.py: 1.5–1.8 s
        at 1,000,000 donors, holding SQLite's one writer meanwhile); the page says when they were read. A
        change made on the web (any POST) drops what is kept.
        """
        now = self.app.clock.now()
        today = now.astimezone(self.app.settings.tz).date()
        key = (campaign.id, visit.scope.kind.value, visit.scope.name, today, with_milestones)
        if (found := self._fresh(key)) is not None:
            return found
        async with self._computing.setdefault(key, asyncio.Lock()):
            if (found := self._fresh(key)) is not None:  # another request read them meanwhile
                return found
            data = await gather.gather(
                visit.db,
                scope=visit.scope,
                settings=self.app.settings,
                rules=self.app.knowledge.rules,
                today=today,
                now=now,
                campaigns=[campaign],
                with_milestones=with_milestones,
            )
            if len(self._kept) >= KEPT_MAX:  # and the locks of keys nobody is reading now
                self._kept.clear()
                self._computing = {k: lock for k, lock in self._computing.items() if lock.locked()}
            kept = self._kept[key] = Kept(time.monotonic(), now, data)
            return kept

    def _fresh(self, key: tuple[object, ...]) -> Kept | None:
        kept = self._kept.get(key)
        if kept is None or time.monotonic() - kept.since >= self.app.settings.web.figures_kept_seconds:
            return None
        return kept

    def forget_figures(self) -> None:
        self._kept.clear()

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = STATIC / name
        kind = STATIC_TYPES.get(path.suffix)
        # only a file lying in static/ itself: the route's {name} holds no "/", and no dot-file
        if kind is None or name.startswith(".") or not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(
            body=path.read_bytes(),
            content_type=kind,
            charset="utf-8" if kind.startswith("text/") else None,
            headers={"Cache-Control": "public, max-age=3600"},
        )


def table_rows(rows: Sequence[Sequence[object]]) -> Markup:
    """A table's body rows as HTML, every cell escaped: the same markup the template's two loops wrote, at
    a fraction of the time (a 500-person roster's cells took Jinja 19 ms a page, escaping each of its 4,000
    cells on its own 4 ms; bench/web.py).

    The cells are joined with the ASCII unit and record separators and escaped in one pass, then the
    separators become the tags. A cell holding a separator itself (a name typed with control characters)
    would move the cells after it, so the counts are checked and such a table is escaped cell by cell.
    """
    plain = _RECORD.join(_UNIT.join(map(str, row)) for row in rows)
    if plain.count(_UNIT) != sum(len(row) - 1 for row in rows) or plain.count(_RECORD) != max(
        len(rows) - 1, 0
    ):
        cells = "</td><td>"
        return Markup(
            "\n".join("<tr><td>" + cells.join(escape(cell) for cell in row) + "</td></tr>" for row in rows)
        )
    body = str(escape(plain)).replace(_UNIT, "</td><td>").replace(_RECORD, "</td></tr>\n<tr><td>")
    return Markup(f"<tr><td>{body}</td></tr>") if rows else Markup("")


_UNIT, _RECORD = "\x1f", "\x1e"


def may_list(grant: Grant, t: Translator) -> str:
    allowed = [t(f"role_may_{c.value}") for c in CAPABILITIES if grant.may(c)]
    return ", ".join(allowed) if allowed else t("role_may_nothing")


def campaign_line(campaign: Campaign, data: gather.ReportData, t: Translator) -> dict[str, object]:
    """A campaign's row on the home page: units in the viewer's scope against the target."""
    units = data.figures.units
    lang = t.lang
    percent = units.percent
    return {
        "id": campaign.id,
        "name": campaign.name,
        "year": campaign.year,
        "units": fmt_int(units.actual, lang),
        "target": fmt_int(units.target, lang) if units.target is not None else "—",
        "percent": fmt_percent(percent / 100, lang) if percent is not None else "—",
        # the bar's width, in steps of 10 % (classes w0…w10: no inline style under the CSP)
        "bar": min(10, int(percent // 10)) if percent is not None else 0,
    }


async def organisers_of_account(db: AsyncSession, account_id: int) -> tuple[str, str] | None:
    """(actor, language) of a chat account that may use the web page, or None."""
    account = await db.get(ChannelAccount, account_id)
    if account is None:
        return None
    grant = await organisers.grant_of(db, platform=account.platform, user_id=account.user_id)
    if grant is None or not grant.may(Capability.WEB):
        return None
    await db.refresh(account, ["donor"])
    lang = account.donor.language if account.donor is not None and account.donor.language in LANGS else "vi"
    return f"{account.platform}:{account.user_id}", lang or "vi"


def mount_core(server: WebServer, pages: Pages) -> None:
    """The login, home, campaign and roster routes and the static files (`bot.web.site` adds the rest)."""
    server.add_route("GET", "/login/{token}", pages.login_page, name="web_login_page")
    server.add_route("POST", "/login/{token}", pages.login, name="web_login")
    server.add_route("GET", "/", pages.page(None, pages.home, reads=True), name="web_home")
    server.add_route(
        "GET",
        "/campaign/{campaign_id}",
        pages.page(Capability.STATS, pages.campaign, reads=True),
        name="web_campaign",
    )
    server.add_route(
        "GET",
        r"/campaign/{campaign_id}/chart/{chart:[a-z]+}.png",
        pages.page(Capability.STATS, pages.campaign_chart, reads=True),
        name="web_campaign_chart",
    )
    server.add_route(
        "GET",
        "/roster/{drive_day_id}",
        # in one turn: its read is a few ms, and a second transaction cost more than it freed
        # (bench/web.py, one core free: 57–59 rosters/s against 68–74). Measured again 2026-12-03 at
        # 1,000,000 donors: read outside the turn, a roster took 21–32 ms of server CPU against 14–16
        # (reads of one page overlapping another's writes in one process cost more than they free),
        # 18 ms when reads too went one at a time; two page processes then gave 1.2 × the rosters/s of
        # one, the two cores being shared with the browsers; SQLite's mmap changed nothing. What took a
        # roster from 8.3 to 5.3–6.4 ms was not laying out unchanged rows again (`Pages._sheet`)
        pages.page(Capability.ROSTER, pages.roster),
        name="web_roster",
    )
    server.add_route("POST", "/logout", pages.page(None, pages.logout), name="web_logout")
    server.add_route("GET", "/static/{name}", pages.static, name="web_static")
