"""The Zalo channel as people and operators meet it: the webhook and its guard, media by URL, what is not
text, groups, repeated events, long texts, numbered choices across turns and restarts, and API faults.

Everything runs against the local Zalo emulator (emulators/zalo) and the real app (tests/chats.py).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from emulators.zalo import ZaloFaults, ZaloSent, ZaloUser
from models import announcements
from models.tables import ChannelAccount, Conversation, Donation, Donor, Signup
from tests.chats import WEBHOOK_SECRET, Chats, ZaloHarness, running_zalo
from tests.e2e.test_desk_records import PLAN  # one drive day at Tam Lưu, 03/08/2020
from tests.helpers import FixedClock

BEFORE = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)  # Monday 20/07/2020, 09:00 in Vietnam
PNG = b"\x89PNG\r\n\x1a\n"
AGE_QUESTION = "Bạn bao nhiêu tuổi?"
SEX_QUESTION = "Giới tính của bạn?"  # the self-check's second question, after the age


def shown(messages: list[ZaloSent]) -> str:
    return "\n".join(m.shown_text or "" for m in messages)


def say(h: ZaloHarness, key: str, **values: Any) -> str:
    assert h.app is not None
    return h.app.catalogs.get("vi")(key, **values)


async def count(h: ZaloHarness, statement: Any) -> int:
    assert h.app is not None
    async with h.app.sessions() as session:
        return int(await session.scalar(statement) or 0)


async def settle(h: ZaloHarness, seconds: float = 0.3) -> None:
    """Gives a turn that should not happen the time it would take to happen."""
    await asyncio.sleep(seconds)
    assert h.channel is not None
    if h.channel._turns:
        await asyncio.gather(*h.channel._turns)


# --- 1. webhook mode ---------------------------------------------------------------------------------


def text_event(user_id: str, text: str, message_id: str) -> dict[str, Any]:
    return {
        "event_name": "message.text.received",
        "message": {
            "message_id": message_id,
            "date": 1_600_000_000_000,
            "text": text,
            "from": {"id": user_id, "display_name": "Lạ", "is_bot": False},
            "chat": {"id": user_id, "chat_type": "PRIVATE"},
        },
    }


REJECTED = 'donorbot_webhook_rejected_total{channel="zalo"}'


async def scraped(http: aiohttp.ClientSession, url: str, sample: str) -> float:
    """One sample's value on the /metrics page (0 before it was first counted)."""
    async with http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        for line in (await response.text()).splitlines():
            name, _, value = line.rpartition(" ")
            if name == sample:
                return float(value)
    return 0.0


