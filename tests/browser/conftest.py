"""Browser tests of the organiser's web page (issue 17): Debian's Chromium, headless, driven by Playwright's
async API with that executable (`scripts/_chromium.sh` installs it and exports DONORBOT_CHROMIUM; never
`playwright install`).

Every fixture here is function-scoped and async, so Playwright runs on the test's own event loop
(pytest-asyncio's per-function loop): a browser launch costs about 0.7 s, less than a test's site.
Without Chromium the tests skip with the reason printed, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, ViewportSize, async_playwright

from tests.browser.pages import Tab
from tests.integration.test_web_pages import Site, site

DEBIAN_CHROMIUM = "/usr/bin/chromium"
VIEWPORT: ViewportSize = {"width": 1100, "height": 760}


def chromium_path() -> str:
    """Debian's Chromium (DONORBOT_CHROMIUM, else /usr/bin/chromium or `chromium` on PATH); without it a
    skip that says why, or a failure under CI=true."""
    wanted = os.environ.get("DONORBOT_CHROMIUM") or DEBIAN_CHROMIUM
    found = wanted if os.access(wanted, os.X_OK) else shutil.which("chromium")
    if found is not None:
        return found
    reason = (
        f"no Chromium at {wanted}: the browser tests need Debian's chromium package "
        "(scripts/test installs it: apt-get install chromium)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_path()
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium's sandbox refuses to run as root
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Site]:
    """The bot on the Telegram emulator with the web server and the data of `test_web_pages.site`."""
    async with site(tmp_path) as s:
        yield s


@pytest.fixture
async def tab(browser: Browser, web: Site) -> AsyncIterator[Tab]:
    """A fresh browser profile (no cookies) with one tab on the site; at the end, no console errors."""
    context = await browser.new_context(
        viewport=VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", device_scale_factor=1
    )
    try:
        opened = Tab(await context.new_page(), web)
        yield opened
        opened.no_problems()
    finally:
        await context.close()
