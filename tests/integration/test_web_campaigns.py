"""The web page's campaigns and drive days over real HTTP, the bot running against the Telegram emulator:
a campaign created and edited, a plan file checked then imported, the drive days with their slots' fill
(a booking made in the chat shows in fill.json), a drive day created; refusals by role and scope, CSRF.

The data is `test_web_pages.site`'s (today Wednesday 02/12/2026, 09:00): the campaign "Ngày hội thử" with a
drive day in Tam Lưu on 30/11/2026 (Lan booked it) and one in Nhị Chiểu on 01/12/2026.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import aiohttp
from sqlalchemy import select

from core.i18n import Catalogs
from domain import plan_file
from domain.figures import Scope
from models.tables import AuditEntry, Campaign, DriveDay, Quota
from services.campaigns import Problem, shown
from tests.e2e.test_booking import book
from tests.integration.test_web_pages import CSRF, Site, site

VI = Catalogs().get("vi")

GOOD_PLAN = """[campaign]
key = "mua-he-2027"
name = "Mùa hè 2027"
year = 2027
target_units = 300

[[sessions]]
key = "tam-luu"
date = 2027-06-01
start = "07:00"
end = "11:00"
place = "Nhà văn hóa Tam Lưu"
ward = "Tam Luu"
capacity = 40

[[quotas]]
ward = "Nhi Chieu"
units = 120
"""
BAD_PLAN = """[campaign]
key = "mua-he-2027"
name = "Mùa hè 2027"
year = 2027

[[sessions]]
key = "a"
date = 2027-06-01
start = "7 giờ"
end = "11:00"
place = "Nhà văn hóa Tam Lưu"
capacity = 40

