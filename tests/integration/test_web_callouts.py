"""The web page's emergency call-outs over real HTTP, the bot running against the Telegram emulator: a
call-out made on the web (its mistakes said on the form, its preview counting without names) reaches the
reserve donors' chats; a donor's tap shows in the JSON tally and the page; closing tells the donors; a ward
organiser keeps to their ward; every route refused without a session, a role or the scope; CSRF.

The data (`tests.integration.test_web_pages.site`, today Wednesday 02/12/2026 09:00 in Vietnam): reserve
donors O+ — two in Tam Lưu, one in Nhị Chiểu — and one A+ in Tam Lưu.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from sqlalchemy import select

from domain.figures import Scope
from emulators.telegram import SimUser
from models import clubs
from models.tables import AuditEntry, Callout, CalloutRecipient, Donor, Outbox
from services.callouts.need import label
from tests.e2e.test_callout_close import CALL, arrives, of, press_on
from tests.e2e.test_callouts import reserve
from tests.integration.test_web_pages import CSRF, EN, VI, Site, site

FIGURE = re.compile(r'id="(tally-[a-z-]+)"[^>]*>([^<]*)<')


def figures(page: str) -> dict[str, str]:
    """The tally's figures by element id, as the page shows them (the ids tally.js rewrites)."""
    return dict(FIGURE.findall(page))


