"""Bad input at every step gets a helpful reply in the person's language and the dialogue stays put."""

from __future__ import annotations

import pytest

from emulators.telegram import SimUser
from tests.e2e.test_registration import register_until_summary
from tests.helpers import BotHarness, texts


async def start_vi(bot: BotHarness, user: SimUser, lang: str = "Tiếng Việt") -> None:
    await bot.send(user, "/dangky")
    await bot.press(user, lang)
    await bot.press(user, "Đồng ý" if lang == "Tiếng Việt" else "I agree")


async def step(bot: BotHarness, user: SimUser) -> str | None:
    state = await bot.conversation(user)
    return state.step if state else None


async def test_each_step_rejects_bad_input_with_an_example_and_stays(bot: BotHarness) -> None:
    user = bot.user(2001)
    await start_vi(bot, user)
    cases = [
        # (bad input, words the answer must contain, good input that moves on)
        ("Lan123", "ví dụ: Nguyễn Thị Lan", "Phạm Thị Lan"),
        ("31/2/1995", "ví dụ: 03/08/1995", "03-08-1995"),
        ("không biết", "nam / nữ", "nu"),
        ("0123", "ví dụ: 0912 345 678", "+84 912 345 678"),
        ("C+", "O+, A−, nhóm B, AB âm", "AB am"),
        ("nặng lắm", "ví dụ: 52", "48"),
        ("Hà Nội xa lắm", "Nơi khác", "tam luu"),
        ("/", "ví dụ: Trường THPT Kinh Môn", "Công ty May Kinh Môn"),
        ("123", "trường học, công ty, cơ quan", "công ty"),
        ("hôm kia năm nọ", "3 tháng trước", "3 tháng trước"),
        ("có lẽ", "«Có» hoặc «Không»", "không"),
    ]
    for bad, hint, good in cases:
        before = await step(bot, user)
        reply = texts(await bot.send(user, bad))
        assert hint in reply, (bad, reply)
        assert await step(bot, user) == before, f"{bad!r} moved the dialogue"
        await bot.send(user, good)
        assert await step(bot, user) != before, f"{good!r} did not move the dialogue"
    assert await step(bot, user) == "summary"
    assert await bot.count_donors() == 0


async def test_bad_input_is_answered_in_english_for_english_speakers(bot: BotHarness) -> None:
    user = bot.user(2002, language_code="en")
    await start_vi(bot, user, lang="English")
    await bot.send(user, "Tom Nguyen")
    reply = texts(await bot.send(user, "yesterday-ish"))
    assert "for example: 03/08/1995" in reply and "What is your date of birth" in reply
    assert await step(bot, user) == "date_of_birth"


@pytest.mark.parametrize("kind", ["sticker", "photo", "long", "emoji", "unknown_command"])
async def test_non_text_and_odd_input_keeps_the_step(bot: BotHarness, kind: str) -> None:
    user = bot.user(2003)
    await start_vi(bot, user)
    await bot.send(user, "Lê Văn Tám")
    if kind == "sticker":
        reply = texts(await bot.sticker(user))
        assert "chỉ đọc được chữ" in reply
    elif kind == "photo":
        reply = texts(await bot.photo(user))
        assert "chỉ đọc được chữ" in reply
    elif kind == "long":
        reply = texts(await bot.send(user, "1" * 3000))
        assert "dài quá" in reply
    elif kind == "emoji":
        reply = texts(await bot.send(user, "🎂🎂🎂"))
        assert "ví dụ: 03/08/1995" in reply
    else:
        reply = texts(await bot.send(user, "/batdau"))
        assert "chưa hiểu lệnh /batdau" in reply
    assert "Ngày sinh của bạn?" in reply, "the question is asked again"
    assert await step(bot, user) == "date_of_birth"
    await bot.send(user, "1.2.2000")
    assert await step(bot, user) == "sex"


async def test_someone_elses_contact_is_refused(bot: BotHarness) -> None:
    user = bot.user(2004)
    await start_vi(bot, user)
    await bot.send(user, "Lê Văn Tám")
    await bot.send(user, "1/2/2000")
    await bot.press(user, "Nam")
    reply = texts(await bot.contact(user, "+84987000111", own=False))
    assert "không phải số của chính bạn" in reply
    assert await step(bot, user) == "phone"


