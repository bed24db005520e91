"""The check-in desk on the web page (issue 17) over real HTTP, the bot running against the emulator: the
search as /timnguoi shows it, a booking checked in and its result recorded in one click each, the thank-you
the donor then gets, another day's booking only with "check in anyway", the weight and the lab's group, a
correction, walk-ins (nothing stored without the paper consent; a known phone makes no duplicate) and the
scopes (a desk its own day, a ward its ward), CSRF.

The data (booked on Monday 23/11/2026; the desk on Monday 30/11/2026, 08:00 in Vietnam):

  donor              phone          ward       booking
  Nguyễn Thị Lan     0912 890 001   Tam Lưu    30/11 07:00, Nhà văn hóa Tam Lưu ("day")
  Trần Văn Hòa       0912 890 002   Tam Lưu    02/12 07:00, Trường THCS Tam Lưu ("later")
  Lê Minh            0912 890 003   Nhị Chiểu  none; a session in Nhị Chiểu that afternoon ("other")
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from bot.web import site as web_site
from bot.web.server import WebServer
from core.i18n import Catalogs
from domain.figures import Scope
from emulators.telegram import SimUser, TelegramEmulator
from models.tables import AuditEntry, Donation, Donor, Signup
from tests.e2e.test_booking import book, load, plan, session
from tests.helpers import BotHarness, FixedClock, make_settings, with_public_url
from tests.integration.test_web_pages import CSRF, Site

VI = Catalogs().get("vi")
EN = Catalogs().get("en")
ON_THE_DAY = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 08:00 on Monday 30/11/2026 in Vietnam
TODAY = date(2026, 11, 30)
LAN, HOA, MINH = "+84912890001", "+84912890002", "+84912890003"


def shown(text: str) -> str:
    """A catalog text as the page's HTML holds it (autoescaped)."""
    return html.escape(text)


@asynccontextmanager
async def desk_site(tmp_path: Path, database_url: str | None = None) -> AsyncIterator[Site]:
    async with TelegramEmulator() as emu:
        settings = with_public_url(make_settings(tmp_path, database_url=database_url))
        bot = BotHarness(emu, settings, FixedClock())
        await bot.start()
        assert bot.app is not None
        server = WebServer(bot.settings, clock=bot.clock)
        web_site.mount(server, bot.app)
        await server.start()
        try:
            ids = await load(
                bot,
                tmp_path,
                plan(
                    2026,
                    session("day", "2026-11-30", "Nhà văn hóa Tam Lưu", "Tam Lưu"),
                    session(
                        "other", "2026-11-30", "Trạm y tế Nhị Chiểu", "Nhị Chiểu", hours=("13:00", "16:00")
                    ),
                    session("later", "2026-12-02", "Trường THCS Tam Lưu", "Tam Lưu"),
                ),
            )
            lan, hoa, minh = (
                bot.user(9101, name="Lan"),
                bot.user(9102, name="Hòa"),
                bot.user(9103, name="Minh"),
            )
            await bot.add_donor(lan, phone=LAN, full_name="Nguyễn Thị Lan")
            await bot.add_donor(hoa, phone=HOA, full_name="Trần Văn Hòa", sex="male")
            await bot.add_donor(minh, phone=MINH, full_name="Lê Minh", ward="Nhị Chiểu", sex="male")
            await book(bot, lan, "Nhà văn hóa Tam Lưu", "07:00")
            await book(bot, hoa, "Trường THCS Tam Lưu", "07:00")
            bot.clock.current = ON_THE_DAY
            yield Site(bot, server, ids, 0)
        finally:
            await server.stop()
            await bot.stop()


async def staff(
    s: Site, user_id: int = 9190, *, scope: Scope | None = None, role: str = "organiser"
) -> SimUser:
    user = s.bot.user(user_id, name="Cán bộ")
    await s.bot.make_organiser(user, scope=scope, role=role)
    return user


async def page(browser: aiohttp.ClientSession, path: str, status: int = 200) -> str:
    async with browser.get(path) as response:
        text = await response.text()
        assert response.status == status, (path, response.status, text)
        return text


async def post(
    browser: aiohttp.ClientSession, path: str, data: dict[str, str], *, status: int = 303, csrf: bool = True
) -> tuple[str, str]:
    """Posts a form with the session's CSRF token (read from the desk's page); (Location, page text)."""
    if csrf:
        found = CSRF.search(await page(browser, "/desk"))
        assert found is not None
        data = {"csrf": found.group(1), **data}
    async with browser.post(path, data=data, allow_redirects=False) as response:
        text = await response.text()
        assert response.status == status, (path, response.status, text)
        return response.headers.get("Location", ""), text