def token(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None
    return found.group(1)


async def get(browser: aiohttp.ClientSession, path: str, status: int = 200) -> str:
    async with browser.get(path) as response:
        page = await response.text()
        assert response.status == status, (path, response.status, page[:400])
    return page


@dataclass
class Answer:
    headers: Mapping[str, str]
    page: str


async def post(
    browser: aiohttp.ClientSession, path: str, data: dict[str, str] | list[tuple[str, str]], status: int
) -> Answer:
    async with browser.post(path, data=data, allow_redirects=False) as response:
        page = await response.text()
        assert response.status == status, (path, response.status, page[:600])
        return Answer(response.headers, page)


def need(
    csrf: str,
    *,
    action: str = "preview",
    wards: tuple[str, ...] = ("tam luu",),
    groups: tuple[str, ...] = ("O+",),
    **changes: str,
) -> list[tuple[str, str]]:
    """The form as an organiser fills it in: O+, whole blood, 2 units, before 18:00 today."""
    values = {
        "csrf": csrf,
        "component": "whole_blood",
        "units": "2",
        "place": "Bệnh viện Đa khoa Kinh Môn",
        "address": "Phường An Lưu, Kinh Môn",
        "contact": "BS Hùng 0912 000 999",
        "deadline": "18:00",
        "action": action,
    }
    values.update(changes)
    fields = [("group", group) for group in groups]
    fields += list(values.items())
    fields += [("ward", w) for w in wards]
    return fields


async def donors(s: Site) -> dict[str, SimUser]:
    return {
        "tam_luu_1": await reserve(s.bot, 9101, phone="+84912391001"),
        "tam_luu_2": await reserve(s.bot, 9102, phone="+84912391002"),
        "nhi_chieu": await reserve(s.bot, 9103, phone="+84912391003", ward="Nhị Chiểu"),
        "a_positive": await reserve(s.bot, 9104, phone="+84912391004", blood_abo="A"),
    }


async def test_a_call_out_made_on_the_web_reaches_the_donors_and_its_tally_follows_their_answers(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s:
        people = await donors(s)
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        async with await s.logged_in(staff) as browser:
            home = await get(browser, "/")
            assert '<a href="/callouts">' in home  # the menu
            listed = await get(browser, "/callouts")
            assert VI("wcall_none") in listed
            form = await get(browser, "/callouts/new")
            csrf = token(form)
            assert 'name="group" value="O-"' in form and "Tam Lưu" in form and "Nhị Chiểu" in form

            # Mistakes: said on the form, what was typed kept, nothing written.
            wrong = await post(
                browser,
                "/callouts/new",
                need(csrf, units="hai", deadline="25:00", place="x", wards=("tam luu", "Hà Nội")),
                400,
            )
            page = wrong.page
            assert VI("wcall_fix_below") in page
            for key in ("callout_error_units", "callout_error_deadline", "wcall_error_ward"):
                assert VI(key) in page, key
            assert VI("callout_error_place", limit=200).split("(")[0] in page
            assert 'value="hai"' in page and 'value="25:00"' in page and 'value="x"' in page
            assert 'value="Phường An Lưu, Kinh Môn"' in page
            assert not await s.bot.rows(select(Callout))

            # The preview: counts by group, in wave 1 and in all, with no name; nothing sent yet.
            both = ("O+", "A+")
            shown = await post(browser, "/callouts/new", need(csrf, groups=both), 200)
            page = shown.page
            assert re.search(r'id="match-total">4<', page) and re.search(r'id="match-wave1">4<', page)
            assert f'<td>{label("O+")}</td><td class="num">3</td><td class="num">3</td>' in page
            assert f'<td>{label("A+")}</td><td class="num">1</td><td class="num">1</td>' in page
            assert VI("wcall_confirm_question", wave=4) in page
            for user in people.values():
                assert user.first_name not in page
            assert "0912 391" not in page
            assert not await s.bot.rows(select(Callout)) and not await s.bot.rows(select(Outbox))

            # "Change" brings the form back as filled in.
            back = await post(browser, "/callouts/new", need(csrf, action="edit", groups=both), 200)
            assert 'value="Bệnh viện Đa khoa Kinh Môn"' in back.page
            assert 'value="Tam Lưu" checked' in back.page and 'value="A+" checked' in back.page

            # Confirm: sent as /khancap sends it; the pushes arrive in the donors' chats.
            sent = await post(browser, "/callouts/new", need(csrf, action="send", groups=both), 303)
            again = await post(browser, "/callouts/new", need(csrf, action="send", groups=both), 303)
            (callout,) = await s.bot.rows(select(Callout))  # Confirm sent twice: one call-out
            assert again.headers["Location"] == sent.headers["Location"]
            assert callout.groups == ["A+", "O+"]
            assert sent.headers["Location"] == f"/callouts/{callout.id}"
            assert callout.wards == ["Tam Lưu"] and callout.units_needed == 2 and not callout.wards_only
            calls = {key: await arrives(s.bot, user, CALL) for key, user in people.items()}
            assert "Bệnh viện Đa khoa Kinh Môn" in (calls["tam_luu_1"].text or "")
            (created,) = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "callout.create"))
            assert created.actor == f"telegram:{staff.id}" and created.target == f"callout:{callout.id}"

            page = await get(browser, f"/callouts/{callout.id}")
            shown_figures = figures(page)
            assert shown_figures["tally-accepted"] == "0" and shown_figures["tally-units"] == "2"
            assert shown_figures["tally-messaged"] == "4" and shown_figures["tally-no-answer"] == "4"
            assert shown_figures["tally-status"] == VI("callout_status_open")
            assert '<script src="/static/tally.js" defer></script>' in page
            assert f'data-src="/callouts/{callout.id}/tally.json"' in page
            assert f'href="/callouts/{callout.id}" id="tally-reload"' in page  # without script: reload
            assert 'id="tally-people"' in page and VI("callout_nobody_yet") in page

            # A donor accepts in the chat: the JSON tally and the page show it.
            await press_on(s.bot, people["tam_luu_1"], calls["tam_luu_1"], "Tôi đến được")
            await press_on(s.bot, people["nhi_chieu"], calls["nhi_chieu"], "Lần này không được")
            async with browser.get(f"/callouts/{callout.id}/tally.json") as response:
                assert response.status == 200 and response.content_type == "application/json"
                assert response.headers["Cache-Control"] == "no-store"
                data = json.loads(await response.text())
            assert (data["accepted"], data["declined"], data["no_answer"], data["messaged"]) == (1, 1, 2, 4)
            counts = ("messaged", "accepted", "declined", "no_answer")
            assert [(g["label"], *(g[k] for k in counts)) for g in data["by_group"]] == [
                ("A+", 1, 0, 0, 1),
                ("O+", 3, 1, 1, 1),
            ]
            assert data["status"] == "open" and data["running"] is True
            assert data["people"] == [{"name": people["tam_luu_1"].first_name, "phone": "09•••••001"}]
            page = await get(browser, f"/callouts/{callout.id}")
            assert figures(page)["tally-accepted"] == "1" and figures(page)["tally-declined"] == "1"
            assert (
                '<tr data-group="O+"><td>O+</td><td class="num">3</td><td class="num">1</td>'
                '<td class="num">1</td><td class="num">1</td></tr>'
            ) in page
            assert f"{people['tam_luu_1'].first_name} · 09•••••001" in page
            assert "0912 391 001" not in page and "+84912391001" not in page
            listed = await get(browser, "/callouts")
            assert f'<a href="/callouts/{callout.id}">#{callout.id} · A+, O+</a>' in listed
            assert '<td class="num">1/2</td>' in listed

            # Extend by 2 hours, as the tally's button does.
            assert figures(page)["tally-deadline"] == "18:00 02/12"
            await post(browser, f"/callouts/{callout.id}/extend", {}, 403)
            await post(browser, f"/callouts/{callout.id}/extend", {"csrf": csrf}, 303)
            assert figures(await get(browser, f"/callouts/{callout.id}"))["tally-deadline"] == "20:00 02/12"

            # Closing: a POST without the token is refused; with it, the donors still counted on hear it.
            await post(browser, f"/callouts/{callout.id}/close", {}, 403)
            await post(browser, f"/callouts/{callout.id}/close", {"csrf": "forged"}, 403)
            assert (await s.bot.scalar(select(Callout.status))) == "open"
            await post(browser, f"/callouts/{callout.id}/close", {"csrf": csrf}, 303)
            assert (await s.bot.scalar(select(Callout.status))) == "closed"
            await arrives(s.bot, people["tam_luu_1"], "không cần đến nữa")
            await arrives(s.bot, people["tam_luu_2"], "không cần trả lời nữa")
            await arrives(s.bot, people["a_positive"], "không cần trả lời nữa")
            assert of(s.bot, people["nhi_chieu"], "đã kết thúc") == []
            async with browser.get(f"/callouts/{callout.id}/tally.json") as response:
                data = json.loads(await response.text())
            assert data["status"] == "closed" and data["running"] is False
            page = await get(browser, f"/callouts/{callout.id}")
            assert 'id="callout-close"' not in page and VI("callout_status_closed") in page
            await post(browser, f"/callouts/{callout.id}/extend", {"csrf": csrf}, 303)  # closed: nothing
            assert figures(await get(browser, f"/callouts/{callout.id}"))["tally-deadline"] == "20:00 02/12"
            for action in ("callout.extend", "callout.close"):
                (entry,) = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == action))
                assert entry.actor == f"telegram:{staff.id}" and entry.target == f"callout:{callout.id}"

            async with browser.get("/static/tally.js") as response:
                assert response.status == 200 and response.content_type == "text/javascript"
                script = await response.text()
            assert "tally.json" not in script or "data-src" in script  # the address comes from the page
            for element in ("tally-accepted", "tally-people", "tally-status"):
                assert element in script

            english = await get(browser, f"/callouts/{callout.id}?lang=en")
            assert EN("wcall_tally_accepted") in english and EN("callout_status_closed") in english

        for entry in await s.bot.rows(select(AuditEntry)):
            assert "0912" not in str(entry.details) and "Người" not in str(entry.details)


