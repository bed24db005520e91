"""The web page's records over real HTTP (the bot on the Telegram emulator, as `test_web_pages`): donor
search and card within the role's scope (audited), the exports as real workbooks (audited as the CLI's),
the donor import checked first then written (every bad row shown, nothing written with errors), the
audit log (newest first, filtered, paged, no personal data), and every route's refusals.

The data is `test_web_pages.site`'s: Lan (Tam Lưu, 0912 890 001, gave blood on 30/11/2026); here also
Trần Văn Hùng (Nhị Chiểu, 0912 890 002, A− confirmed by the lab, a reserve donor, in a club).
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import openpyxl
from sqlalchemy import select

from domain.figures import Scope
from models import audit, callouts, clubs
from models.tables import AuditEntry, CalloutRecipient, Donor
from tests.integration.test_web_pages import CSRF, VI, Site, site

HUNG_PHONE = "+84912890002"
HEADER = "Họ tên,SĐT,Ngày sinh,Giới tính,Nhóm máu,Phường/Xã,Cơ quan,Số lần hiến,Lần hiến gần nhất,Dự bị\n"
GOOD = "Nguyễn Thị Hoa,0912 345 601,03/08/1990,Nữ,O+,P. Tam Lưu,,3,12/04/2019,x\n"
BAD = "Trần Văn Bình,0912 34,1985,Nam,A Rh+,phường Nhị Chiểu,,5,,\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def add_hung(s: Site) -> int:
    hung = s.bot.user(8902, name="Trần Văn Hùng")
    hung_id = await s.bot.add_donor(
        hung,
        phone=HUNG_PHONE,
        ward="Nhị Chiểu",
        sex="male",
        blood_abo="A",
        blood_rh="-",
        is_reserve=True,
    )
    assert s.bot.app is not None
    async with s.bot.app.sessions() as db, db.begin():
        donor = await db.get(Donor, hung_id)
        assert donor is not None
        donor.blood_confirmed_on = date(2026, 6, 1)  # the lab's group, as `donor.lab_group` records it
        club = await clubs.create(
            db,
            name="CLB Hiến máu Nhị Chiểu",
            kind="club",
            ward="Nhị Chiểu",
            key=None,
            actor="cli:test",
            now=s.bot.clock.now(),
        )
        await clubs.add_members(db, club.id, [hung_id], source="organiser", now=s.bot.clock.now())
    return hung_id


async def page(browser: aiohttp.ClientSession, path: str, status: int = 200) -> str:
    async with browser.get(path) as response:
        text = await response.text()
        assert response.status == status, (path, response.status, text[:500])
        return text


def table(html: str) -> str:
    """The results' table alone (the search box keeps what was typed)."""
    start = html.find("<table")
    assert start >= 0, html[-800:]
    return html[start : html.index("</table>", start)]


async def token(browser: aiohttp.ClientSession, path: str) -> str:
    found = CSRF.search(await page(browser, path))
    assert found is not None
    return found.group(1)


async def actions(s: Site, action: str) -> list[AuditEntry]:
    return await s.bot.rows(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))


# --- donors --------------------------------------------------------------------------------------------