async def test_a_stale_button_is_explained(bot: BotHarness) -> None:
    user = bot.user(2005)
    await bot.send(user, "/dangky")
    language_message = bot.emu.last_keyboard_message(user.chat_id)
    await bot.press(user, "Tiếng Việt")
    # the pressed keyboard was removed, as a real client would show it
    assert bot.emu.messages(user.chat_id)[0].inline_keyboard == []
    reply = await bot._turn(user, bot.emu.press(user, language_message, "lang:en", strict=False))
    assert "không còn dùng được" in texts(reply) and "Đồng ý" in str(reply[-1].reply_markup)
    assert await step(bot, user) == "consent"


async def test_under_age_is_refused_kindly_and_nothing_is_kept(bot: BotHarness) -> None:
    user = bot.user(2006)
    await start_vi(bot, user)
    await bot.send(user, "Đỗ Minh Khôi")
    # 2026-11-23 today: born 2008-12-01 turns 18 on 2026-12-01
    reply = texts(await bot.send(user, "1/12/2008"))
    assert "từ đủ 18 đến 60 tuổi" in reply and "01/12/2026" in reply
    state = await bot.conversation(user)
    assert state is None or (state.flow is None and state.data == {})
    assert await bot.count_donors() == 0


async def test_birthday_today_is_old_enough(bot: BotHarness) -> None:
    user = bot.user(2007)
    await start_vi(bot, user)
    await bot.send(user, "Đỗ Minh Khôi")
    await bot.send(user, "23/11/2008")
    assert await step(bot, user) == "sex"


async def test_declining_consent_stores_nothing(bot: BotHarness) -> None:
    user = bot.user(2008)
    await bot.send(user, "/start")
    await bot.press(user, "Tiếng Việt")
    reply = await bot.press(user, "Không đồng ý")
    assert "không lưu gì cả" in reply[0].text
    assert await bot.personal_rows() == {"donors": 0, "donations": 0, "accounts": 0, "conversations": 0}


async def test_cancel_mid_way_forgets_the_answers(bot: BotHarness) -> None:
    user = bot.user(2009)
    await start_vi(bot, user)
    await bot.send(user, "Hoàng Văn Nam")
    await bot.send(user, "5/5/1990")
    reply = await bot.send(user, "/huy")
    assert "Đã dừng" in reply[0].text
    state = await bot.conversation(user)
    assert state is None or (state.flow is None and state.data == {})
    again = await bot.send(user, "/huy")
    assert "không có việc gì đang làm dở" in again[0].text
    assert await bot.count_donors() == 0


async def test_help_mid_dialogue_answers_and_asks_the_question_again(bot: BotHarness) -> None:
    user = bot.user(2010)
    await start_vi(bot, user)
    reply = await bot.send(user, "/help")
    assert "/dangky" in reply[0].text and "Họ và tên" in reply[-1].text
    assert await step(bot, user) == "full_name"


async def test_restart_mid_dialogue_continues_at_the_same_step(bot: BotHarness) -> None:
    user = bot.user(2011)
    await start_vi(bot, user)
    await bot.send(user, "Vũ Thị Hoa")
    await bot.send(user, "12/12/1992")
    await bot.restart()
    reply = await bot.press(user, "Nữ")
    assert "Số điện thoại" in reply[0].text
    await bot.send(user, "0912 000 111")
    await bot.press(user, "Chưa biết")
    await bot.press(user, "Bỏ qua")
    await bot.press(user, "Tam Lưu")
    await bot.press(user, "Bỏ qua")
    await bot.press(user, "Không thuộc loại nào")
    await bot.press(user, "Chưa từng hiến")
    summary = await bot.press(user, "Không")
    assert "Vũ Thị Hoa" in summary[0].text and "12/12/1992" in summary[0].text
    await bot.press(user, "Xác nhận")
    donor = await bot.donor_by_phone("+84912000111")
    assert donor is not None and donor.blood_abo is None and donor.weight_kg is None
    assert await bot.count_donations() == 0


async def test_a_registered_person_is_welcomed_back(bot: BotHarness) -> None:
    user = bot.user(2012)
    await register_until_summary(bot, user)
    await bot.press(user, "Xác nhận")
    reply = await bot.send(user, "/dangky")
    assert "Bạn đã đăng ký rồi" in reply[0].text


async def test_a_very_long_message_outside_a_dialogue_gets_a_request_to_ask_briefly(bot: BotHarness) -> None:
    user = bot.user(2013)
    reply = texts(await bot.send(user, "hiến máu có hại không? " * 4500))  # 103,500 characters
    assert "dài quá" in reply and "tối đa 500 ký tự" in reply and "hiến máu có hại không?" in reply, reply
    assert "gặp sự cố" not in reply
    answered = texts(await bot.send(user, "hiến máu có hại không?"))
    assert "dài quá" not in answered and "chưa chắc hiểu" not in answered, answered