async def test_a_ward_organiser_calls_their_ward_only_and_may_not_follow_anothers(
    tmp_path: Path, database_url: str
) -> None:
    async with site(tmp_path, database_url) as s:
        people = await donors(s)
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        ward = s.bot.user(8991, name="Phường")
        await s.bot.make_organiser(ward, scope=Scope.parse("ward:Tam Lưu"))
        async with await s.logged_in(staff) as browser:
            csrf = token(await get(browser, "/callouts/new"))
            await post(browser, "/callouts/new", need(csrf, action="send", wards=()), 303)
        (area_callout,) = await s.bot.rows(select(Callout))
        assert area_callout.wards is None  # every ward alike
        for key in ("tam_luu_1", "tam_luu_2", "nhi_chieu"):
            await arrives(s.bot, people[key], CALL)

        async with await s.logged_in(ward) as browser:
            assert f"/callouts/{area_callout.id}" not in await get(browser, "/callouts")
            refused = await get(browser, f"/callouts/{area_callout.id}", 403)
            assert VI("wcall_out_of_scope", id=area_callout.id) in refused and "09•••" not in refused
            await get(browser, f"/callouts/{area_callout.id}/tally.json", 403)
            form = await get(browser, "/callouts/new")
            csrf = token(form)
            assert VI("wcall_own_ward", ward="Tam Lưu") in form and 'name="ward"' not in form
            await post(browser, f"/callouts/{area_callout.id}/close", {"csrf": csrf}, 403)
            assert (await s.bot.scalar(select(Callout.status))) == "open"

            # Their own: their ward only, whatever the form says.
            in_six_hours = need(csrf, wards=("Nhị Chiểu",), deadline="", deadline_in="6")
            shown = await post(browser, "/callouts/new", in_six_hours, 200)
            page = shown.page
            assert VI("wcall_deadline_line", deadline="15:00 02/12/2026") in page  # 09:00 + 6 hours
            assert 'name="deadline" value="15:00 02/12/2026"' in page  # Confirm sends what was shown
            assert re.search(r'id="match-total">2<', page)
            assert VI("callout_preview_ward_only", ward="Tam Lưu") in page
            confirmed = need(csrf, action="send", wards=("Nhị Chiểu",), deadline="15:00 02/12/2026")
            sent = await post(browser, "/callouts/new", confirmed, 303)
            own = await s.bot.scalar(select(Callout).where(Callout.id != area_callout.id))
            assert own is not None and sent.headers["Location"] == f"/callouts/{own.id}"
            assert own.wards == ["Tam Lưu"] and own.wards_only
            assert own.deadline == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
            recipients = await s.bot.rows(
                select(CalloutRecipient).where(CalloutRecipient.callout_id == own.id)
            )
            assert len(recipients) == 2
            listed = await get(browser, "/callouts")
            assert f"/callouts/{own.id}" in listed and f'/callouts/{area_callout.id}"' not in listed
            await get(browser, f"/callouts/{own.id}")
            await post(browser, f"/callouts/{own.id}/close", {"csrf": csrf}, 303)
            assert (await s.bot.scalar(select(Callout.status).where(Callout.id == own.id))) == "closed"

        refusals = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "organiser.refused"))
        assert {(r.actor, r.target) for r in refusals} == {
            (f"telegram:{ward.id}", f"callout:{area_callout.id}")
        }
        assert all(r.details["via"] == "web" for r in refusals)


