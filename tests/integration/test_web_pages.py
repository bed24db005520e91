"""The organiser's web page over real HTTP: the login link /web sends through the emulator, used once; the
session cookie and its flags; every page refused without a session; the roster within the scope; CSRF on
POST; the security headers; `?lang=en`; the print stylesheet.

The data (today Monday 23/11/2026): the campaign "Ngày hội thử" with a drive day in Tam Lưu on 30/11/2026
and one in Nhị Chiểu on 01/12/2026; Lan (Tam Lưu, 0912 890 001) books the first at 07:00, nobody the
second.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import select

from bot.bootstrap import build_app
from bot.cli.serve import build_channels
from bot.web import pages
from bot.web import site as web_site
from bot.web.server import WebServer
from core.i18n import Catalogs
from domain.figures import Scope
from emulators.telegram import SimUser, TelegramEmulator
from models import donor_export, erasure, organisers
from models.tables import AuditEntry, Campaign, Donation, Donor, Signup, WebLogin, WebSession
from services.reports.numbers import fmt_percent
from tests.e2e.test_booking import book, load, plan, session
from tests.helpers import BotHarness, FixedClock, make_settings, with_public_url

VI = Catalogs().get("vi")
EN = Catalogs().get("en")
PAGE_POLICY = "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+)(/login/[A-Za-z0-9_-]{43})\b")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
DAY = date(2026, 11, 30)
AFTER = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday 02/12/2026, 09:00 in Vietnam


@dataclass
class Site:
    bot: BotHarness
    server: WebServer
    ids: dict[str, int]
    campaign_id: int

    def client(self) -> aiohttp.ClientSession:
        """A browser of its own: cookies for 127.0.0.1 kept (aiohttp's jar skips IP hosts by default)."""
        return aiohttp.ClientSession(self.server.base_url, cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def link(self, user: SimUser) -> str:
        """The path of the login link the bot sends to `user` for /web."""
        sent = await self.bot.send(user, "/web")
        found = LINK.search(sent[0].text or "")
        assert found is not None, sent[0].text
        assert found.group(1) == self.bot.settings.web.public_url
        return found.group(2)

    async def logged_in(self, user: SimUser) -> aiohttp.ClientSession:
        client = self.client()
        path = await self.link(user)
        await login_form(client, path)
        async with client.post(path, data={"csrf": await login_form(client, path)}) as response:
            assert response.status == 200 and response.url.path == "/"
        return client


async def login_form(client: aiohttp.ClientSession, path: str) -> str:
    """Opens the link's page (nothing taken yet: a preview may do the same) and gives its form's token."""
    async with client.get(path) as response:
        assert response.status == 200
        page = await response.text()
    assert f'<form method="post" action="{path}">' in page and VI("web_login_button") in page
    found = CSRF.search(page)
    assert found is not None
    return found.group(1)


@asynccontextmanager
async def site(tmp_path: Path, database_url: str | None = None) -> AsyncIterator[Site]:
    async with TelegramEmulator() as emu:
        settings = with_public_url(make_settings(tmp_path, database_url=database_url))
        bot = BotHarness(emu, settings, FixedClock())
        await bot.start()
        assert bot.app is not None
        server = WebServer(bot.settings, clock=bot.clock)
        web_site.mount(server, bot.app)
        await server.start()
        try:
            text = plan(
                2026,
                session("day", "2026-11-30", "Nhà văn hóa Tam Lưu", "Tam Lưu"),
                session("other", "2026-12-01", "Trường THCS Nhị Chiểu", "Nhị Chiểu"),
            )
            ids = await load(
                bot, tmp_path, text.replace("year = 2026\n", "year = 2026\ntarget_units = 4\n", 1)
            )
            lan = bot.user(8901, name="Lan")
            lan_id = await bot.add_donor(lan, phone="+84912890001")
            await book(bot, lan, "Nhà văn hóa Tam Lưu", "07:00")
            async with bot.app.sessions() as db, db.begin():  # she gave 350 ml that day: 1 unit of 4
                db.add(Donation(donor_id=lan_id, donated_on=DAY, volume_ml=350, drive_day_id=ids["day"]))
            bot.clock.current = AFTER
            (campaign,) = await bot.rows(select(Campaign))
            yield Site(bot, server, ids, campaign.id)
        finally:
            await server.stop()
            await bot.stop()


async def test_the_link_logs_in_once_with_a_safe_cookie_and_the_pages_show_the_chats_figures(
    tmp_path: Path,
    database_url: str,
) -> None:
    async with site(tmp_path, database_url) as s:
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        path = await s.link(staff)
        async with s.client() as browser:
            await login_form(browser, path)  # a link preview fetching it twice takes nothing
            nonce = await login_form(browser, path)
            async with s.client() as forger, forger.post(path, data={"csrf": nonce}) as response:
                assert response.status == 403  # a form posted without the page's cookie: refused
            async with browser.post(path, data={"csrf": nonce}, allow_redirects=False) as response:
                assert response.status == 303 and response.headers["Location"] == "/"
                (cookie,) = [
                    c for c in response.headers.getall("Set-Cookie") if c.startswith("donorbot_session=")
                ]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
            assert "Secure" not in cookie  # served over http here; https → Secure and __Host-
            (row,) = await s.bot.rows(select(WebSession))
            sid = cookie.split(";")[0].split("=", 1)[1]
            assert row.session_hash != sid and len(row.session_hash) == 64  # only the hash is stored
            (login,) = await s.bot.rows(select(WebLogin))
            assert path.rsplit("/", 1)[1] not in (login.token_hash, str(login.id))

            async with browser.get("/") as response:
                assert response.status == 200
                page = await response.text()
                assert response.headers["Content-Security-Policy"] == PAGE_POLICY
                assert response.headers["X-Frame-Options"] == "DENY"
                assert response.headers["Cache-Control"] == "no-store"
            assert VI("web_campaigns_heading") in page and "Ngày hội thử" in page
            units = '<td class="num">1</td>\n    <td class="num">4</td>'  # units, target
            assert units in page and f'w2"></span></span> {fmt_percent(0.25, "vi")}' in page
            assert f'href="/campaign/{s.campaign_id}"' in page
            assert '<link rel="stylesheet" href="/static/print.css" media="print">' in page
            assert "<script" not in page and "style=" not in page  # nothing inline under the CSP
            async with browser.get("/static/print.css") as response:
                assert response.status == 200 and "@page { size: A4 portrait" in await response.text()

            async with browser.get(f"/campaign/{s.campaign_id}") as response:
                assert response.status == 200
                page = await response.text()
            assert "Kết quả chiến dịch «Ngày hội thử»" in page and "toàn địa bàn" in page
            # the same words as /thongke gives in the chat for that campaign
            (chat, *_) = await s.bot.send(staff, f"/thongke {s.campaign_id}")
            lines = (chat.text or "").split("\n\n", 1)[1].rsplit("\n\n", 1)[0].splitlines()
            assert VI(
                "rep_units_below", units="1", percent=fmt_percent(0.25, "vi"), target="4", difference="3"
            ) in (lines)
            for line in filter(None, lines):
                assert f"<p>{html.escape(line, quote=False)}</p>" in page, line

            async with browser.get(f"/roster/{s.ids['day']}") as response:
                assert response.status == 200
                page = await response.text()
            assert "Lan" in page and "0912 890 001" in page and "07:00" in page
            assert VI("ros_col_sign") in page

            # The same link a second time, even from another browser: refused.
            async with s.client() as other, other.get(path) as response:
                assert response.status == 403
                assert "Gửi /web cho bot một lần nữa" in await response.text()
            async with browser.post(path, data={"csrf": nonce}) as response:
                assert response.status == 403  # its page's cookie went with the login, and the link too

        actions = {(a.action, a.actor) for a in await s.bot.rows(select(AuditEntry))}
        actor = f"telegram:{staff.id}"
        wanted = {"web.link", "web.login", "roster.export", "report.view"}
        assert {(action, actor) for action in wanted} <= actions
        (roster_entry,) = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "roster.export"))
        assert roster_entry.details == {"scope": "area", "format": "web", "rows": 1}
        for entry in await s.bot.rows(select(AuditEntry).where(AuditEntry.action.like("web.%"))):
            assert "Lan" not in str(entry.details) and "0912" not in str(entry.details)