async def signup_of(s: Site, phone: str) -> Signup:
    signup = await s.bot.scalar(
        select(Signup)
        .join(Donor)
        .where(Donor.phone == phone, Signup.status != "cancelled")
        .order_by(Signup.id)
    )
    assert isinstance(signup, Signup)
    return signup


async def test_search_then_check_in_and_350_ml_in_one_click_each_and_the_donor_is_thanked(
    tmp_path: Path, database_url: str
) -> None:
    async with desk_site(tmp_path, database_url) as s:
        organiser = await staff(s)
        lan = await signup_of(s, LAN)
        async with await s.logged_in(organiser) as browser:
            desk = await page(browser, "/desk")
            assert VI("wdesk_sessions_heading", date=VI.day(TODAY)) in desk
            assert "07:00–11:30 · Nhà văn hóa Tam Lưu" in desk and "13:00–16:00 · Trạm y tế Nhị Chiểu" in desk
            assert (
                'id="desk-q"' in desk
                and 'name="q"' in desk
                and "<script" not in desk
                and "style=" not in desk
            )
            for typed in ("0912 890 001", "+84 912 890 001", "84912890001", "nguyen thi lan", lan.code):
                found = await page(browser, f"/desk?q={typed}")
                assert "1. Nguyễn Thị Lan</strong> · 09•••••001 · Tam Lưu" in found, typed
                today = VI(
                    "desk_found_today",
                    start="07:00",
                    place="Nhà văn hóa Tam Lưu",
                    code=lan.code,
                    status=VI("desk_status_active"),
                )
                assert shown(today) in found and "0912 890 001" not in found.split('id="desk-results"')[1]
                assert f'id="desk-open-{lan.id}"' in found
            # Another day's booking: the warning, and the walk-in button on today's sessions
            hoa = await signup_of(s, HOA)
            found = await page(browser, "/desk?q=tran van hoa")
            warning = VI(
                "desk_found_other_day",
                day=VI.day(date(2026, 12, 2)),
                place="Trường THCS Tam Lưu",
                code=hoa.code,
            )
            assert f'<p class="warn">{shown(warning)}</p>' in found
            donor_id = hoa.donor_id
            assert f'id="desk-walkin-{donor_id}"' in found and f'id="desk-other-{hoa.id}"' in found
            none = await page(browser, "/desk?q=Phùng Văn Không")
            assert shown(VI("wdesk_found_none", query="Phùng Văn Không")) in none
            assert 'href="/desk/walkin"' in none

            # One click: checked in, the screen with the session's date and place
            location, _ = await post(browser, f"/desk/signup/{lan.id}", {"action": "checkin"})
            assert location == f"/desk/signup/{lan.id}?done=checked_in"
            screen = await page(browser, location)
            assert shown(VI("wdesk_done_checked_in", name="Nguyễn Thị Lan")) in screen
            assert VI.day(TODAY) in screen and "Nhà văn hóa Tam Lưu" in screen
            assert shown(VI("wdesk_state_line", status=VI("desk_status_checked_in"))) in screen
            assert 'id="desk-result-350"' in screen and 'id="desk-result-defer-blood_pressure"' in screen
            # One click: 350 ml
            location, _ = await post(
                browser, f"/desk/signup/{lan.id}", {"action": "result", "outcome": "350"}
            )
            assert location == f"/desk/signup/{lan.id}?done=donated"
            screen = await page(browser, location)
            assert shown(VI("result_recorded_donated", minutes=10)) in screen
            assert (
                shown(VI("desk_result_recorded", result="Đã hiến 350 ml", button=VI("desk_button_fix")))
                in screen
            )
            assert 'id="desk-result-350"' not in screen, "a recorded result changes only by a correction"
            (donation,) = await s.bot.rows(select(Donation))
            assert (donation.volume_ml, donation.donated_on, donation.drive_day_id) == (
                350,
                TODAY,
                s.ids["day"],
            )
            again = await page(browser, "/desk?q=0912890001")
            assert shown(VI("desk_status_donated")) in again

        s.bot.clock.advance(minutes=10)  # the thank-you leaves time to correct a mis-tap
        await s.bot.emu.wait_until(
            lambda: any("Cảm ơn Nguyễn Thị Lan" in (m.text or "") for m in s.bot.emu.messages(9101)),
            what="the thank-you",
        )
        entries = await s.bot.rows(select(AuditEntry).order_by(AuditEntry.id))
        actor = f"telegram:{organiser.id}"
        assert {("signup.check_in", f"signup:{lan.id}"), ("signup.result", f"signup:{lan.id}")} <= {
            (e.action, e.target) for e in entries if e.actor == actor
        }
        searches = [e for e in entries if e.action == "desk.search"]
        assert len(searches) == 8 and all(set(e.details) == {"by", "found", "via"} for e in searches)
        for entry in entries:
            assert "Lan" not in str(entry.details) and "0912" not in str(entry.details)