async def test_clubs_first_asks_the_members_in_wave_one(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        people = await donors(s)
        assert s.bot.app is not None
        member = await s.bot.scalar(select(Donor.id).where(Donor.phone == "+84912391003"))  # Nhị Chiểu
        async with s.bot.app.sessions() as db, db.begin():
            club = await clubs.create(
                db,
                name="CLB Máu Kinh Môn",
                kind="club",
                ward=None,
                key=None,
                actor="test",
                now=s.bot.clock.now(),
            )
            await clubs.add_members(db, club.id, [member], "organiser", s.bot.clock.now())
        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        async with await s.logged_in(staff) as browser:
            form = await get(browser, "/callouts/new")
            csrf = token(form)
            assert VI("wcall_club_line", name="CLB Máu Kinh Môn", members=1) in form
            picked = [*need(csrf, units="1"), ("club", str(club.id))]
            page = (await post(browser, "/callouts/new", picked, 200)).page
            assert VI("callout_preview_clubs", members=1) in page
            assert re.search(r'id="match-wave1">1<', page) and re.search(r'id="match-total">3<', page)
            picked = [(k, "send" if k == "action" else v) for k, v in picked]
            await post(browser, "/callouts/new", picked, 303)
        await arrives(s.bot, people["nhi_chieu"], CALL)
        (asked,) = await s.bot.rows(select(CalloutRecipient))
        assert asked.donor_id == member  # wave 1: the club's member only, though Tam Lưu is called first
        (entry,) = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "callout.create"))
        assert entry.details["clubs_first"] == [club.id]