async def test_a_ward_organiser_finds_their_wards_donors_only_and_a_card_is_audited(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s:
        hung_id = await add_hung(s)
        lan = await s.bot.donor_by_phone("+84912890001")
        assert lan is not None
        ward = s.bot.user(8991, name="Phường")
        await s.bot.make_organiser(ward, scope=Scope.parse("ward:Tam Lưu"))
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        async with await s.logged_in(ward) as browser:
            found = table(await page(browser, "/donors?q=0912+890+001"))
            assert f'href="/donors/{lan.id}">Lan</a>' in found
            assert "09•••••001" in found and "0912 890 001" not in found and "912890001" not in found
            assert "O+ (tự khai)" in found and "Tam Lưu" in found
            assert "Lan" in table(await page(browser, "/donors?q=%2B84912890001"))
            for query in ("hung", "Trần Văn Hùng", "+84 912 890 002", "0912890002"):
                found = await page(browser, f"/donors?q={query}")
                assert VI("wrec_found_none") in found and "<table" not in found, query
            async with browser.get(f"/donors/{hung_id}") as response:
                assert response.status == 403
                refused = await response.text()
            assert VI("wrec_donor_out_of_scope", id=hung_id) in refused and "Hùng" not in refused
            await page(browser, "/donors/999999", 404)
            await page(browser, "/donors/abc", 404)
            card = await page(browser, f"/donors/{lan.id}")
        assert "09•••••001" in card and "<dd>1</dd>" in card and "30/11/2026" in card
        # the next possible day is /hoso's
        (profile, *_) = await s.bot.send(s.bot.user(8901, name="Lan"), "/hoso")
        next_day = re.search(r"Lần hiến tới có thể từ ngày: (\S+)", profile.text or "")
        assert next_day is not None and f"<dd>{next_day.group(1)}</dd>" in card

        async with await s.logged_in(staff) as browser:  # the area's organiser finds him, without diacritics
            found = await page(browser, "/donors?q=van+hung")
            assert f'href="/donors/{hung_id}">Trần Văn Hùng</a>' in found
            assert "A− (xét nghiệm ngày 01/06/2026)" in found and "CLB Hiến máu Nhị Chiểu" in found
            assert "09•••••002" in found and VI("wrec_reserve_yes") in found
            await page(browser, f"/donors/{hung_id}")

        (viewed, other) = await actions(s, "donor.view")
        assert (viewed.actor, viewed.target) == (f"telegram:{ward.id}", f"donor:{lan.id}")
        assert (other.actor, other.target) == (f"telegram:{staff.id}", f"donor:{hung_id}")
        refusals = await actions(s, "organiser.refused")
        assert [(r.actor, r.target) for r in refusals] == [(f"telegram:{ward.id}", f"donor:{hung_id}")]
        searches = await actions(s, "donor.search")
        assert len(searches) == 7 and searches[0].details == {"by": "phone", "found": 1, "via": "web"}
        for entry in [*searches, viewed, other]:
            assert "Lan" not in str(entry.details) and "0912" not in str(entry.details)


async def test_the_donor_pages_are_refused_without_a_session_and_to_a_desk(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        lan = await s.bot.donor_by_phone("+84912890001")
        assert lan is not None
        async with s.client() as anonymous:
            for path in (
                "/donors?q=lan",
                f"/donors/{lan.id}",
                "/transfers",
                "/transfers/export/donors",
                "/audit",
            ):
                text = await page(anonymous, path, 403)
                assert "Lan" not in text and VI("web_login_needed_title") in text
        desk = s.bot.user(8992, name="Bàn")
        await s.bot.make_organiser(desk, scope=Scope.parse(f"drive_day:{s.ids['day']}"), role="desk")
        async with await s.logged_in(desk) as browser:
            home = await page(browser, "/")
            assert 'href="/donors"' not in home and 'href="/transfers"' not in home
            for path in (
                "/donors?q=lan",
                f"/donors/{lan.id}",
                "/transfers",
                "/transfers/export/donors",
                "/audit",
            ):
                text = await page(browser, path, 403)
                assert "Lan" not in text and "0912" not in text, path
        refused = {r.target for r in await actions(s, "organiser.refused")}
        assert {"capability:roster", "capability:export", "capability:organiser_admin"} <= refused


# --- exports -------------------------------------------------------------------------------------------


def sheet_rows(content: bytes) -> list[list[object]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert book.sheetnames[0] == VI("exp_summary_sheet")
    rows = [list(row) for row in book[VI("exp_donors_sheet")].iter_rows(values_only=True)]
    book.close()
    return rows


async def test_the_donor_list_downloads_as_a_real_workbook_of_the_scope_and_is_audited(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s:
        await add_hung(s)
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        ward = s.bot.user(8991, name="Phường")
        await s.bot.make_organiser(ward, scope=Scope.parse("ward:Tam Lưu"))
        async with await s.logged_in(staff) as browser:
            index = await page(browser, "/transfers")
            assert 'href="/transfers/export/donors"' in index and 'action="/transfers/import/donors"' in index
            async with browser.get("/transfers/export/donors") as response:
                assert response.status == 200 and response.content_type == XLSX
                assert response.headers["Content-Disposition"] == 'attachment; filename="nguoi-hien-mau.xlsx"'
                assert response.headers["Cache-Control"] == "no-store"
                everyone = sheet_rows(await response.read())
        header, *rows = everyone
        assert header[:2] == [VI("exp_col_name"), VI("exp_col_phone")]
        assert sorted((r[0], r[1], r[5]) for r in rows) == [
            ("Lan", "0912 890 001", "Tam Lưu"),
            ("Trần Văn Hùng", "0912 890 002", "Nhị Chiểu"),
        ]
        async with await s.logged_in(ward) as browser:
            async with browser.get("/transfers/export/donors") as response:
                assert response.status == 200
                _, *rows = sheet_rows(await response.read())
            assert [r[0] for r in rows] == ["Lan"]
            async with browser.get("/transfers/export/donors?format=csv") as response:
                assert response.status == 200 and response.content_type == "text/csv"
                csv_text = (await response.read()).decode("utf-8-sig")
            assert "Lan" in csv_text and "Hùng" not in csv_text
            async with browser.get("/transfers/export/honours?year=2026") as response:
                assert response.status == 200 and response.content_type == XLSX
                assert 'filename="vinh-danh-2026.xlsx"' in response.headers["Content-Disposition"]
            wrong = await page(browser, "/transfers/export/honours?year=20x6", 400)
            assert VI("wrec_err_year", value="20x6") in wrong and 'value="20x6"' in wrong
            wrong = await page(browser, "/transfers/export/callout?id=abc", 400)
            assert VI("wrec_err_callout_id", value="abc") in wrong and 'value="abc"' in wrong
            wrong = await page(browser, "/transfers/export/callout?id=4242", 404)
            assert VI("wrec_err_callout_unknown", value="4242") in wrong
            await page(browser, "/transfers/export/everything", 404)
            index = await page(browser, "/transfers")
            assert VI("wrec_import_area_only") in index and 'action="/transfers/import/donors"' not in index

        exported = [(e.actor, e.details) for e in await actions(s, "export.donors")]
        assert exported == [
            (f"telegram:{staff.id}", {"scope": "area", "format": "xlsx", "rows": 2}),
            (f"telegram:{ward.id}", {"scope": "ward:Tam Lưu", "format": "xlsx", "rows": 1}),
            (f"telegram:{ward.id}", {"scope": "ward:Tam Lưu", "format": "csv", "rows": 1}),
        ]
        (honours,) = await actions(s, "export.honours")
        assert honours.target == "year:2026" and honours.details["scope"] == "ward:Tam Lưu"


# --- imports -------------------------------------------------------------------------------------------


def upload_form(
    csrf: str | None, text: str, *, consent: str = "20/11/2026", skip: bool = False
) -> aiohttp.FormData:
    form = aiohttp.FormData()
    if csrf is not None:
        form.add_field("csrf", csrf)
    form.add_field("file", text.encode("utf-8"), filename="danh-sach.csv", content_type="text/csv")
    form.add_field("consent_date", consent)
    form.add_field("club", "")
    if skip:
        form.add_field("skip", "1")
    return form


async def post(browser: aiohttp.ClientSession, path: str, data: object, status: int = 200) -> str:
    async with browser.post(path, data=data) as response:
        text = await response.text()
        assert response.status == status, (path, response.status, text[:800])
        return text


async def test_an_import_is_checked_first_shows_every_bad_row_and_writes_only_when_right(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s:
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        before = await s.bot.count_donors()
        async with await s.logged_in(staff) as browser:
            csrf = await token(browser, "/transfers")
            # a bad row: the report names it, and nothing is written
            report = await post(browser, "/transfers/import/donors", upload_form(csrf, HEADER + GOOD + BAD))
            assert VI("imp_reading", file="danh-sach.csv") in report
            assert VI("imp_row", row=3, problem=VI("imp_err_phone", value="0912 34")) in report
            assert VI("wrec_results_refused", bad=1, rows=2) in report
            assert 'action="/transfers/import/confirm"' not in report
            assert await s.bot.count_donors() == before
            await post(browser, "/transfers/import/confirm", {"csrf": csrf}, 409)  # nothing to import
            assert await s.bot.count_donors() == before

            # a missing column refuses the whole file
            report = await post(browser, "/transfers/import/donors", upload_form(csrf, "Họ tên,SĐT\nA,B\n"))
            missing = " / ".join(VI(f"imp_field_{f}") for f in ("birth", "birth_year"))
            assert VI("imp_missing_columns", columns=f"{missing}, {VI('imp_field_sex')}") in report
            assert 'action="/transfers/import/confirm"' not in report
            # a wrong date is said on the form, what was typed kept
            wrong = await post(
                browser, "/transfers/import/donors", upload_form(csrf, HEADER + GOOD, consent="31/02"), 400
            )
            assert VI("wrec_err_consent", value="31/02") in wrong and 'value="31/02"' in wrong
            wrong = await post(
                browser,
                "/transfers/import/donors",
                upload_form(csrf, HEADER + GOOD, consent="01/01/2027"),
                400,
            )
            assert VI("wrec_err_consent_future") in wrong

            # a good file: checked (nothing written yet), then imported
            report = await post(browser, "/transfers/import/donors", upload_form(csrf, HEADER + GOOD))
            summary = VI("imp_donors_summary", new=1, known=0, updated=0, skipped=0)
            assert summary in report and VI("wrec_results_checked") in report
            assert await s.bot.count_donors() == before
            async with browser.post("/transfers/import/confirm") as response:
                assert response.status == 403  # without the CSRF token
            assert await s.bot.count_donors() == before
            done = await post(browser, "/transfers/import/confirm", {"csrf": csrf})
            assert summary in done and VI("wrec_results_written") in done
            assert 'action="/transfers/import/confirm"' not in done
            await post(browser, "/transfers/import/confirm", {"csrf": csrf}, 409)  # once only
            # bad rows skipped when asked: the good one goes in
            mixed = HEADER + GOOD.replace("601", "611").replace("Hoa", "Hằng") + BAD
            report = await post(browser, "/transfers/import/donors", upload_form(csrf, mixed, skip=True))
            assert VI("imp_row", row=3, problem=VI("imp_err_phone", value="0912 34")) in report
            await post(browser, "/transfers/import/confirm", {"csrf": csrf})
        other = s.bot.user(8994, name="Cán bộ khác")
        await s.bot.make_organiser(other)
        async with await s.logged_in(other) as browser:  # another session sees no one else's report
            text = await page(browser, "/transfers/import/results", 404)
            assert VI("wrec_results_none") in text and "Hoa" not in text
            await post(
                browser, "/transfers/import/confirm", {"csrf": await token(browser, "/transfers")}, 409
            )
        hoa = await s.bot.donor_by_phone("+84912345601")
        assert hoa is not None and hoa.full_name == "Nguyễn Thị Hoa" and hoa.ward == "Tam Lưu"
        assert (hoa.consent_source, hoa.consent_taken_by) == ("import_paper", f"telegram:{staff.id}")
        assert hoa.consent_form_on == date(2026, 11, 20)
        assert await s.bot.donor_by_phone("+84912345611") is not None
        assert await s.bot.count_donors() == before + 2
        imported = await actions(s, "import.donors")
        assert [(e.actor, e.details["new"], e.details["skipped"]) for e in imported] == [
            (f"telegram:{staff.id}", 1, 0),
            (f"telegram:{staff.id}", 1, 1),
        ]
        assert "Hoa" not in str(imported[0].details) and "0912" not in str(imported[0].details)
        assert not list((s.bot.settings.bot.data_dir / "web_imports").glob("*.csv"))  # the uploads are gone


async def test_an_upload_may_be_larger_than_other_bodies_and_imports_are_the_areas(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s:
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        ward = s.bot.user(8991, name="Phường")
        await s.bot.make_organiser(ward, scope=Scope.parse("ward:Tam Lưu"))
        rows = "".join(
            f"Nguyễn Thị Hoa,0912 3{n:05d},03/08/1990,Nữ,O+,P. Tam Lưu,Trường THPT Kinh Môn số {n},3,,x\n"
            for n in range(1200)
        )
        assert len((HEADER + rows).encode()) > s.bot.settings.web.max_body_bytes
        async with await s.logged_in(staff) as browser:
            csrf = await token(browser, "/transfers")
            async with browser.post(
                "/transfers/import/donors", data=upload_form(None, HEADER + GOOD)
            ) as response:
                assert response.status == 403 and VI("web_csrf_title") in await response.text()
            report = await post(browser, "/transfers/import/donors", upload_form(csrf, HEADER + rows))
            assert VI("imp_donors_summary", new=1200, known=0, updated=0, skipped=0) in report
            async with browser.post("/logout", data={"csrf": csrf, "x": "y" * 70_000}) as response:
                assert response.status == 413  # other routes keep the small limit
        async with await s.logged_in(ward) as browser:
            csrf = await token(browser, "/transfers")
            refused = await post(browser, "/transfers/import/donors", upload_form(csrf, HEADER + GOOD), 403)
            assert VI("wrec_import_area_only") in refused
            await post(browser, "/transfers/import/confirm", {"csrf": csrf}, 403)
            await page(browser, "/transfers/import/results", 403)
        assert await s.bot.donor_by_phone("+84912345601") is None
        refusals = await actions(s, "organiser.refused")
        assert [(r.actor, r.target) for r in refusals] == [(f"telegram:{ward.id}", "import:donors")]


# --- the audit log -------------------------------------------------------------------------------------


async def test_the_audit_log_lists_what_was_just_done_without_personal_data(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s:
        lan = await s.bot.donor_by_phone("+84912890001")
        assert lan is not None and s.bot.app is not None
        admin = s.bot.user(8993, name="Quản trị")
        await s.bot.make_organiser(admin, role="admin")
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        async with await s.logged_in(staff) as browser:
            await page(browser, f"/donors/{lan.id}")
            refused = await page(browser, "/audit", 403)  # an area organiser is not an admin
            assert VI("role_may_organiser_admin") in refused
        async with await s.logged_in(admin) as browser:
            log = await page(browser, "/audit")
            (viewed,) = await actions(s, "donor.view")
            shown = VI("wrec_action_donor_view")
            row = re.search(
                r'<td class="rec-time">([^<]+)</td>\s*<td>telegram:8990</td>\s*<td>' + re.escape(shown), log
            )
            assert row is not None
            local = viewed.at.astimezone(s.bot.settings.tz)
            assert row.group(1) == f"{local:%d/%m/%Y %H:%M:%S}"
            assert f"donor:{lan.id}" in log and "via: web" in log
            # newest first: the admin logged in after the card was opened
            assert log.index(VI("wrec_action_web_login")) < log.index(shown)
            for personal in ("Lan", "0912", "890 001", "+8491"):
                assert personal not in log, personal
            only = await page(browser, "/audit?action=donor.view")
            assert f"donor:{lan.id}" in only and VI("wrec_action_web_login") not in only
            assert 'value="donor.view"' in only
            mine = await page(browser, f"/audit?actor=telegram:{admin.id}")
            assert "telegram:8990" not in mine and VI("wrec_action_web_login") in mine
            wrong = await page(browser, "/audit?before=abc", 400)
            assert VI("wrec_err_before", value="abc") in wrong

            async with s.bot.app.sessions() as db, db.begin():
                for n in range(60):
                    await audit.record(
                        db,
                        actor="cli:test",
                        action="drive.edit",
                        target=f"drive_day:{n}",
                        now=s.bot.clock.now(),
                    )
            first = await page(browser, "/audit?action=drive.edit")
            assert first.count("<td>drive_day:") == 50 and "<td>drive_day:59</td>" in first
            older = re.search(r'href="(/audit\?before=\d+[^"]*)"', first)
            assert older is not None
            second = await page(browser, older.group(1).replace("&amp;", "&"))
            assert second.count("<td>drive_day:") == 10 and "<td>drive_day:0</td>" in second
            assert "<td>drive_day:10</td>" not in second and VI("wrec_audit_newest") in second
        assert await s.bot.count(Donor) >= 1


async def test_a_callouts_responders_download_only_for_a_role_that_holds_the_callout(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s:
        lan = await s.bot.donor_by_phone("+84912890001")
        assert lan is not None and s.bot.app is not None
        now = s.bot.clock.now()
        made = []
        async with s.bot.app.sessions() as db, db.begin():
            for wards in (None, ["Tam Lưu"]):  # the area's call-out, then the ward's own
                callout = await callouts.create(
                    db,
                    created_by_account_id=None,
                    groups=["O+"],
                    component="whole_blood",
                    units_needed=2,
                    place="Bệnh viện",
                    address=None,
                    contact=None,
                    deadline=now + timedelta(hours=6),
                    wards=wards,
                    wards_only=wards is not None,
                    now=now,
                )
                db.add(
                    CalloutRecipient(
                        callout_id=callout.id,
                        donor_id=lan.id,
                        wave=1,
                        status="accepted",
                        messaged_at=now,
                        answered_at=now,
                    )
                )
                made.append(callout.id)
        area_callout, ward_callout = made
        ward = s.bot.user(8991, name="Phường")
        await s.bot.make_organiser(ward, scope=Scope.parse("ward:Tam Lưu"))
        async with await s.logged_in(ward) as browser:
            refused = await page(browser, f"/transfers/export/callout?id={area_callout}", 403)
            assert VI("wrec_callout_out_of_scope", id=area_callout) in refused and "Lan" not in refused
            async with browser.get(f"/transfers/export/callout?id=%23{ward_callout}") as response:
                assert response.status == 200 and response.content_type == XLSX
                assert f'filename="khan-cap-{ward_callout}.xlsx"' in response.headers["Content-Disposition"]
                book = openpyxl.load_workbook(io.BytesIO(await response.read()), read_only=True)
        rows = [list(r) for r in book[VI("exp_callout_sheet")].iter_rows(values_only=True)]
        book.close()
        assert [1, "Lan", "0912 890 001", "O+", "Tam Lưu"] in rows
        (exported,) = await actions(s, "export.callout")
        assert exported.target == f"callout:{ward_callout}" and exported.details["rows"] == 1
        refusals = await actions(s, "organiser.refused")
        assert [r.target for r in refusals] == [f"callout:{area_callout}"]
