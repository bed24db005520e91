"""The whole organiser's web page on one server: the core pages (`bot.web.pages`: login, campaigns,
roster, static files) and each area's pages, one module each, over one `Pages` (its session, role and
CSRF checks, templates and catalogs)."""

from __future__ import annotations

from bot.bootstrap import App
from bot.web import audit_log, callouts, campaigns, desk, donors, pages, transfers
from bot.web.server import WebServer


def mount(server: WebServer, app: App) -> None:
    """Adds every route of the web page (before the server starts)."""
    site = pages.Pages(app)
    pages.mount_core(server, site)
    for area in (campaigns, desk, callouts, donors, transfers, audit_log):
        area.mount(server, site)