async def test_every_call_out_route_is_refused_without_a_session_a_role_or_the_token(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await donors(s)
        paths = ("/callouts", "/callouts/new", "/callouts/1", "/callouts/1/tally.json")
        async with s.client() as anonymous:
            for path in paths:
                page = await get(anonymous, path, 403)
                assert VI("web_login_needed_title") in page
            await post(anonymous, "/callouts/new", need("x", action="send"), 403)
            await post(anonymous, "/callouts/1/close", {"csrf": "x"}, 403)
            await post(anonymous, "/callouts/1/extend", {"csrf": "x"}, 403)

        desk = s.bot.user(8992, name="Bàn")
        await s.bot.make_organiser(desk, scope=Scope.parse(f"drive_day:{s.ids['day']}"), role="desk")
        company = s.bot.user(8993, name="Công ty")
        await s.bot.make_organiser(company, scope=Scope.parse("organisation:Công ty May"))
        for user in (desk, company):
            async with await s.logged_in(user) as browser:
                home = await get(browser, "/")
                assert '<a href="/callouts">' not in home
                for path in paths:
                    page = await get(browser, path, 403)
                    assert VI("web_refused_title") in page
                await post(browser, "/callouts/new", need(token(home), action="send"), 403)
        assert not await s.bot.rows(select(Callout))

        staff = s.bot.user(8990, name="Cán bộ")
        await s.bot.make_organiser(staff)
        async with await s.logged_in(staff) as browser:
            csrf = token(await get(browser, "/callouts/new"))
            tokenless = [(k, v) for k, v in need(csrf, action="send") if k != "csrf"]
            assert VI("web_csrf_title") in (await post(browser, "/callouts/new", tokenless, 403)).page
            assert not await s.bot.rows(select(Callout))
            for path in ("/callouts/999", "/callouts/abc", "/callouts/999/tally.json"):
                assert VI("wcall_unknown_title") in await get(browser, path, 404)
            await post(browser, "/callouts/999/close", {"csrf": csrf}, 404)
            forged = [(k, v) for k, v in need(csrf) if k != "group"] + [("group", "Z+"), ("club", "7")]
            page = (await post(browser, "/callouts/new", forged, 400)).page
            assert VI("callout_error_groups") in page
            nobody = [(k, v) for k, v in need(csrf, action="send") if k != "group"] + [("group", "AB-")]
            page = (await post(browser, "/callouts/new", nobody, 409)).page
            assert VI("callout_nobody_to_send") in page
            assert not await s.bot.rows(select(Callout))
        refusals = await s.bot.rows(select(AuditEntry).where(AuditEntry.action == "organiser.refused"))
        assert {r.target for r in refusals} == {"capability:callout"}
        assert {r.actor for r in refusals} == {f"telegram:{desk.id}", f"telegram:{company.id}"}
