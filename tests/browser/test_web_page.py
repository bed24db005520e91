"""The organiser's web page in Chromium (issue 17): logging in through the link the bot sent in the
emulator's chat, the campaigns and a campaign's figures, the roster and its A4 print, the refusals a
browser sees (a used link, a link whose role went, a page without a session), and the CSP: no console
error on any page, and an inline script blocked. Screenshots of each page in build/screenshots/.

The data is `tests/integration/test_web_pages.site`'s (Monday 23/11/2026 when booked, read on 02/12/2026):
the campaign "Ngày hội thử" (target 4 units, 1 given), Lan (0912 890 001) booked at 07:00 on drive day
"day" in Tam Lưu.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from models import organisers, signups
from models.tables import Signup, WebLogin
from services.reports.numbers import fmt_percent
from tests.browser.pages import VI, Tab, pdf_page_count
from tests.integration.test_web_pages import Site

pytestmark = pytest.mark.browser

BOOKED_AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # when the sign-ups were made: before the day
# A4 is 210 mm wide; print.css leaves 10 mm each side: 190 mm = 718 CSS px at 96 px to the inch
PRINTED_WIDTH = 718
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ")
GIVEN = ("Thị Ngọc Ánh", "Văn Hùng", "Hoàng Bảo Châu", "Minh Đức", "Thị Thu Hương", "Quốc Khánh")


async def revoke(s: Site, user_id: int) -> None:
    assert s.bot.app is not None
    async with s.bot.app.sessions() as db, db.begin():
        await organisers.revoke(
            db, platform="telegram", user_id=str(user_id), actor="cli:test", now=s.bot.clock.now()
        )


async def sign_up_many(s: Site, count: int) -> None:
    """`count` more donors on drive day "day", spread over its slots as the chat would book them (the
    service `signups.take_slot`, on the Monday before)."""
    assert s.bot.app is not None
    tz = s.bot.settings.tz
    slot = 0
    starts = [time(7, 0), time(7, 30), time(8, 0), time(8, 30), time(9, 0), time(9, 30), time(10, 0)]
    for n in range(count):
        name = f"{SURNAMES[n % len(SURNAMES)]} {GIVEN[n % len(GIVEN)]}"
        user = s.bot.user(9100 + n, name=name)
        donor_id = await s.bot.add_donor(user, phone=f"+8491289{1000 + n:04d}")
        async with s.bot.app.sessions() as db, db.begin():
            for _ in starts:
                taken = await signups.take_slot(
                    db,
                    drive_day_id=s.ids["day"],
                    donor_id=donor_id,
                    slot_start=starts[slot % len(starts)],
                    now=BOOKED_AT,
                    tz=tz,
                    rng=random.Random(n),
                )
                slot += 1
                if isinstance(taken, Signup):
                    break
            else:
                raise AssertionError(f"no slot for {name}: {taken}")


async def test_an_organiser_logs_in_by_the_bots_link_and_sees_the_figures_and_the_roster(
    tab: Tab,
) -> None:
    s = tab.site
    staff = s.bot.user(8990, name="Cán bộ")
    await s.bot.make_organiser(staff)
    path = await tab.log_in(staff, shot="login")
    await tab.shot("home")
    page = tab.page
    row = page.locator("table.campaigns tbody tr")
    await tab.shows("Ngày hội thử", within="table.campaigns")
    assert await row.locator("td.num").all_inner_texts() == ["1", "4"]
    assert fmt_percent(0.25, "vi") in await row.inner_text()

    async with page.expect_navigation():
        await page.get_by_role("link", name="Ngày hội thử").click()
    assert page.url == f"{tab.base_url}/campaign/{s.campaign_id}"
    # the charts load under the CSP (same origin), each a drawn PNG
    assert await page.locator(".charts img").count() == 4
    await page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth === 1200)")
    await tab.shot("campaign")
    await tab.shows("Kết quả chiến dịch «Ngày hội thử»", within="h1")
    units = VI("web_units_line", units="1", target="4", percent=fmt_percent(0.25, "vi"))
    await tab.shows(units)

    await tab.goto(f"/roster/{s.ids['day']}", shot="roster")
    cells = await page.locator("table.roster tbody tr").first.locator("td").all_inner_texts()
    assert "Lan" in cells and "0912 890 001" in cells and "07:00" in cells
    await tab.shows(VI("ros_col_sign"), within="table.roster thead")
    assert await page.locator("header.top").is_visible()

    # The used link again, in the same browser (logged in) or another: refused, nothing opened.
    await tab.goto(path, status=403, shot="link-used")
    await tab.shows(VI("web_link_expired_title"), within="h1")
    assert not await page.get_by_role("button", name=VI("web_login_button")).count()

    await tab.goto("/")
    async with page.expect_navigation():
        await page.get_by_role("button", name=VI("web_logout")).click()
    await tab.shows(VI("web_logged_out_title"), within="h1")
    await tab.shot("logged-out")
    await tab.goto("/", status=403)
    await tab.shows(VI("web_login_needed_title"), within="h1")
    tab.no_problems()


async def test_the_roster_prints_on_one_a4_page(tab: Tab) -> None:
    s = tab.site
    await sign_up_many(s, 24)  # with Lan, 25 donors: a busy morning's list
    staff = s.bot.user(8990, name="Cán bộ")
    await s.bot.make_organiser(staff)
    await tab.log_in(staff)
    await tab.goto(f"/roster/{s.ids['day']}")
    page = tab.page
    assert await page.locator("table.roster tbody tr").count() == 25
    await tab.shows("Nguyễn Thị Ngọc Ánh", within="table.roster")

    await page.set_viewport_size({"width": PRINTED_WIDTH, "height": 1000})
    await page.emulate_media(media="print")
    assert not await page.locator("header.top").is_visible()  # the bar, links and buttons stay on screen
    assert not await page.locator(".noprint").first.is_visible()
    assert not await page.get_by_role("button", name=VI("web_logout")).is_visible()
    overflow = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert overflow[0] <= overflow[1], f"the roster is wider than A4: {overflow}"
    assert await tab.print_pages(shot="roster-print") == 1
    tab.no_problems()


async def test_a_donor_gets_no_link_and_a_link_whose_role_went_is_refused(tab: Tab) -> None:
    s = tab.site
    lan = s.bot.user(8901, name="Lan")
    (answer,) = await s.bot.send(lan, "/web")
    assert answer.text == VI("organiser_only") and "/login/" not in (answer.text or "")
    assert not await s.bot.rows(select(WebLogin))

    staff = s.bot.user(8990, name="Cán bộ")
    await s.bot.add_donor(staff, phone="+84912890099")  # a donor too: the account stays without the role
    await s.bot.make_organiser(staff)
    path = await s.link(staff)
    await revoke(s, staff.id)
    await tab.goto(path, status=403, shot="link-refused")
    await tab.shows(VI("web_organisers_only"))
    assert not await tab.page.get_by_role("button", name=VI("web_login_button")).count()

    await s.bot.make_organiser(staff)  # again an organiser, logged in; then the role goes
    await tab.log_in(staff)
    await revoke(s, staff.id)
    await tab.page.reload()
    await tab.shows(VI("web_organisers_only"))
    assert "Ngày hội thử" not in await tab.page.content()
    tab.no_problems()


async def test_no_page_opens_without_a_session(tab: Tab) -> None:
    s = tab.site
    for path in ("/", f"/campaign/{s.campaign_id}", f"/roster/{s.ids['day']}"):
        await tab.goto(path, status=403)
        await tab.shows(VI("web_login_needed_title"), within="h1")
        assert "Lan" not in await tab.page.inner_text("main")
    await tab.shot("login-needed")
    tab.no_problems()


async def test_the_csp_blocks_an_inline_script_and_the_helpers_see_what_they_claim(tab: Tab) -> None:
    """The checks are worth something: an inline script is refused by the CSP and the refusal reaches
    `problems`; `appears_live` passes on a change made in the page and fails when a navigation brought the
    text."""
    s = tab.site
    staff = s.bot.user(8990, name="Cán bộ")
    await s.bot.make_organiser(staff)
    await tab.log_in(staff)
    tab.no_problems()
    page = tab.page
    with pytest.raises(Exception):  # noqa: B017, PT011 — Playwright's error for a refused script
        await page.add_script_tag(content="document.body.dataset.ran = 'yes'")
    assert await page.evaluate("document.body.dataset.ran") is None
    assert any("Content Security Policy" in p for p in tab.problems), tab.problems
    tab.forget_problems()

    async def later() -> None:  # what a live page's script will do: change the document in place
        await page.evaluate("setTimeout(() => document.querySelector('main').append('Minh 07:30'), 300)")

    await tab.appears_live("Minh 07:30", later)
    heading = "Kết quả chiến dịch «Ngày hội thử»"
    with pytest.raises(AssertionError, match="reloaded"):
        await tab.appears_live(heading, lambda: tab.goto(f"/campaign/{s.campaign_id}"))
    tab.no_problems()


def test_a_pdf_counts_its_page_objects_not_the_tree() -> None:
    one = b"%PDF-1.4\n1 0 obj <</Type /Pages /Kids [2 0 R] /Count 1>>\n2 0 obj <</Type /Page>>\n"
    two = one + b"3 0 obj <</Type/Page /Parent 1 0 R>>\n"
    assert pdf_page_count(one) == 1 and pdf_page_count(two) == 2