[[sessions]]
key = "b"
date = 2027-06-02
start = "07:00"
end = "11:00"
place = "Trường THCS Nhị Chiểu"
capacity = 0
"""


async def token(browser: aiohttp.ClientSession, path: str) -> str:
    async with browser.get(path) as response:
        assert response.status == 200, path
        found = CSRF.search(await response.text())
    assert found is not None
    return found.group(1)


async def staff(s: Site, user_id: int = 8990, **grant: object) -> aiohttp.ClientSession:
    user = s.bot.user(user_id, name="Cán bộ")
    await s.bot.make_organiser(user, **grant)  # type: ignore[arg-type]
    return await s.logged_in(user)


def message(key: str, **params: object) -> str:
    """A catalog text as the page escapes it."""
    return VI(key, **params).replace("«", "«").replace("'", "&#39;")


async def test_a_campaign_is_created_and_its_targets_and_quotas_edited(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s, await staff(s) as browser:
        async with browser.get("/") as response:
            home = await response.text()
        assert 'href="/campaigns/new"' in home and 'href="/campaigns/import"' in home
        csrf = await token(browser, "/campaigns/new")
        bad = {
            "csrf": csrf,
            "name": "Hành trình đỏ 2027",
            "first_day": "31/02/2027",
            "last_day": "30/03/2027",
        }
        async with browser.post(
            "/campaigns/new", data={**bad, "units": "nhiều", "quotas": "Hà Nội: 5"}
        ) as response:
            assert response.status == 400
            page = await response.text()
        assert VI("wcamp_form_has_errors") in page and VI("cmp_error_date") in page
        assert VI("wcamp_cmp_error_units", max=VI.number(1_000_000)) in page
        assert 'value="Hành trình đỏ 2027"' in page and 'value="nhiều"' in page  # kept as typed
        assert len(await s.bot.rows(select(Campaign))) == 1  # nothing written

        good = {
            "csrf": csrf,
            "name": "Hành trình đỏ 2027",
            "first_day": "01/03/2027",
            "last_day": "30-03-2027",
            "unit": "Hội Chữ thập đỏ",
            "units": "1.200",
            "repeat": "60",
            "share_350": "",
            "quotas": "Tam Luu: 120\nNhị Chiểu 80",
        }
        async with browser.post("/campaigns/new", data=good, allow_redirects=False) as response:
            assert response.status == 303
            location = response.headers["Location"]
        (row,) = await s.bot.rows(select(Campaign).where(Campaign.name == "Hành trình đỏ 2027"))
        assert location.startswith(f"/campaign/{row.id}")
        assert (row.key, row.year, row.organising_unit) == (
            "hanh-trinh-do-2027-2027",
            2027,
            "Hội Chữ thập đỏ",
        )
        assert (row.target_units, row.target_repeat_share, row.target_350_share) == (1200, 0.6, None)
        quotas = {
            (q.name, q.units) for q in await s.bot.rows(select(Quota).where(Quota.campaign_id == row.id))
        }
        assert quotas == {("Tam Lưu", 120), ("Nhị Chiểu", 80)}
        async with browser.get(location) as response:
            page = await response.text()
        assert "Hành trình đỏ 2027" in page and f'href="/campaign/{row.id}/edit"' in page

        edit = f"/campaign/{row.id}/edit"
        async with browser.get(edit) as response:
            page = await response.text()
        assert 'value="1200"' in page and "Tam Lưu: 120" in page
        async with browser.post(edit, data={"units": "1500"}) as response:
            assert response.status == 403  # no CSRF token
        async with browser.post(edit, data={"csrf": csrf, "units": "1500", "repeat": "200"}) as response:
            assert response.status == 400 and VI("cmp_error_share_over") in await response.text()
        changes = {"csrf": csrf, "units": "1500", "repeat": "60", "reserve": "50", "quotas": "tam luu: 200"}
        async with browser.post(edit, data=changes, allow_redirects=False) as response:
            assert response.status == 303
        (row,) = await s.bot.rows(select(Campaign).where(Campaign.id == row.id))
        assert (row.target_units, row.target_reserve_donors) == (1500, 50)
        quotas = {
            (q.name, q.units) for q in await s.bot.rows(select(Quota).where(Quota.campaign_id == row.id))
        }
        assert quotas == {("Tam Lưu", 200)}
        (entry,) = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "campaign.edit"))
        assert entry.actor == "telegram:8990" and entry.target == f"campaign:{row.key}"
        assert entry.details == {
            "units": [1200, 1500],
            "reserve_donors": [None, 50],
            "ward_quotas": [["Nhị Chiểu", 80, None], ["Tam Lưu", 120, 200]],
        }
        created = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "campaign.create"))
        assert [e.actor for e in created] == ["telegram:8990"]


async def test_a_plan_file_is_reported_line_by_line_then_previewed_and_imported(tmp_path: Path) -> None:
    async with site(tmp_path) as s, await staff(s) as browser:
        csrf = await token(browser, "/campaigns/import")
        form = aiohttp.FormData()
        form.add_field("csrf", csrf)
        form.add_field("plan", BAD_PLAN.encode(), filename="plan.toml", content_type="application/toml")
        async with browser.post("/campaigns/import", data=form) as response:
            assert response.status == 400
            page = await response.text()
        assert VI("wcamp_import_problems_title") in page
        first = "<code>sessions[1].start: must be HH:MM</code>"
        assert f"<strong>{VI('wcamp_import_line', line=9)}</strong>: {first}" in page
        assert "sessions[2].capacity: must be between 1 and 100000" in page
        assert VI("wcamp_import_line", line=20) in page
        assert len(await s.bot.rows(select(Campaign))) == 1

        async with browser.post("/campaigns/import", data={"csrf": csrf}) as response:
            assert response.status == 400 and VI("wcamp_import_no_file") in await response.text()
        form = aiohttp.FormData()
        form.add_field("csrf", csrf)
        form.add_field("plan", b"\xff\xfe[campaign]", filename="plan.toml")
        async with browser.post("/campaigns/import", data=form) as response:
            assert response.status == 400 and VI("wcamp_import_not_utf8") in await response.text()

        padded = GOOD_PLAN + "# " + "x" * 100_000 + "\n"  # above the other pages' 64 KB: this route takes it
        form = aiohttp.FormData()
        form.add_field("csrf", csrf)
        form.add_field("plan", padded.encode(), filename="plan.toml")
        async with browser.post("/campaigns/import", data=form) as response:
            assert response.status == 200
            page = await response.text()
        assert VI("wcamp_import_preview_title") in page and "Nhà văn hóa Tam Lưu" in page
        assert len(await s.bot.rows(select(Campaign))) == 1  # a preview writes nothing
        found = re.search(r'name="text" value="([^"]*)"', page)
        assert found is not None
        async with browser.post("/campaigns/import", data={"text": GOOD_PLAN, "confirm": "yes"}) as response:
            assert response.status == 403  # no CSRF token
        assert len(await s.bot.rows(select(Campaign))) == 1
        kept = html.unescape(found.group(1))  # the file as the preview's form sends it back
        assert kept == padded
        confirm = {"csrf": csrf, "text": kept, "confirm": "yes"}
        async with browser.post("/campaigns/import", data=confirm) as response:
            assert response.status == 200
            page = await response.text()
        assert VI("wcamp_imported_title") in page
        (campaign,) = await s.bot.rows(select(Campaign).where(Campaign.key == "mua-he-2027"))
        assert campaign.target_units == 300
        (day,) = await s.bot.rows(select(DriveDay).where(DriveDay.campaign_id == campaign.id))
        assert (day.ward, day.capacity) == ("Tam Lưu", 40)  # the ward as config.toml spells it
        (quota,) = await s.bot.rows(select(Quota).where(Quota.campaign_id == campaign.id))
        assert (quota.name, quota.units) == ("Nhị Chiểu", 120)
        imports = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "drive.import"))
        assert sorted(e.actor for e in imports) == [
            "telegram:8990",
            "test",
        ]  # the fixture's plan, then this one


async def test_a_drive_day_is_created_and_a_chat_booking_shows_in_its_fill(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s, await staff(s) as browser:
        csrf = await token(browser, f"/sessions/new?campaign={s.campaign_id}")
        async with browser.get(f"/sessions/new?campaign={s.campaign_id}") as response:
            page = await response.text()
        for element in ("session-campaign", "session-day", "session-start", "session-end", "session-place",
                        "session-ward", "session-capacity", "session-slot-minutes", "session-audience",
                        "session-submit"):  # fmt: skip
            assert f'id="{element}"' in page, element
        assert f'<option value="{s.campaign_id}" selected>' in page
        typed = {
            "csrf": csrf,
            "campaign": str(s.campaign_id),
            "day": "32/12/2026",
            "start": "7h",
            "end": "6h",
            "place": "Nhà văn hóa Tam Lưu",
            "ward": "Tam Lưu",
            "capacity": "nhiều",
            "slot_minutes": "30",
            "audience": "open",
        }
        async with browser.post("/sessions/new", data=typed) as response:
            assert response.status == 400
            page = await response.text()
        assert VI("error_date_format") in page and VI("create_error_capacity") in page
        assert 'value="32/12/2026"' in page and 'value="nhiều"' in page and 'value="7h"' in page
        assert len(await s.bot.rows(select(DriveDay))) == 2
        async with browser.post(
            "/sessions/new", data={**typed, "day": "2026-12-05", "end": "9h"}
        ) as response:
            assert response.status == 400  # capacity still wrong, the hours now right
            page = await response.text()
        assert VI("create_error_capacity") in page and VI("wcamp_create_error_hours") not in page
        good = {**typed, "day": "05/12/2026", "end": "9h", "capacity": "8", "address": "Số 1 Tam Lưu"}
        async with browser.post(
            "/sessions/new", data={k: v for k, v in good.items() if k != "csrf"}
        ) as response:
            assert response.status == 403
        async with browser.post("/sessions/new", data=good, allow_redirects=False) as response:
            assert response.status == 303
            location = response.headers["Location"]
        (row,) = await s.bot.rows(
            select(DriveDay).where(DriveDay.day == s.bot.clock.now().date().replace(day=5))
        )
        assert location == f"/sessions/{row.id}?done=created"
        assert (row.place_name, row.ward, row.capacity, row.slot_minutes) == (
            "Nhà văn hóa Tam Lưu",
            "Tam Lưu",
            8,
            30,
        )
        assert f"{row.start_time:%H:%M}-{row.end_time:%H:%M}" == "07:00-09:00"
        (added,) = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "drive.add"))
        assert added.actor == "telegram:8990" and added.target == f"session:{row.id}"

        async with browser.get(location) as response:
            page = await response.text()
        assert VI("wcamp_session_created") in page and '<script src="/static/fill.js" defer></script>' in page
        assert '<span id="fill-taken">0</span> / <span id="fill-capacity">8</span>' in page
        assert '<span id="slot-0700-taken">0</span> / <span id="slot-0700-capacity">2</span>' in page
        async with browser.get(f"/sessions/{row.id}/fill.json") as response:
            assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
            before = await response.json()
        assert before["taken"] == 0 and [x["start"] for x in before["slots"]] == [
            "07:00",
            "07:30",
            "08:00",
            "08:30",
        ]

        hoa = s.bot.user(8902, name="Hoa")
        await s.bot.add_donor(hoa, phone="+84912890002")
        await book(s.bot, hoa, "Nhà văn hóa Tam Lưu", "07:30")
        async with browser.get(f"/sessions/{row.id}/fill.json") as response:
            after = await response.json()
        assert after["taken"] == 1 and after["bar"] == 1
        assert after["slots"][1] == {
            "id": "0730",
            "start": "07:30",
            "taken": 1,
            "capacity": 2,
            "free": 1,
            "bar": 5,
        }
        async with browser.get("/sessions") as response:
            page = await response.text()
        upcoming = page.split('id="sessions-upcoming"')[1].split("</table>")[0]
        assert f'href="/sessions/{row.id}"' in upcoming and f'href="/roster/{row.id}"' in upcoming
        assert VI("wcamp_session_total", taken=1, capacity=8) in upcoming and "07:30" in upcoming
        recent = page.split('id="sessions-recent"')[1]
        assert "Trường THCS Nhị Chiểu" in recent and VI("wcamp_status_over") in recent
        async with s.client() as stranger, stranger.get(f"/sessions/{row.id}/fill.json") as response:
            assert response.status == 403  # no session


async def test_a_ward_organiser_sees_and_creates_only_in_their_ward(tmp_path: Path) -> None:
    async with site(tmp_path) as s, await staff(s, 8991, scope=Scope.parse("ward:Tam Lưu")) as browser:
        async with browser.get("/sessions") as response:
            page = await response.text()
        assert "Nhà văn hóa Tam Lưu" in page and "Trường THCS Nhị Chiểu" not in page
        for path in (f"/sessions/{s.ids['other']}", f"/sessions/{s.ids['other']}/fill.json"):
            async with browser.get(path) as response:
                assert response.status == 403, path
        async with browser.get(f"/sessions/{s.ids['day']}") as response:
            assert response.status == 200
        async with browser.get("/sessions/999999") as response:
            assert response.status == 404
        refused = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "organiser.refused"))
        assert [(r.actor, r.target) for r in refused] == [("telegram:8991", f"drive_day:{s.ids['other']}")]

        for path in ("/campaigns/new", "/campaigns/import", f"/campaign/{s.campaign_id}/edit"):
            async with browser.get(path) as response:
                assert response.status == 403, path
        csrf = await token(browser, "/sessions/new")
        async with browser.get("/sessions/new") as response:
            page = await response.text()
        assert '<option value="Tam Lưu"' in page and "Nhị Chiểu" not in page
        wanted = {
            "csrf": csrf,
            "name": "Chiến dịch phường",
            "first_day": "01/03/2027",
            "last_day": "02/03/2027",
        }
        async with browser.post("/campaigns/new", data=wanted) as response:
            assert response.status == 403
        assert len(await s.bot.rows(select(Campaign))) == 1
        forged = {
            "csrf": csrf,
            "campaign": str(s.campaign_id),
            "day": "05/12/2026",
            "start": "07:00",
            "end": "09:00",
            "place": "Trường THCS Nhị Chiểu",
            "ward": "Nhị Chiểu",
            "capacity": "10",
            "slot_minutes": "30",
            "audience": "open",
        }
        async with browser.post("/sessions/new", data=forged) as response:
            assert response.status == 403
            assert VI("wcamp_session_out_of_scope", ward="Tam Lưu") in await response.text()
        assert len(await s.bot.rows(select(DriveDay))) == 2
        async with browser.post(
            "/sessions/new", data={**forged, "ward": "Tam Lưu"}, allow_redirects=False
        ) as response:
            assert response.status == 303
        (row,) = await s.bot.rows(select(DriveDay).where(DriveDay.place_name == "Trường THCS Nhị Chiểu",
                                                         DriveDay.ward == "Tam Lưu"))  # fmt: skip
        assert row.capacity == 10


async def test_a_desk_sees_no_drive_days_and_creates_nothing(tmp_path: Path) -> None:
    async with site(tmp_path) as s, await staff(s, 8992, scope=Scope.parse(f"drive_day:{s.ids['day']}"),
                                                role="desk") as browser:  # fmt: skip
        async with browser.get("/") as response:
            page = await response.text()
        assert 'href="/campaigns/new"' not in page and 'href="/sessions"' not in page
        for path in ("/sessions", f"/sessions/{s.ids['day']}", f"/sessions/{s.ids['day']}/fill.json",
                     "/sessions/new", "/campaigns/new", "/campaigns/import"):  # fmt: skip
            async with browser.get(path) as response:
                assert response.status == 403, path
                assert "Lan" not in await response.text()


async def test_every_page_needs_a_session(tmp_path: Path) -> None:
    async with site(tmp_path) as s, s.client() as browser:
        for path in ("/campaigns/new", "/campaigns/import", "/sessions", "/sessions/new",
                     f"/sessions/{s.ids['day']}", f"/campaign/{s.campaign_id}/edit"):  # fmt: skip
            async with browser.get(path) as response:
                assert response.status == 403, path
        async with browser.post("/campaigns/new", data={"csrf": "x", "name": "Thử"}) as response:
            assert response.status == 403
        assert len(await s.bot.rows(select(Campaign))) == 1


def test_a_problem_reads_in_the_readers_language() -> None:
    en = Catalogs().get("en")
    assert shown(en, Problem("cmp_error_units", {"max": 1_000_000})) == {"max": en.number(1_000_000)}


def test_a_plan_files_text_is_checked_entry_by_entry_with_lines() -> None:
    report = plan_file.check_plan_text(
        BAD_PLAN + '\n[[quotas]]\nward = "Hà Nội"\nunits = 5\n', wards=["Tam Lưu"]
    )
    assert report.plan is None
    assert [(p.line, p.text.split(":")[0]) for p in report.problems] == [
        (9, "sessions[1].start"),
        (20, "sessions[2].capacity"),
        (23, "quotas[1].ward"),
    ]
    assert plan_file.check_plan_text("[campaign\n").problems[0].line == 1
    good = plan_file.check_plan_text(GOOD_PLAN, wards=["Tam Lưu", "Nhị Chiểu"])
    assert good.problems == () and good.plan is not None and good.plan.quotas[0].name == "Nhị Chiểu"
