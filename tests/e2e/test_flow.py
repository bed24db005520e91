"""Issue 12, "the flow": what a first week of real use found in the dialogues, end to end through the
emulator (the clock of these tests: Monday 2026-11-23, 09:00 in Vietnam)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from emulators.telegram import SentMessage, SimUser
from models.tables import Signup
from scheduler.jobs import expire_conversations
from tests.e2e.test_drives import KINH_MON
from tests.helpers import BotHarness, FixedClock, running_bot, texts


async def test_away_takes_a_day_without_year_a_stretch_of_time_and_explains_a_past_day(
    bot: BotHarness,
) -> None:
    user = bot.user(12301)
    await bot.add_donor(user, phone="+84912301001", is_reserve=True)
    reply = texts(await bot.send(user, "/vangmat 25/12"))
    assert "tới hết ngày 25/12/2026" in reply, reply
    donor = await bot.donor_by_phone("+84912301001")
    assert donor is not None and donor.away_until == date(2026, 12, 25)

    reply = texts(await bot.send(user, "/vangmat 1 tuan"))
    assert "tới hết ngày 30/11/2026" in reply, reply

    reply = texts(await bot.send(user, "/vangmat 1/11/2026"))
    assert "01/11/2026 đã qua" in reply and "hôm nay là 23/11/2026" in reply, reply
    reply = texts(await bot.send(user, "/vangmat 31/11/2026"))
    assert "Tháng 11 chỉ có 30 ngày" in reply, reply
    donor = await bot.donor_by_phone("+84912301001")
    assert donor is not None and donor.away_until == date(2026, 11, 30), "a refused day changes nothing"


# --- 17. registration in at most 10 turns -----------------------------------------------------------


class Counted:
    """The person's side of a dialogue: every message, tap and shared contact is one turn."""

    def __init__(self, bot: BotHarness, user: SimUser) -> None:
        self.bot, self.user, self.turns = bot, user, 0

    async def send(self, text: str) -> list[SentMessage]:
        self.turns += 1
        return await self.bot.send(self.user, text)

    async def press(self, label: str) -> list[SentMessage]:
        self.turns += 1
        return await self.bot.press(self.user, label)

    async def contact(self, phone: str) -> list[SentMessage]:
        self.turns += 1
        return await self.bot.contact(self.user, phone)


async def test_a_first_time_donor_registers_in_ten_turns_with_the_phone_in_one_tap(bot: BotHarness) -> None:
    lan = Counted(bot, bot.user(12101))
    consent = await lan.send("/start")
    assert "chọn ngôn ngữ" not in consent[0].text, "the platform said vi: no language question"
    await lan.press("Đồng ý")
    await lan.send("Nguyễn Thị Lan")
    await lan.send("3/8/1995")
    phone_q = await lan.press("Nữ")
    assert phone_q[0].reply_keyboard[0][0].get("request_contact") is True
    await lan.contact("+84912121010")
    await lan.press("Chưa biết")
    await lan.press("Tam Lưu")
    summary = await lan.press("Chưa từng hiến")
    assert "Lần hiến gần nhất: Chưa từng hiến" in summary[0].text
    done = await lan.press("Xác nhận")
    assert "đã đăng ký hiến máu tình nguyện thành công" in done[0].text
    assert lan.turns <= 10, lan.turns
    assert await bot.donor_by_phone("+84912121010") is not None


