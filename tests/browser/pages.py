"""Small steps of the browser tests (`tests/browser`), so that each test reads as what an organiser does in
Chromium: `Tab` is one browser tab on the test's `Site` (`tests/integration/test_web_pages.site`).

* `log_in(user)`: /web in the emulator's chat, the link the bot sent opened, "Đăng nhập" clicked, `/`.
* `goto(path, shot=…, status=…)`: a page opened, its status checked, a full-page screenshot saved.
* `shows(text)`: waits (a few seconds at most) until the page shows `text`, without reloading it.
* `appears_live(text, action)`: `text` is not on the page; `action` runs (a sign-up in the chat, say); the
  page shows `text` within a few seconds, and it is still the same document (nothing reloaded it).
* `print_pages()`: the page under the print stylesheet, printed by Chromium to an A4 PDF: how many pages.
* `problems`: every console error and uncaught exception of the tab (a CSP violation is one);
  `no_problems()` asserts there are none (the fixture checks it again at the end of every test).

Screenshots go to `build/screenshots/` (or `$DONORBOT_SCREENSHOTS`), one PNG per page name.

The tests to come, once their pages are merged, a few lines each on these steps:
1. create a session: `log_in`, `goto("/sessions/new")`, fill the form, submit, `shows` the new day and its
   row in the database;
2. a sign-up made in the chat appears without reloading: `goto` the roster (or the desk),
   `appears_live("Minh", lambda: book(s.bot, minh, ...))`;
3. a check-in: `goto("/desk")`, search by phone, click the check-in button, `shows` the result, the
   signup's `checked_in_at` and the donor's push in the emulator;
4. a call-out's tally: `goto` the call-out, `appears_live` the count moving when a donor answers in the
   chat.
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import ConsoleMessage, Error, Page, Response, expect

from core.i18n import Catalogs
from emulators.telegram import SimUser
from tests.integration.test_web_pages import Site

VI = Catalogs().get("vi")
ROOT = Path(__file__).resolve().parents[2]
WAIT_MS = 5_000  # a live change shows within this; far more than the page needs
# A page object of a PDF, not the /Pages tree above them
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def screenshot_dir() -> Path:
    return Path(os.environ.get("DONORBOT_SCREENSHOTS") or ROOT / "build" / "screenshots")


def pdf_page_count(pdf: bytes) -> int:
    """The pages of a PDF Chromium printed (its page objects are plain dictionaries, not compressed)."""
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    return len(PDF_PAGE.findall(pdf))


@dataclass
class Tab:
    """One browser tab on a running site; the console watched from the start."""

    page: Page
    site: Site
    _logged: list[tuple[str, str]] = field(default_factory=list)  # (console error or exception, its URL)
    _refused_pages: set[str] = field(default_factory=set)  # documents answered 4xx (a refusal page)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", self._page_error)
        self.page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self._logged.append((f"console: {message.text}", message.location.get("url", "")))

    def _page_error(self, error: Error) -> None:
        self._logged.append((f"page error: {error.message}", self.page.url))

    def _response(self, response: Response) -> None:
        if response.request.resource_type == "document" and response.status >= 400:
            self._refused_pages.add(response.url)

    @property
    def problems(self) -> list[str]:
        """Console errors and uncaught exceptions, but for the "Failed to load resource" line Chromium
        logs for a page the server refused (a 403 page is an answer the test opened on purpose; a
        stylesheet, script or icon that fails to load stays a problem)."""
        return [
            f"{text} ({url})"
            for text, url in self._logged
            if not (text.startswith("console: Failed to load resource") and url in self._refused_pages)
        ]

    def forget_problems(self) -> None:
        self._logged.clear()

    @property
    def base_url(self) -> str:
        return self.site.server.base_url

    # --- steps -----------------------------------------------------------------------------------------

    async def shot(self, name: str) -> Path:
        """A full-page PNG of what the tab shows now, as `{name}.png`."""
        path = screenshot_dir() / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=path, full_page=True)
        return path

    async def goto(self, path: str, *, shot: str | None = None, status: int = 200) -> Response:
        """Opens `path` (on the site, or a full URL) as typed in the address bar; its status must be
        `status`; a screenshot `{shot}.png` when named."""
        url = path if path.startswith("http") else self.base_url + path
        response = await self.page.goto(url)
        assert response is not None, url
        assert response.status == status, (url, response.status, await self.page.content())
        if shot is not None:
            await self.shot(shot)
        return response

    async def log_in(self, user: SimUser, *, shot: str | None = None) -> str:
        """/web sent in the chat, the link from the bot's answer opened and its button clicked: the
        campaigns page. Gives the link's path (to try it again)."""
        path = await self.site.link(user)
        await self.goto(path, shot=shot)
        await expect(self.page.locator("h1")).to_have_text(VI("web_login_title"))
        async with self.page.expect_navigation():
            await self.page.get_by_role("button", name=VI("web_login_button")).click()
        assert self.page.url == self.base_url + "/", self.page.url
        await expect(self.page.locator("h1")).to_have_text(VI("web_campaigns_heading"))
        return path

    async def shows(self, text: str, *, within: str = "main", wait_ms: int = WAIT_MS) -> None:
        """Waits until `within` (a CSS selector) contains `text`; fails after `wait_ms`."""
        await expect(self.page.locator(within)).to_contain_text(text, timeout=wait_ms)

    async def appears_live(
        self,
        text: str,
        action: Callable[[], Awaitable[object]],
        *,
        within: str = "main",
        wait_ms: int = WAIT_MS,
    ) -> None:
        """`text` is not shown; after `action` it is, within `wait_ms`, on the same document: a
        reload or a navigation would have dropped the mark this sets on the window."""
        assert text not in await self.page.locator(within).inner_text(), f"{text!r} shown already"
        await self.page.evaluate("window.donorbotSamePage = true")
        await action()
        await self.shows(text, within=within, wait_ms=wait_ms)
        assert await self.page.evaluate("window.donorbotSamePage === true"), "the page was reloaded"

    async def print_pages(self, *, shot: str | None = None) -> int:
        """The page as printed: the print stylesheet on (a screenshot of it when named), then printed to
        an A4 PDF by Chromium; its number of pages."""
        await self.page.emulate_media(media="print")
        try:
            if shot is not None:
                await self.shot(shot)
            pdf = await self.page.pdf(format="A4", prefer_css_page_size=True)
        finally:
            await self.page.emulate_media(media="screen")
        return pdf_page_count(pdf)

    def no_problems(self) -> None:
        """No console error and no uncaught exception: the CSP held, every stylesheet and icon loaded."""
        assert not self.problems, self.problems