async def test_an_expired_or_unknown_link_and_a_stale_session_are_refused(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s:
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        path = await s.link(staff)
        async with s.client() as slow:  # the page opened in time, the button pressed too late
            nonce = await login_form(slow, path)
            s.bot.clock.advance(minutes=10, seconds=1)
            async with slow.post(path, data={"csrf": nonce}) as response:
                assert response.status == 403
                assert VI("web_link_expired_title") in await response.text()
        async with s.client() as browser:
            async with browser.get(path) as response:
                assert response.status == 403
                assert VI("web_link_expired_title") in await response.text()
            async with browser.get("/login/" + "A" * 43) as response:
                assert response.status == 403
            assert not await s.bot.rows(select(WebSession))

        browser = await s.logged_in(staff)
        async with browser:
            for _ in range(2):  # 29 minutes idle, twice: each page moves the idle end on
                s.bot.clock.advance(minutes=29)
                async with browser.get("/") as response:
                    assert response.status == 200
            s.bot.clock.advance(minutes=30, seconds=1)
            async with browser.get("/") as response:
                assert response.status == 403
                assert VI("web_login_needed_title") in await response.text()


async def test_a_pages_own_polling_does_not_keep_an_idle_session_open(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        fill = f"/sessions/{s.ids['day']}/fill.json"
        async with await s.logged_in(staff) as browser:
            for _ in range(3):  # a tab left open on the drive day's figures: polled, nobody there
                s.bot.clock.advance(minutes=9)
                async with browser.get(fill) as response:
                    assert response.status == 200, await response.text()
            s.bot.clock.advance(minutes=3, seconds=1)  # 30 min 1 s after the last page a person opened
            async with browser.get(fill) as response:
                assert response.status == 403
            async with browser.get("/") as response:
                assert response.status == 403
                assert VI("web_login_needed_title") in await response.text()


async def test_a_session_ends_after_twelve_hours_however_busy(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        async with await s.logged_in(staff) as browser:
            for _ in range(28):  # a page every 25 minutes: 11 h 40 min
                s.bot.clock.advance(minutes=25)
                async with browser.get("/") as response:
                    assert response.status == 200
            s.bot.clock.advance(minutes=25)  # 12 h 05 min after the login
            async with browser.get("/") as response:
                assert response.status == 403


async def test_every_page_is_refused_without_a_session(tmp_path: Path) -> None:
    async with site(tmp_path) as s, s.client() as browser:
        for path in ("/", f"/campaign/{s.campaign_id}", f"/roster/{s.ids['day']}"):
            async with browser.get(path) as response:
                assert response.status == 403, path
                page = await response.text()
                assert "Lan" not in page and "Gửi /web cho bot" in page
                assert response.headers["X-Frame-Options"] == "DENY"
        async with browser.post("/logout", data={"csrf": "x"}) as response:
            assert response.status == 403
        async with browser.get("/", headers={"Cookie": "donorbot_session=forged"}) as response:
            assert response.status == 403


async def test_a_campaigns_figures_are_kept_a_minute_and_a_change_on_the_web_drops_them(
    tmp_path: Path,
) -> None:
    async with site(tmp_path) as s:
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        one = VI("web_units_line", units="1", target="4", percent=fmt_percent(0.25, "vi"))
        two = VI("web_units_line", units="2", target="4", percent=fmt_percent(0.5, "vi"))
        async with await s.logged_in(staff) as browser:
            async with browser.get(f"/campaign/{s.campaign_id}") as response:
                page = await response.text()
            assert one in page and VI("web_figures_read_at", time="09:00:00") in page
            hoa = s.bot.user(8902, name="Hoa")
            hoa_id = await s.bot.add_donor(hoa, phone="+84912890002")
            async with s.bot.app.sessions() as db, db.begin():  # type: ignore[union-attr]
                db.add(Donation(donor_id=hoa_id, donated_on=DAY, volume_ml=350, drive_day_id=s.ids["day"]))
            s.bot.clock.advance(minutes=5)  # the app's clock; the figures are kept by the process's own
            async with browser.get(f"/campaign/{s.campaign_id}") as response:
                page = await response.text()
            assert one in page and two not in page, "kept: the same figures, saying when they were read"
            assert VI("web_figures_read_at", time="09:00:00") in page
            csrf = CSRF.search(page)
            assert csrf is not None
            async with browser.post("/logout", data={"csrf": csrf.group(1)}) as response:
                assert response.status == 200  # any change made on the web drops them
        async with await s.logged_in(staff) as browser, browser.get(f"/campaign/{s.campaign_id}") as response:
            page = await response.text()
        assert two in page and VI("web_figures_read_at", time="09:05:00") in page


async def test_a_rosters_cells_are_escaped(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        async with s.bot.app.sessions() as db, db.begin():  # type: ignore[union-attr]
            lan = await db.scalar(select(Donor).where(Donor.phone == "+84912890001"))
            assert lan is not None
            lan.full_name = 'Lan <img src=x onerror="alert(1)"> & Co'
        async with await s.logged_in(staff) as browser, browser.get(f"/roster/{s.ids['day']}") as response:
            page = await response.text()
        assert "<img" not in page
        assert "<td>Lan &lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; Co</td>" in page


async def test_a_roster_seen_again_shows_what_changed_meanwhile_in_the_language_asked(tmp_path: Path) -> None:
    """The page keeps a roster's laid-out rows only while the roster is the same (`Pages._sheet`)."""
    async with site(tmp_path) as s:
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        roster = f"/roster/{s.ids['day']}"
        async with await s.logged_in(staff) as browser:
            for _ in range(2):
                async with browser.get(roster) as response:
                    page = await response.text()
                assert "<td>Lan</td><td>0912 890 001</td>" in page and VI("ros_status_active") in page
            async with s.bot.app.sessions() as db, db.begin():  # type: ignore[union-attr]
                signup = await db.scalar(
                    select(Signup)
                    .join(Donor, Donor.id == Signup.donor_id)
                    .where(Donor.phone == "+84912890001")
                )
                assert signup is not None
                signup.status, signup.checked_in_at = "checked_in", datetime(2026, 3, 1, 0, 10, tzinfo=UTC)
                (await db.get_one(Donor, signup.donor_id)).full_name = "Lan Anh"
            async with browser.get(roster) as response:
                page = await response.text()
            checked_in = VI("ros_status_at", status=VI("ros_status_checked_in"), time="07:10")
            assert "<td>Lan Anh</td>" in page and f"<td>{checked_in}</td>" in page
            async with browser.get(f"{roster}?lang=en") as response:
                page = await response.text()
            checked_in = EN("ros_status_at", status=EN("ros_status_checked_in"), time="07:10")
            assert f"<th>{EN('ros_col_sign')}</th>" in page and f"<td>{checked_in}</td>" in page


async def test_a_campaigns_charts_are_drawn_for_the_viewers_scope(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        area, ward, desk = s.bot.user(8990), s.bot.user(8991), s.bot.user(8992)
        await s.bot.make_organiser(area)
        await s.bot.make_organiser(ward, scope=Scope.parse("ward:Nhị Chiểu"))
        await s.bot.make_organiser(desk, scope=Scope.parse(f"drive_day:{s.ids['day']}"), role="desk")
        charts = {}
        for user in (area, ward):
            async with await s.logged_in(user) as browser:
                async with browser.get(f"/campaign/{s.campaign_id}") as response:
                    page = await response.text()
                alt = VI("rep_chart_progress")
                assert f'<img src="/campaign/{s.campaign_id}/chart/progress.png" alt="{alt}"' in page
                for name in ("progress", "reserve", "repeat"):
                    async with browser.get(f"/campaign/{s.campaign_id}/chart/{name}.png") as response:
                        assert response.status == 200 and response.content_type == "image/png"
                        assert response.headers["Cache-Control"] == "no-store"
                        body = await response.read()
                    assert body.startswith(b"\x89PNG\r\n\x1a\n"), name
                    charts[user.id, name] = body
                async with browser.get(f"/campaign/{s.campaign_id}/chart/nothing.png") as response:
                    assert response.status == 404
                async with browser.get("/campaign/999/chart/progress.png") as response:
                    assert response.status == 404
        # Lan's unit was given in Tam Lưu: Nhị Chiểu's organiser sees a progress chart without it
        assert charts[area.id, "progress"] != charts[ward.id, "progress"]
        chart = f"/campaign/{s.campaign_id}/chart/progress.png"
        async with await s.logged_in(desk) as browser, browser.get(chart) as response:
            assert response.status == 403 and response.content_type == "text/html"
        # a reading page writes its refusal after the read, in the turn: it is on record all the same
        refused = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "organiser.refused"))
        assert [(r.actor, r.target) for r in refused] == [(f"telegram:{desk.id}", "capability:stats")]
        async with s.client() as stranger, stranger.get(chart) as response:
            assert response.status == 403


async def test_a_ward_organiser_sees_their_wards_roster_and_not_anothers(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s:
        ward = s.bot.user(8991, name="Phường")
        await s.bot.make_organiser(ward, scope=Scope.parse("ward:Tam Lưu"))
        async with await s.logged_in(ward) as browser:
            async with browser.get(f"/roster/{s.ids['day']}") as response:
                assert response.status == 200 and "0912 890 001" in await response.text()
            async with browser.get(f"/roster/{s.ids['other']}") as response:
                assert response.status == 403
                page = await response.text()
            assert VI("web_roster_out_of_scope", id=s.ids["other"]) in page
            async with browser.get("/roster/999999") as response:
                assert response.status == 404
            async with browser.get(f"/campaign/{s.campaign_id}") as response:
                assert "phường/xã Tam Lưu" in await response.text()
        refused = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "organiser.refused"))
        other = f"drive_day:{s.ids['other']}"
        assert [(r.actor, r.target) for r in refused] == [(f"telegram:{ward.id}", other)]


async def test_a_desk_logs_in_but_sees_no_figures_or_roster(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        desk = s.bot.user(8992, name="Bàn")
        await s.bot.make_organiser(desk, scope=Scope.parse(f"drive_day:{s.ids['day']}"), role="desk")
        async with await s.logged_in(desk) as browser:
            async with browser.get("/") as response:
                assert response.status == 200
                page = await response.text()
            assert VI("role_may_checkin") in page and "Ngày hội thử" not in page
            for path in (f"/roster/{s.ids['day']}", f"/campaign/{s.campaign_id}"):
                async with browser.get(path) as response:
                    assert response.status == 403 and "Lan" not in await response.text()


async def test_logout_needs_the_csrf_token_and_the_language_switch_is_kept(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s:
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        async with await s.logged_in(staff) as browser:
            async with browser.get("/?lang=en") as response:
                page = await response.text()
            assert '<html lang="en">' in page and EN("web_campaigns_heading") in page
            async with browser.get(f"/roster/{s.ids['day']}") as response:  # kept in the session
                page = await response.text()
            assert EN("ros_col_sign") in page and "Tiếng Việt" in page
            token = CSRF.search(page)
            assert token is not None

            async with browser.post("/logout") as response:
                assert response.status == 403
                assert EN("web_csrf_title") in await response.text()
            async with browser.post("/logout", data={"csrf": "not-the-token"}) as response:
                assert response.status == 403
            async with browser.get("/") as response:
                assert response.status == 200  # still logged in

            async with browser.post("/logout", data={"csrf": token.group(1)}) as response:
                assert response.status == 200 and EN("web_logged_out_title") in await response.text()
            async with browser.get("/") as response:
                assert response.status == 403
        assert not await s.bot.rows(select(WebSession))


async def test_a_link_whose_role_went_meanwhile_is_refused(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.add_donor(staff, phone="+84912890099")  # a donor too: the account stays without the role
        await s.bot.make_organiser(staff)
        path = await s.link(staff)
        browser = await s.logged_in(staff)
        assert s.bot.app is not None
        async with s.bot.app.sessions() as db, db.begin():
            await organisers.revoke(
                db, platform="telegram", user_id=str(staff.id), actor="cli:test", now=s.bot.clock.now()
            )
        async with browser, browser.get("/") as response:  # the open session: the role is read again
            assert response.status == 403 and VI("web_organisers_only") in await response.text()
        await s.bot.make_organiser(staff)
        second = await s.link(staff)
        async with s.bot.app.sessions() as db, db.begin():
            await organisers.revoke(
                db, platform="telegram", user_id=str(staff.id), actor="cli:test", now=s.bot.clock.now()
            )
        async with s.client() as other, other.get(second) as response:
            assert response.status == 403 and VI("web_organisers_only") in await response.text()
        assert path != second


async def test_over_https_the_cookie_is_secure_and_host_only(tmp_path: Path) -> None:
    async with TelegramEmulator() as emu:
        settings = with_public_url(make_settings(tmp_path))
        web = settings.web.model_copy(update={"public_url": "https://donorbot.example.vn"})
        bot = BotHarness(emu, settings.model_copy(update={"web": web}), FixedClock())
        await bot.start()
        assert bot.app is not None
        server = WebServer(bot.settings, clock=bot.clock)
        web_site.mount(server, bot.app)
        await server.start()
        try:
            staff = bot.user(8990, name="Cán bộ")
            await bot.make_organiser(staff)
            sent = await bot.send(staff, "/web")
            found = re.search(r"https://donorbot\.example\.vn(/login/\S+)", sent[0].text or "")
            assert found is not None, sent[0].text
            path = found.group(1)
            # The proxy in front speaks https; the test talks to the server behind it over http, so the
            # client keeps no Secure cookie: the page's cookie is sent back by hand.
            async with aiohttp.ClientSession(server.base_url) as browser:
                async with browser.get(path) as response:
                    (nonce_cookie,) = response.headers.getall("Set-Cookie")
                    page = await response.text()
                assert nonce_cookie.startswith("__Host-donorbot-login=") and "; Secure" in nonce_cookie
                assert "SameSite=Strict" in nonce_cookie
                nonce = nonce_cookie.split(";")[0].split("=", 1)[1]
                assert f'name="csrf" value="{nonce}"' in page
                headers = {"Cookie": f"__Host-donorbot-login={nonce}"}
                async with browser.post(
                    path, data={"csrf": nonce}, headers=headers, allow_redirects=False
                ) as response:
                    assert response.status == 303
                    (cookie,) = [c for c in response.headers.getall("Set-Cookie") if "donorbot=" in c]
            assert cookie.startswith("__Host-donorbot=") and "; Secure" in cookie and "HttpOnly" in cookie
        finally:
            await server.stop()
            await bot.stop()


async def test_web_in_the_chat(tmp_path: Path) -> None:
    """A donor hears "organisers only"; without web.public_url an organiser hears the page is not set up."""
    async with site(tmp_path) as s:
        lan = s.bot.user(8901, name="Lan")
        sent = await s.bot.send(lan, "/web")
        assert sent[0].text == VI("organiser_only")
        assert not await s.bot.rows(select(WebLogin))
    async with TelegramEmulator() as emu:
        bot = BotHarness(emu, make_settings(tmp_path / "bare"), FixedClock())
        await bot.start()
        try:
            staff = bot.user(8990, name="Cán bộ")
            await bot.make_organiser(staff)
            sent = await bot.send(staff, "/web")
            assert sent[0].text == VI("web_not_set_up")
        finally:
            await bot.stop()


def test_the_cookie_is_host_only_over_https() -> None:
    assert pages.cookie_name(True) == "__Host-donorbot"
    assert pages.cookie_name(False) == "donorbot_session"
    assert timedelta(minutes=10) == pages.web_sessions.LOGIN_VALID


def test_donorbot_run_mounts_the_pages_whenever_there_is_a_public_url(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    public = settings.web.model_copy(update={"public_url": "https://hienmau.example.vn"})
    app = build_app(settings.model_copy(update={"telegram_token": "1:a", "web": public}), clock=FixedClock())
    _, server = build_channels(app, console=False, user="tester")
    assert server is not None  # Telegram polling alone needs no server; the page does
    routes = set(server._app.router.named_resources())
    assert {"web_login_page", "web_login", "web_home", "web_campaign", "web_roster", "web_logout"} <= routes
    assert {"healthz", "readyz", "metrics"} <= routes


async def test_mydata_lists_the_web_logins_and_erasure_removes_them(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        staff = s.bot.user(8990, name="Cán bộ")
        staff_id = await s.bot.add_donor(staff, phone="+84912890099")  # an organiser who also gives blood
        await s.bot.make_organiser(staff)
        async with await s.logged_in(staff):
            pass
        assert s.bot.app is not None
        async with s.bot.app.sessions() as db:
            donor = await db.get(Donor, staff_id)
            assert donor is not None
            found = (await donor_export.export(db, donor))["web_page"]
        (link,) = found["links"]
        (opened,) = found["sessions"]
        assert link["used_at"] == s.bot.clock.now().isoformat() and opened["lang"] == "vi"
        (login,) = await s.bot.rows(select(WebLogin))
        (row,) = await s.bot.rows(select(WebSession))
        shown = str(found)
        assert login.token_hash not in shown and row.session_hash not in shown and row.csrf_token not in shown
        async with s.bot.app.sessions() as db, db.begin():
            donor = await db.get(Donor, staff_id)
            assert donor is not None
            await erasure.erase(db, donor, today=s.bot.clock.now().date())
        assert not await s.bot.rows(select(WebLogin)) and not await s.bot.rows(select(WebSession))