async def test_a_repeat_donor_in_english_types_the_last_date_and_needs_ten_turns(bot: BotHarness) -> None:
    tom = Counted(bot, bot.user(12102, language_code="en"))
    consent = await tom.send("/start")
    assert consent[0].text.startswith("Hello!") and "Tiếng Việt" in consent[0].button_labels()
    await tom.press("I agree")
    await tom.send("Tom Nguyen")
    await tom.send("20/1/1990")
    await tom.press("Male")
    await tom.send("0912 121 020")
    await tom.press("A+")
    asked = await tom.press("Nhị Chiểu")
    assert "Have you donated blood before?" in asked[0].text
    summary = await tom.send("2 months ago")
    assert "23 Sep 2026" in summary[0].text and "How many times have you donated before" in summary[0].text
    done = await tom.press("Confirm")
    assert "You are now registered" in done[0].text
    assert tom.turns <= 10, tom.turns
    donor = await bot.donor_by_phone("+84912121020")
    assert donor is not None and donor.language == "en" and donor.last_donation_on == date(2026, 9, 23)
    assert donor.earlier_donations is None, "not typed at the summary: not known"


async def test_without_a_vi_or_en_hint_the_language_is_asked_first(bot: BotHarness) -> None:
    user = bot.user(12103, language_code="fr")
    first = await bot.send(user, "/start")
    assert "chọn ngôn ngữ" in first[0].text and "Please choose your language" in first[0].text
    assert await bot.press(user, "English") == [], "the consent replaces the language question"
    consent = bot.emu.last_keyboard_message(user.chat_id)
    assert consent.message_id == first[0].message_id and consent.text.startswith("Hello!")
    assert consent.button_labels() == ["I agree", "I do not agree", "Tiếng Việt"]


async def test_a_birth_date_typo_that_makes_a_child_asks_once_and_goes_on(bot: BotHarness) -> None:
    user = bot.user(12104)
    await bot.send(user, "/dangky")
    await bot.press(user, "Đồng ý")
    await bot.send(user, "Đỗ Minh Khôi")
    asked = texts(await bot.send(user, "3/8/2015"))
    assert "03/08/2015, tức là bạn 11 tuổi. Có đúng không?" in asked, asked
    assert "từ đủ 18" not in asked, "not refused on a typo"
    again = await bot.press(user, "Nhập lại ngày sinh")
    assert "Ngày sinh của bạn?" in again[0].text
    await bot.send(user, "3/8/2014")  # another date under 18: asked once already, so this is meant
    state = await bot.conversation(user)
    assert state is None or state.flow is None, "the second time it is the kind refusal"

    await bot.send(user, "/dangky")
    await bot.press(user, "Đồng ý")
    await bot.send(user, "Đỗ Minh Khôi")
    await bot.send(user, "3/8/2015")
    sex_q = await bot.send(user, "3/8/1995")  # the corrected date typed straight away
    assert "Giới tính" in texts(sex_q)
    state = await bot.conversation(user)
    assert state is not None and state.data["date_of_birth"] == "1995-08-03"
    assert "born_unsure" not in state.data


# --- 21. answers in progress are kept for hours, and the consent says so --------------------------


async def test_unfinished_answers_are_forgotten_after_the_configured_hours(tmp_path: Path) -> None:
    async with running_bot(tmp_path, bot={"conversation_ttl_hours": 2}) as bot:
        user = bot.user(12105)
        consent = await bot.send(user, "/dangky")
        assert "giữ tạm tối đa 2 giờ" in consent[0].text
        await bot.press(user, "Đồng ý")
        await bot.send(user, "Vũ Thị Hoa")
        bot.clock.advance(hours=1, minutes=59)
        assert "Giới tính" in texts(await bot.send(user, "12/12/1992")), "within the hours: kept"
        bot.clock.advance(hours=2, minutes=1)
        assert bot.app is not None
        assert await expire_conversations(bot.app) == 1
        assert await bot.conversation(user) is None, "the name and birth date are gone"
        reply = texts(await bot.press(user, "Nữ"))
        assert "không còn dùng được" in reply and "Số điện thoại" not in reply


# --- 22. errors that name the real problem ---------------------------------------------------------