async def test_another_days_booking_is_checked_in_only_anyway_and_dated_today(tmp_path: Path) -> None:
    async with desk_site(tmp_path) as s:
        organiser = await staff(s)
        hoa = await signup_of(s, HOA)
        async with await s.logged_in(organiser) as browser:
            screen = await page(browser, f"/desk/signup/{hoa.id}")
            assert "Trường THCS Tam Lưu" in screen and VI.day(date(2026, 12, 2)) in screen
            assert 'id="desk-checkin-anyway"' in screen and 'id="desk-result-350"' not in screen
            assert shown(VI("desk_button_check_in_anyway", date=VI.date(TODAY))) in screen
            location, _ = await post(browser, f"/desk/signup/{hoa.id}", {"action": "checkin"})
            assert location == f"/desk/signup/{hoa.id}"  # not without "anyway": the warning again
            assert (await signup_of(s, HOA)).status == "active"
            location, _ = await post(browser, f"/desk/signup/{hoa.id}", {"action": "checkin_anyway"})
            screen = await page(browser, location)
            assert (await signup_of(s, HOA)).status == "checked_in" and 'id="desk-result-350"' in screen
            await post(browser, f"/desk/signup/{hoa.id}", {"action": "result", "outcome": "250"})
        (donation,) = await s.bot.rows(select(Donation))
        assert donation.donated_on == TODAY, "dated on the day it happened"
        (entry,) = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "signup.check_in"))
        assert entry.details == {"session": s.ids["later"], "other_day": True, "session_day": "2026-12-02"}


async def test_weight_lab_group_volume_by_weight_and_a_correction(tmp_path: Path, database_url: str) -> None:
    async with desk_site(tmp_path, database_url) as s:
        organiser = await staff(s)
        lan = await signup_of(s, LAN)
        path = f"/desk/signup/{lan.id}"
        async with await s.logged_in(organiser) as browser:
            _, refused = await post(browser, path, {"action": "weight", "weight": "50"}, status=409)
            assert shown(VI("wdesk_error_not_checked_in")) in refused  # not checked in yet: nothing
            await post(browser, path, {"action": "checkin"})
            _, bad = await post(browser, path, {"action": "weight", "weight": "năm mươi"}, status=400)
            assert shown(VI("error_weight")) in bad and 'value="năm mươi"' in bad
            location, _ = await post(browser, path, {"action": "weight", "weight": "43,5"})
            screen = await page(browser, location)
            assert shown(VI("desk_weight_saved", kg="43,5", name="Nguyễn Thị Lan")) in screen
            assert 'id="desk-result-250"' in screen and 'id="desk-result-350"' not in screen
            donor = await s.bot.donor_by_phone(LAN)
            assert donor is not None and donor.weight_kg == 43.5
            _, refused = await post(browser, path, {"action": "result", "outcome": "350"}, status=409)
            assert shown(VI("desk_volume_refused", ml=350)) in refused and not await s.bot.count_donations()

            location, _ = await post(browser, path, {"action": "lab", "group": "A+"})
            screen = await page(browser, location)
            said = VI("desk_lab_differs", name="Nguyễn Thị Lan", old="O+", new="A+")
            assert shown(said) in screen and "(xét nghiệm ngày 30/11/2026)" in screen
            _, bad = await post(browser, path, {"action": "lab", "group": "Z"}, status=400)
            assert shown(VI("wdesk_error_group")) in bad

            await post(browser, path, {"action": "result", "outcome": "250"})
            assert await s.bot.count_donations() == 1
            _, differs = await post(browser, path, {"action": "result", "outcome": "defer_other"}, status=409)
            assert (
                shown(VI("desk_result_differs", result="Đã hiến 250 ml", button=VI("desk_button_fix")))
                in differs
            )
            fix = await page(browser, f"{path}?fix=1")
            assert (
                shown(VI("desk_correcting", result="Đã hiến 250 ml")) in fix and 'name="fix" value="1"' in fix
            )
            location, _ = await post(
                browser, path, {"action": "result", "outcome": "defer_blood_pressure", "fix": "1"}
            )
            assert location.endswith("done=deferred")
            assert shown(VI("result_recorded_deferred")) in await page(browser, location)
            assert not await s.bot.count_donations()
            _, bad = await post(browser, path, {"action": "result", "outcome": "999"}, status=400)
            assert shown(VI("wdesk_error_outcome")) in bad
        signup = await signup_of(s, LAN)
        assert (signup.status, signup.deferral_reason) == ("deferred", "blood_pressure")
        actions = [e.action for e in await s.bot.rows(select(AuditEntry).order_by(AuditEntry.id))]
        assert {"donor.weight_at_desk", "desk.blood_group", "signup.result"} <= set(actions)


