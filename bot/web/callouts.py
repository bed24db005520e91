"""The web page's callouts pages (to come)."""

from __future__ import annotations

from bot.web.pages import Pages
from bot.web.server import WebServer


def mount(server: WebServer, pages: Pages) -> None:
    """Adds this area's routes."""
