"""What an organiser does on the web page in Chromium, end to end with the chat (issue 17): a drive day
created through the form fills up by itself when someone books it in the chat; a call-out made on the web
reaches the reserve donors, and the one who accepts in the chat appears on its tally without a reload; the
check-in desk finds a donor and records the donation in clicks. Screenshots in build/screenshots/.

The data is `tests/integration/test_web_pages.site`'s: today Wednesday 02/12/2026, 09:00 in Vietnam; the
campaign "Ngày hội thử"; Lan (0912 890 001) booked on drive day "day" (30/11, in Tam Lưu).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.async_api import Browser
from sqlalchemy import select

from models.tables import Callout, Donation, DriveDay
from tests.browser.conftest import VIEWPORT
from tests.browser.pages import VI, Tab
from tests.e2e.test_booking import book
from tests.e2e.test_callout_close import CALL, arrives, press_on
from tests.e2e.test_callouts import reserve
from tests.integration.test_web_desk import LAN, desk_site, signup_of, staff

pytestmark = pytest.mark.browser

LIVE_MS = 15_000  # the pages poll every 5 s; a loaded machine may take two rounds


async def test_a_drive_day_made_in_the_browser_fills_up_live_when_someone_books_in_the_chat(
    tab: Tab,
) -> None:
    s, page = tab.site, tab.page
    staff = s.bot.user(8990, name="Cán bộ")
    await s.bot.make_organiser(staff)
    await tab.log_in(staff)
    await tab.goto(f"/sessions/new?campaign={s.campaign_id}", shot="session-new")
    await page.fill("#session-day", "09/12/2026")
    await page.fill("#session-start", "7h")
    await page.fill("#session-end", "9:00")
    await page.fill("#session-place", "Hội trường UBND xã Tam Lưu")
    await page.select_option("#session-ward", label="Tam Lưu")
    await page.fill("#session-capacity", "8")
    async with page.expect_navigation():
        await page.click("#session-submit")
    await tab.shows(VI("wcamp_session_created"), within="#session-created")
    (day,) = await s.bot.rows(select(DriveDay).where(DriveDay.place_name == "Hội trường UBND xã Tam Lưu"))
    assert page.url == f"{tab.base_url}/sessions/{day.id}?done=created"
    assert f"{day.day:%d/%m/%Y} {day.start_time:%H:%M}-{day.end_time:%H:%M}" == "09/12/2026 07:00-09:00"
    assert (await page.inner_text("#fill-taken"), await page.inner_text("#fill-capacity")) == ("0", "8")

    hoa = s.bot.user(8902, name="Hoa")
    await s.bot.add_donor(hoa, phone="+84912890002")
    await tab.appears_live(
        "1",
        lambda: book(s.bot, hoa, "Hội trường UBND xã Tam Lưu", "07:30"),
        within="#fill-taken",
        wait_ms=LIVE_MS,
    )
    await tab.shows("1", within="#slot-0730-taken")
    await tab.shot("session")
    tab.no_problems()


async def test_a_call_out_made_in_the_browser_shows_who_accepts_in_the_chat_without_a_reload(
    tab: Tab,
) -> None:
    s, page = tab.site, tab.page
    minh = await reserve(s.bot, 9101, phone="+84912391001")
    other = await reserve(s.bot, 9102, phone="+84912391002")
    staff = s.bot.user(8990, name="Cán bộ")
    await s.bot.make_organiser(staff)
    await tab.log_in(staff)
    await tab.goto("/callouts/new", shot="callout-new")
    await page.check('input[name="group"][value="O+"]')
    await page.fill("#units", "2")
    await page.fill("#place", "Bệnh viện Đa khoa Kinh Môn")
    await page.fill("#address", "Phường An Lưu, Kinh Môn")
    await page.fill("#contact", "BS Hùng 0912 000 999")
    await page.fill("#deadline", "18:00")
    await page.check('input[name="ward"][value="Tam Lưu"]')
    async with page.expect_navigation():
        await page.click("#callout-preview")
    await tab.shows("2", within="#match-total")
    await tab.shot("callout-preview")
    async with page.expect_navigation():
        await page.click("#callout-confirm")
    (callout,) = await s.bot.rows(select(Callout))
    assert page.url == f"{tab.base_url}/callouts/{callout.id}"
    assert await page.inner_text("#tally-accepted") == "0"

    call = await arrives(s.bot, minh, CALL)
    await arrives(s.bot, other, CALL)
    await tab.appears_live(
        minh.first_name,
        lambda: press_on(s.bot, minh, call, "Tôi đến được"),
        within="#tally-people",
        wait_ms=LIVE_MS,
    )
    await tab.shows("1", within="#tally-accepted")
    assert "0912 391 001" not in await page.content(), "a masked phone only"
    await tab.shot("callout")
    tab.no_problems()


async def test_the_check_in_desk_finds_a_donor_and_records_the_donation_in_clicks(
    browser: Browser, tmp_path: Path
) -> None:
    """On the drive day (30/11/2026, `test_web_desk.desk_site`): Lan booked 07:00 in Tam Lưu."""
    async with desk_site(tmp_path) as s:
        context = await browser.new_context(viewport=VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        try:
            tab = Tab(await context.new_page(), s)
            page = tab.page
            await tab.log_in(await staff(s))
            await tab.goto("/desk")
            await page.fill("#desk-q", "0912 890 001")
            async with page.expect_navigation():
                await page.click("#desk-search")
            lan = await signup_of(s, LAN)
            await tab.shows("Nguyễn Thị Lan", within="#desk-results")
            assert "0912 890 001" not in await page.inner_text("#desk-results"), "a masked phone only"
            await tab.shot("desk")
            async with page.expect_navigation():
                await page.click(f"#desk-open-{lan.id}")
            await tab.shows(VI("desk_status_checked_in"), within="#desk-state")
            await tab.shows("Nhà văn hóa Tam Lưu", within="#desk-session")
            async with page.expect_navigation():
                await page.click("#desk-result-350")
            await tab.shows("Đã hiến 350 ml", within="#desk-result")
            await tab.shot("desk-result")
            (donation,) = await s.bot.rows(select(Donation))
            assert (donation.volume_ml, donation.donated_on) == (350, date(2026, 11, 30))
            s.bot.clock.advance(minutes=10)  # the thank-you leaves time to correct a mis-tap
            await s.bot.emu.wait_until(
                lambda: any("Cảm ơn Nguyễn Thị Lan" in (m.text or "") for m in s.bot.emu.messages(9101)),
                what="the thank-you",
            )
            tab.no_problems()
        finally:
            await context.close()