async def test_a_walk_in_is_stored_only_with_the_paper_consent_and_a_known_phone_makes_no_duplicate(
    tmp_path: Path,
) -> None:
    async with desk_site(tmp_path) as s:
        organiser = await staff(s)
        form = {
            "drive_day_id": str(s.ids["day"]),
            "full_name": "Phạm Thu Hà",
            "phone": "0912 890 077",
            "date_of_birth": "03/08/1995",
            "sex": "female",
            "blood_group": "B+",
            "weight": "",
        }
        before = await s.bot.count(Donor)
        async with await s.logged_in(organiser) as browser:
            walkin = await page(browser, "/desk/walkin")
            assert shown(VI("wdesk_consent_label")) in walkin and 'id="desk-walkin-consent"' in walkin
            _, kept = await post(browser, "/desk/walkin", form, status=400)  # not ticked
            assert shown(VI("wdesk_error_consent")) in kept and 'value="Phạm Thu Hà"' in kept
            assert 'value="0912 890 077"' in kept and '<option value="B+" selected>' in kept
            bad = {**form, "phone": "12345", "date_of_birth": "31/02/1995", "consent": "yes", "sex": ""}
            _, kept = await post(browser, "/desk/walkin", bad, status=400)
            assert shown(VI("error_phone")) in kept and shown(VI("wdesk_error_sex")) in kept
            assert 'value="31/02/1995"' in kept and 'id="desk-error-date_of_birth"' in kept
            _, young = await post(
                browser, "/desk/walkin", {**form, "date_of_birth": "01/01/2015", "consent": "yes"}, status=400
            )
            assert "ngoài độ tuổi hiến máu" in young and "/huy" not in young
            assert await s.bot.count(Donor) == before, "nothing stored"

            _, known = await post(
                browser, "/desk/walkin", {**form, "phone": "84912890003", "consent": "yes"}, status=409
            )
            assert shown(VI("desk_walkin_phone_known")) in known and "1. Lê Minh</strong>" in known
            minh = await s.bot.donor_by_phone(MINH)
            assert minh is not None and f'id="desk-walkin-{minh.id}"' in known
            assert await s.bot.count(Donor) == before, "no duplicate"

            location, _ = await post(browser, "/desk/walkin", {**form, "consent": "yes"})
            made = await s.bot.donor_by_phone("+84912890077")
            assert made is not None and made.consent_source == "desk_paper" and made.blood_abo == "B"
            assert made.consent_taken_by == f"telegram:{organiser.id}" and made.consent_form_on == TODAY
            walked = await signup_of(s, "+84912890077")
            assert location == f"/desk/signup/{walked.id}?done=walk_in"
            assert (walked.status, walked.drive_day_id) == ("checked_in", s.ids["day"])
            screen = await page(browser, location)
            assert shown(VI("desk_walkin_done", name="Phạm Thu Hà", code=walked.code)) in screen
            assert shown(VI("wdesk_weight_unknown")) in screen and 'id="desk-result-350"' not in screen

            # A registered donor without a booking today: checked in on the chosen session
            location, _ = await post(
                browser, f"/desk/walkin/{minh.id}", {"drive_day_id": str(s.ids["other"])}
            )
            walked = await signup_of(s, MINH)
            assert (walked.status, walked.drive_day_id) == ("checked_in", s.ids["other"]) and walked.code
            assert "Trạm y tế Nhị Chiểu" in await page(browser, location)
        (entry,) = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "desk.walk_in"))
        assert entry.target == f"donor:{made.id}" and "Hà" not in str(entry.details)