async def test_webhook_mode_takes_events_and_refuses_strangers(tmp_path: Path) -> None:
    async with running_zalo(tmp_path, webhook=True) as h:
        public = h.settings.web.public_url
        path = h.settings.zalo.webhook_path
        (call,) = h.emu.calls_to("setWebhook")
        assert call.params == {"url": f"{public}{path}", "secret_token": WEBHOOK_SECRET}
        lan = h.user(7001)
        welcome = shown(await h.send(lan, "/start"))
        assert "Bạn có đồng ý không?" in welcome
        h.emu.webhook_body_shape = "top"  # the event itself at the top level, as some handlers read it
        assert AGE_QUESTION in shown(await h.send(lan, "/kiemtra"))
        assert [d.status for d in h.emu.webhook_deliveries] == [200, 200]
        assert "ok" not in h.emu.webhook_deliveries[1].body, "the second one came in the other shape"
        assert not h.emu.calls_to("getUpdates"), "no polling while the webhook is set"

        stranger = h.user(7002)
        body = {"ok": True, "result": text_event(stranger.id, "/start", "forged-1")}
        url = f"{public}{path}"
        async with aiohttp.ClientSession() as http:
            rejected_before = await scraped(http, f"{public}/metrics", REJECTED)
            for headers in ({}, {"X-Bot-Api-Secret-Token": "not-the-secret"}):
                async with http.post(url, json=body, headers=headers) as response:
                    assert response.status == 403
            assert await scraped(http, f"{public}/metrics", REJECTED) == rejected_before + 2
            async with http.get(f"{public}/readyz") as response:
                ready = await response.text()
                assert response.status == 200, ready
                assert ready.splitlines()[:4] == [
                    "ready",
                    "database ok ok",
                    "delivery ok leader",
                    "scheduler ok leader",
                ]
            await settle(h)
            assert h.emu.messages(stranger) == [], "a refused request runs no turn"
            rows = select(func.count()).select_from(Conversation).where(Conversation.chat_id == stranger.id)
            assert await count(h, rows) == 0
            good = {"X-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            big = {"ok": True, "result": text_event(stranger.id, "x" * h.settings.web.max_body_bytes, "big")}
            async with http.post(url, data=json.dumps(big), headers=good) as response:
                assert response.status == 413
            async with http.post(url, json=[body], headers=good) as response:
                assert response.status == 400
            async with http.get(f"{public}/healthz") as response:
                assert response.status == 200 and await response.text() == "ok"
            await settle(h)
            assert h.emu.messages(stranger) == []

            # The same body with the secret is answered: the refusals above were the guard's.
            async def post_with_the_secret() -> None:
                async with http.post(url, json=body, headers=good) as response:
                    assert response.status == 200

            answered = await h.act(stranger.chat_id, post_with_the_secret())
            assert "Bạn có đồng ý không?" in shown(answered)


# --- 2. media by URL ---------------------------------------------------------------------------------


async def book(h: ZaloHarness, user: ZaloUser, phone: str) -> tuple[list[ZaloSent], Signup]:
    (Path(h.settings.bot.data_dir) / "plan.toml").write_text(PLAN, encoding="utf-8")
    await h.import_plan(Path(h.settings.bot.data_dir) / "plan.toml")
    await h.add_donor(user, phone=phone)
    await h.send(user, "/lichhien")
    await h.choose(user, "03/08/2020")
    done = await h.choose(user, "07:00")
    assert h.app is not None
    async with h.app.sessions() as session:
        signup = await session.scalar(select(Signup).join(Donor).where(Donor.phone == phone))
    assert isinstance(signup, Signup) and signup.code is not None
    return done, signup


async def test_the_qr_code_comes_as_a_photo_by_url(tmp_path: Path) -> None:
    async with running_zalo(tmp_path, FixedClock(BEFORE), media=True) as h:
        lan = h.user(7101)
        done, signup = await book(h, lan, "+84912710101")
        photos = [m for m in done if m.method == "sendPhoto"]
        assert len(photos) == 1, [m.method for m in done]
        (qr,) = photos
        assert qr.photo is not None and qr.photo.startswith(b"\x89PNG\r\n\x1a\n"), (
            "the emulator fetched a PNG"
        )
        assert qr.photo_url is not None and qr.photo_url.startswith(f"{h.settings.web.public_url}/media/")
        assert signup.code is not None and signup.code not in qr.photo_url
        assert "912710101" not in qr.photo_url and "0912" not in qr.photo_url
        text = shown(done)
        assert "Đã giữ chỗ" in text and f"Mã đăng ký: {signup.code}" in text
        assert "calendar.google.com/calendar/render?action=TEMPLATE" in text, "the calendar file as a link"


# --- 3. not text ------------------------------------------------------------------------------------


async def test_what_is_not_text_gets_a_polite_answer_and_the_question_again(tmp_path: Path) -> None:
    async with running_zalo(tmp_path) as h:
        lan = h.user(7201)
        await h.send(lan, "/kiemtra")
        not_text = say(h, "error_not_text")
        for action in (
            h.emu.send_sticker(lan),
            h.emu.send_image(lan, caption="ảnh"),
            h.emu.send_voice(lan),
            h.emu.send_unsupported(lan),
        ):
            answer = shown(await h.act(lan.chat_id, action))
            assert not_text in answer and AGE_QUESTION in answer, answer
        assert SEX_QUESTION in shown(await h.choose(lan, "Từ 18 đến 60")), "the dialogue goes on"
        await h.send(lan, "/huy")
        outside = shown(await h.sticker(lan))
        assert say(h, "error_not_text_question") in outside


# --- 4. groups --------------------------------------------------------------------------------------


async def test_in_a_group_nothing_personal_is_asked(tmp_path: Path) -> None:
    async with running_zalo(tmp_path) as h:
        lan = h.user(7301)
        group = "group-7300"
        private_only = say(h, "group_private_only")
        for typed in ("/dangky", "dang ky", "/kiemtra"):
            answer = await h.send(lan, typed, group=group)
            assert [m.shown_text for m in answer] == [private_only], typed
        assert await h.send(lan, "chào cả nhà, mai ai đi hiến máu không?", group=group) == []
        assert await h.send(lan, "2", group=group) == []
        await settle(h)
        assert h.emu.messages(lan) == [], "nothing sent to the person's own chat either"
        assert await count(h, select(func.count()).select_from(Donor)) == 0
        flows = select(func.count()).select_from(Conversation).where(Conversation.flow.is_not(None))
        assert await count(h, flows) == 0


# --- 5. repeats -------------------------------------------------------------------------------------


async def test_every_event_twice_still_goes_step_by_step(tmp_path: Path) -> None:
    async with running_zalo(tmp_path) as h:
        h.emu.duplicate_every(1)
        lan = h.user(7401)
        chat = Chats(h)
        steps = [
            (chat.send, "/start", "Bạn có đồng ý không?"),
            (chat.choose, "Đồng ý", "họ và tên"),
            (chat.send, "nguyễn thị lan", "ngày sinh"),
            (chat.send, "3/8/1995", "giới tính"),
        ]
        for act, what, expected in steps:
            answer = "\n".join(await act(lan, what))
            assert expected in answer.lower() or expected in answer, (what, answer)
        await chat.choose(lan, "Nữ")
        await chat.send(lan, "0912 740 101")
        await chat.choose(lan, "O+")
        await chat.choose(lan, "Tam Lưu")
        await chat.choose(lan, "Chưa từng hiến")
        assert "thành công" in "\n".join(await chat.choose(lan, "Xác nhận"))
        await settle(h)
        events = [c for c in h.emu.calls_to("getUpdates") if c.ok]
        assert len(events) >= 2 * 10, "the emulator did send every event twice"
        assert len(h.after_turn[lan.chat_id]) == 10, "one turn per thing typed"
        async with h.app.sessions() as session:  # type: ignore[union-attr]
            donor = await session.scalar(select(Donor))
        assert donor is not None
        assert (donor.full_name, donor.date_of_birth, donor.phone) == (
            "Nguyễn Thị Lan",
            date(1995, 8, 3),
            "+84912740101",
        )


# --- 6. long texts ----------------------------------------------------------------------------------


async def test_a_long_text_comes_in_parts_under_the_cap(tmp_path: Path) -> None:
    async with running_zalo(tmp_path, FixedClock(BEFORE)) as h:
        lan = h.user(7501)
        _, signup = await book(h, lan, "+84912750101")
        assert h.app is not None
        places = [f"Điểm hiến máu số {n}, Nhà văn hóa thôn {n}" for n in range(1, 25)]
        async with h.app.sessions() as session, session.begin():
            for n, place in enumerate(places):
                session.add(
                    Donation(
                        donor_id=signup.donor_id,
                        donated_on=date(2010 + n // 3, 1 + 4 * (n % 3), 10),
                        volume_ml=350,
                        place=place,
                        self_reported=True,
                    )
                )
        parts = await h.send(lan, "/mydata")
        texts = [m.shown_text or "" for m in parts]
        assert len(texts) >= 2 and sum(map(len, texts)) > 2000, [len(t) for t in texts]
        assert all(1 <= len(t) <= 2000 for t in texts), [len(t) for t in texts]
        start = next(n for n, t in enumerate(texts) if t.startswith("{"))
        data = json.loads("\n".join(texts[start:]))  # cut between lines: together again, it is the JSON
        assert sorted(d["place"] for d in data["donations"]) == sorted(places), "no donation lost"
        assert [s["code"] for s in data["signups"]] == [signup.code]
        assert data["phone"] == "+84912750101"


# --- 7. numbers belong to the prompt ----------------------------------------------------------------


async def test_a_number_means_the_choice_shown_last(tmp_path: Path) -> None:
    async with running_zalo(tmp_path) as h:
        lan = h.user(7601)
        shown_age = shown(await h.send(lan, "/kiemtra"))
        assert "2) Từ 18 đến 60 tuổi" in shown_age
        assert SEX_QUESTION in shown(await h.send(lan, "2")), "2 picked the second age"
        await h.send(lan, "/huy")
        await h.send(lan, "/kiemtra")
        assert SEX_QUESTION in shown(await h.send(lan, "tu 18 den 60")), "the words, without diacritics"
        await h.send(lan, "/huy")

        minh = h.user(7602, name="Minh")
        await h.send(minh, "/start")
        await h.choose(minh, "Đồng ý")
        assert "Ngày sinh của bạn?" in shown(await h.send(minh, "Trần Văn Minh"))
        at_birth_date = shown(await h.send(minh, "2"))
        assert "Ngày sinh" in at_birth_date and SEX_QUESTION not in at_birth_date, at_birth_date

        hoa = h.user(7603, name="Hoa")
        assert "2) Từ 18 đến 60 tuổi" in shown(await h.send(hoa, "/kiemtra"))
        await h.stop()
        # The long poll the old process left open is still answered (by the 408 after poll_timeout):
        # an event sent before then would go to it and be lost, so the new process starts after.
        await h.emu.wait_until(
            lambda: all(c.done_at is not None for c in h.emu.calls_to("getUpdates")), what="the old poll"
        )
        await h.start()  # the same database, a new process
        assert SEX_QUESTION in shown(await h.send(hoa, "2")), "the numbers shown before the restart"


# --- 8. faults --------------------------------------------------------------------------------------


async def test_api_faults(tmp_path: Path) -> None:
    async with running_zalo(tmp_path, FixedClock(BEFORE)) as h:
        faults = h.emu.add_hook(ZaloFaults())
        lan = h.user(7701)
        faults.server_error("sendMessage", times=2)
        assert AGE_QUESTION in shown(await h.send(lan, "/kiemtra")), "retried after two 500s"
        assert faults.injected == [("sendMessage", "server_error")] * 2

        faults.server_error("getUpdates", times=3)
        await h.emu.wait_until(lambda: faults.pending == 0, what="three failed polls")
        assert SEX_QUESTION in shown(await h.choose(lan, "Từ 18 đến 60")), "the poller went on"

        minh = h.user(7702, name="Minh")
        await h.add_donor(minh, phone="+84912770201")
        faults.error("sendMessage", error_code=403)  # Minh blocked the bot, as Zalo tells
        sends = len(h.emu.calls_to("sendMessage"))
        assert await h.send(minh, "/kiemtra") == []
        await settle(h)
        assert len(to(h, minh, sends)) == 1, "after the 403 the turn's next message was not sent"

        assert await unreachable_at(h, minh) is not None, "the 403 marked the account unreachable"
        sends = len(h.emu.calls_to("sendMessage"))
        await announce(h, "Tuần sau có thêm một buổi hiến máu.")
        await settle(h, 0.5)
        assert to(h, minh, sends) == [], "nothing more is sent to an unreachable account"


def to(h: ZaloHarness, user: ZaloUser, since: int) -> list[Any]:
    return [c for c in h.emu.calls_to("sendMessage")[since:] if c.params.get("chat_id") == user.id]


async def unreachable_at(h: ZaloHarness, user: ZaloUser) -> datetime | None:
    assert h.app is not None
    async with h.app.sessions() as session:
        return await session.scalar(
            select(ChannelAccount.unreachable_at).where(
                ChannelAccount.platform == "zalo", ChannelAccount.user_id == user.id
            )
        )


async def announce(h: ZaloHarness, text: str) -> None:
    """An announcement to every donor, as an organiser's /thongbao queues it."""
    assert h.app is not None
    async with h.app.sessions() as session, session.begin():
        await announcements.create(
            session, text=text, audience=announcements.Audience(), actor="test", now=h.clock.now()
        )
    if h.app.dispatcher.on_pushed is not None:
        h.app.dispatcher.on_pushed()


async def test_a_reply_refused_with_403_marks_the_account(tmp_path: Path) -> None:
    async with running_zalo(tmp_path) as h:
        minh = h.user(7801, name="Minh")
        await h.add_donor(minh, phone="+84912780101")
        h.emu.block(minh)
        assert await h.send(minh, "/kiemtra") == []
        assert await unreachable_at(h, minh) is not None


async def test_no_text_on_zalo_asks_to_tap_a_button(tmp_path: Path) -> None:
    async with running_zalo(tmp_path) as h:
        lan = h.user(7901)
        chat = Chats(h)
        await chat.send(lan, "/start")
        await chat.choose(lan, "Đồng ý")
        await chat.send(lan, "nguyễn thị lan")
        await chat.send(lan, "3/8/1995")
        await chat.choose(lan, "Nữ")
        await chat.send(lan, "xin chào")  # not a phone number
        await chat.send(lan, "0912 790 101")
        await chat.send(lan, "nhóm Z")  # not a blood group
        await h.sticker(lan)
        await chat.send(lan, "dang ky")  # a command's words in the middle of a dialogue
        tapping = {
            line
            for t in chat.texts(lan)
            for line in t.splitlines()
            if any(verb in line.lower() for verb in ("bấm", "nhấn", "chạm"))
        }
        assert not tapping, sorted(tapping)