async def test_errors_name_the_real_problem_and_an_old_mobile_number_is_converted(bot: BotHarness) -> None:
    user = bot.user(12106)
    await bot.send(user, "/dangky")
    await bot.press(user, "Đồng ý")
    short = texts(await bot.send(user, "A"))
    assert "ít nhất 2 chữ cái" in short and "số hay ký hiệu" not in short, short
    await bot.send(user, "Phạm Thị Lan")
    leap = texts(await bot.send(user, "29/02/1995"))
    assert "Năm 1995 không phải năm nhuận" in leap, leap
    april = texts(await bot.send(user, "31/4/1995"))
    assert "Tháng 4 chỉ có 30 ngày" in april, april
    await bot.send(user, "28/02/1995")
    await bot.press(user, "Nữ")
    converted = texts(await bot.send(user, "01689 123 456"))
    assert "đã đổi thành 0389 123 456" in converted and "Nhóm máu" in converted, converted
    await bot.press(user, "O+")
    await bot.press(user, "Tam Lưu")
    summary = await bot.press(user, "Chưa từng hiến")
    assert "Điện thoại: 0389 123 456" in summary[0].text
    await bot.press(user, "Xác nhận")
    assert await bot.donor_by_phone("+84389123456") is not None


async def test_an_impossible_date_is_explained_in_english(bot: BotHarness) -> None:
    user = bot.user(12107, language_code="en")
    await bot.send(user, "/dangky")
    await bot.press(user, "I agree")
    await bot.send(user, "Tom Nguyen")
    reply = texts(await bot.send(user, "29/02/1995"))
    assert "1995 is not a leap year" in reply and "What is your date of birth" in reply, reply


# --- 18. verdicts say only what matters -----------------------------------------------------------


async def test_a_not_yet_gives_the_deciding_reason_and_date_and_nothing_else(bot: BotHarness) -> None:
    user = bot.user(12201)
    await bot.send(user, "/kiemtra")
    await bot.press(user, "Từ 18 đến 60")
    await bot.press(user, "Nữ")
    await bot.press(user, "Từ 50 kg")
    await bot.press(user, "Trong 12 tuần qua")
    await bot.send(user, "1/10/2026")  # the interval ends on 24/12/2026
    await bot.press(user, "Không có")
    await bot.press(user, "Không có")
    await bot.press(user, "Xăm hình")
    await bot.send(user, "2 tháng trước")  # the tattoo defers until 23/03/2027
    await bot.press(user, "Không còn gì khác")
    for _ in range(3):  # 4 weeks, 7 days, pregnancy
        result = await bot.press(user, "Không có")
    verdict = result[0].text
    assert verdict.startswith("Bạn chưa hiến máu được lúc này. Bạn có thể hiến từ ngày 23/03/2027.")
    assert "Sau khi xăm" in verdict and "sớm nhất từ ngày 23/03/2027" in verdict
    assert "24/12/2026" not in verdict, "an earlier date would contradict the one given"
    for noise in ("mình", "chưa biết", "tối đa 450 ml", "quyết định cuối cùng"):
        assert noise not in verdict, noise
    assert verdict.count("\n\n") == 1, verdict


async def test_a_definite_no_is_short_and_numbers_read_the_vietnamese_way(bot: BotHarness) -> None:
    user = bot.user(12202)
    verdict = (await bot.send(user, "tôi nặng 40kg có hiến máu được không"))[0].text
    assert verdict.startswith("Rất tiếc, theo quy định bạn không hiến máu được.")
    assert "ít nhất 42 kg" in verdict
    assert "chưa biết" not in verdict and "mình" not in verdict and "quyết định cuối cùng" not in verdict
    donor = bot.user(12203)
    await bot.add_donor(donor, phone="+84912122030", weight_kg=52.5)
    assert "Cân nặng: 52,5 kg" in (await bot.send(donor, "/hoso"))[0].text


# --- 24. the chat keeps the answers, the self-check fits the person, one's own QR ----------------