async def test_a_desk_works_only_at_its_day_and_a_ward_only_in_its_ward(
    tmp_path: Path, database_url: str
) -> None:
    async with desk_site(tmp_path, database_url) as s:
        desk_user = await staff(s, 9191, scope=Scope.drive_day(s.ids["day"]), role="desk")
        ward_user = await staff(s, 9192, scope=Scope.ward("Nhị Chiểu"))
        lan, hoa = await signup_of(s, LAN), await signup_of(s, HOA)
        async with await s.logged_in(desk_user) as browser:
            desk = await page(browser, "/desk")
            assert "Nhà văn hóa Tam Lưu" in desk and "Trạm y tế Nhị Chiểu" not in desk
            assert f'id="desk-open-{lan.id}"' in await page(browser, "/desk?q=0912890001")
            assert shown(VI("wdesk_found_none", query="le minh")) in await page(browser, "/desk?q=le minh")
            refused = await page(browser, f"/desk/signup/{hoa.id}", 403)
            assert shown(VI("wdesk_out_of_scope", id=s.ids["later"])) in refused and "Hòa" not in refused
            await post(browser, f"/desk/signup/{hoa.id}", {"action": "checkin_anyway"}, status=403)
            assert (await signup_of(s, HOA)).status == "active"
            minh = await s.bot.donor_by_phone(MINH)
            assert minh is not None
            await post(browser, f"/desk/walkin/{minh.id}", {"drive_day_id": str(s.ids["day"])}, status=403)
            form = {"drive_day_id": str(s.ids["other"]), "full_name": "Phạm Thu Hà", "phone": "0912890077"}
            await post(browser, "/desk/walkin", form, status=403)  # a session outside its day
            await post(browser, f"/desk/signup/{lan.id}", {"action": "checkin"})
            await post(browser, f"/desk/signup/{lan.id}", {"action": "result", "outcome": "350"})
            assert await s.bot.count_donations() == 1
        async with await s.logged_in(ward_user) as browser:
            desk = await page(browser, "/desk")
            assert "Trạm y tế Nhị Chiểu" in desk and "Nhà văn hóa Tam Lưu" not in desk
            assert shown(VI("wdesk_found_none", query="0912890001")) in await page(
                browser, "/desk?q=0912890001"
            )
            await page(browser, f"/desk/signup/{lan.id}", 403)
            await page(browser, "/desk/signup/999999", 404)
            await page(browser, "/desk/signup/abc", 404)
        refused = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "organiser.refused"))
        pairs = {(r.actor, r.target) for r in refused}
        assert (f"telegram:{desk_user.id}", f"drive_day:{s.ids['later']}") in pairs
        assert (f"telegram:{desk_user.id}", f"donor:{minh.id}") in pairs
        assert (f"telegram:{desk_user.id}", f"drive_day:{s.ids['other']}") in pairs
        assert (f"telegram:{ward_user.id}", f"drive_day:{s.ids['day']}") in pairs
        assert all(r.details["via"] == "web" for r in refused)


async def test_without_a_session_or_the_csrf_token_nothing_is_shown_or_written(tmp_path: Path) -> None:
    async with desk_site(tmp_path) as s:
        organiser = await staff(s)
        leader = await staff(s, 9193, scope=Scope.parse("club:clb-a"), role="club_leader")
        lan = await signup_of(s, LAN)
        async with s.client() as anonymous:
            for path in ("/desk", "/desk?q=0912890001", f"/desk/signup/{lan.id}", "/desk/walkin"):
                text = await page(anonymous, path, 403)
                assert "Lan" not in text and "Gửi /web cho bot" in text
            for path in (f"/desk/signup/{lan.id}", "/desk/walkin", f"/desk/walkin/{lan.donor_id}"):
                await post(anonymous, path, {"csrf": "x", "action": "checkin"}, status=403, csrf=False)
        sent = await s.bot.send(leader, "/web")  # a role without the desk's work gets no page at all
        assert sent[0].text and "/login/" not in sent[0].text
        async with await s.logged_in(organiser) as browser:
            for path, data in (
                (f"/desk/signup/{lan.id}", {"action": "checkin"}),
                (f"/desk/signup/{lan.id}", {"action": "checkin", "csrf": "forged"}),
                ("/desk/walkin", {"full_name": "Phạm Thu Hà", "phone": "0912890077", "consent": "yes"}),
                (f"/desk/walkin/{lan.donor_id}", {"drive_day_id": str(s.ids["day"])}),
            ):
                _, text = await post(browser, path, data, status=403, csrf=False)
                assert shown(VI("web_csrf")) in text
            assert (await signup_of(s, LAN)).status == "active"
            english = await page(browser, "/desk?lang=en")
            assert EN("wdesk_title") in english and EN("wdesk_search_label") in english
        count = await s.bot.scalar(
            select(func.count()).select_from(Signup).where(Signup.status == "checked_in")
        )
        assert count == 0