async def test_a_tapped_answer_stays_visible_on_its_question(bot: BotHarness) -> None:
    user = bot.user(12401)
    await bot.send(user, "/dangky")
    await bot.press(user, "Đồng ý")
    await bot.send(user, "Nguyễn Thị Lan")
    await bot.send(user, "3/8/1995")
    sex_q = bot.emu.last_keyboard_message(user.chat_id)
    await bot.press(user, "Nữ")
    assert sex_q.inline_keyboard == [], "the buttons go"
    assert sex_q.text == "Giới tính của bạn?\n\n✓ Nữ", sex_q.text
    await bot.send(user, "0912 124 010")
    await bot.press(user, "O+")
    ward_q = bot.emu.last_keyboard_message(user.chat_id)
    await bot.press(user, "Tam Lưu")
    assert (ward_q.text or "").endswith("\n\n✓ Tam Lưu") and ward_q.inline_keyboard == []


async def test_the_self_check_offers_a_man_no_childbirth_and_takes_two_items_of_one_window(
    bot: BotHarness,
) -> None:
    user = bot.user(12402)
    await bot.send(user, "/kiemtra")
    await bot.press(user, "Từ 18 đến 60")
    await bot.press(user, "Nam")
    await bot.press(user, "Từ 50 kg")
    await bot.press(user, "Chưa từng hiến")
    months_12 = await bot.press(user, "Không có")  # permanent
    labels = months_12[0].button_labels()
    assert "Phẫu thuật" in labels and "Sinh con" not in labels, labels
    assert not any("thai" in label for label in labels), labels
    await bot.press(user, "Không có")
    await bot.press(user, "Xăm hình")
    more = await bot.send(user, "1 tháng trước")  # 23/10/2026: the tattoo defers until 23/04/2027
    assert "Ngoài «Xăm hình»" in more[0].text, more[0].text
    assert "Xăm hình" not in more[0].button_labels() and "Không còn gì khác" in more[0].button_labels()
    await bot.press(user, "Xỏ khuyên")
    again = await bot.send(user, "2 tuần trước")  # 09/11/2026: until 09/05/2027, the later wait
    assert "Ngoài «Xăm hình» và «Xỏ khuyên" in again[0].text, again[0].text
    after = await bot.press(user, "Không còn gì khác")
    assert "Trong 4 tuần qua" in after[0].text
    await bot.press(user, "Không có")
    result = await bot.press(user, "Không có")  # 7 days; a man is not asked about pregnancy
    verdict = result[0].text
    assert "Bạn có thể hiến từ ngày 09/05/2027" in verdict and "xỏ khuyên" in verdict, verdict
    assert "Xăm" not in verdict, "the tattoo's earlier end would contradict the date"


async def test_a_donor_who_scans_their_own_qr_sees_the_booking(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(datetime(2020, 7, 20, 2, 0, tzinfo=UTC))) as bot:
        await bot.import_plan(KINH_MON)
        lan = bot.user(12403)
        await bot.add_donor(lan, phone="+84912124030")
        await bot.send(lan, "/lichhien")
        await bot.press(lan, "03/08/2020")
        await bot.press(lan, "07:30")
        signup = await bot.scalar(select(Signup))
        assert signup is not None
        own = texts(await bot.send(lan, f"/start checkin_{signup.code}"))  # what her QR opens
        assert "mã QR đăng ký của bạn" in own and "đến lúc 07:30" in own and signup.code in own, own
        assert "chỉ dành cho cán bộ" not in own
        assert "Đổi giờ" in str(bot.emu.last_keyboard_message(lan.chat_id).button_labels())
        stranger = bot.user(12404)
        await bot.add_donor(stranger, phone="+84912124040")
        other = texts(await bot.send(stranger, f"/start checkin_{signup.code}"))
        assert "chỉ dành cho cán bộ tổ chức" in other and "07:30" not in other, "nothing about her booking"
        checked = await bot.scalar(select(Signup))
        assert checked is not None and checked.checked_in_at is None, "nobody was checked in"
