"""Issue 19 end to end: the question's language, off-topic questions, a relative's facts, lab results.

The clock of these tests: 2026-11-23 (a Monday) in Vietnam.
"""

from __future__ import annotations

from tests.e2e.test_can_i_donate import registered
from tests.helpers import BotHarness, texts


async def test_an_english_question_in_a_vietnamese_chat_is_answered_in_english(bot: BotHarness) -> None:
    user = bot.user(6101)  # Telegram language Vietnamese: the chat is in Vietnamese
    reply = texts(await bot.send(user, "can I donate if I had a cold last week?"))
    # "last week" ends on Sunday 22/11/2026; a cold defers 7 days: 29/11/2026
    assert "You cannot donate just yet. You can donate from 29 Nov 2026." in reply
    assert "After recovering from a cold" in reply
    again = texts(await bot.send(user, "hiến máu có đau không"))
    assert "đau" in again.lower() and "hurt" not in again.lower(), (
        "a Vietnamese question, a Vietnamese answer"
    )


async def test_a_new_user_is_answered_in_the_platforms_language_when_the_text_does_not_tell(
    bot: BotHarness,
) -> None:
    user = bot.user(6102, language_code="en")
    reply = texts(await bot.send(user, "O+"))
    assert "Sorry" in reply and "Xin lỗi" not in reply


async def test_an_off_topic_question_is_told_so_with_the_hotline(bot: BotHarness) -> None:
    user = bot.user(6103)
    for question in ("thuốc nào chữa đau đầu nhanh", "đăng ký hiến tạng ở đâu", "tuổi Dần hợp màu gì"):
        reply = await bot.send(user, question)
        assert "không phải về hiến máu" in reply[0].text and "Hội Chữ thập đỏ" in reply[0].text, question
        assert reply[0].button_labels() == [], "no blood-donation suggestions for it"


async def test_a_relatives_pregnancy_is_not_the_askers(bot: BotHarness) -> None:
    user = bot.user(6104)
    reply = await bot.send(user, "vợ tôi đang mang thai, tôi có hiến máu được không")
    assert "không lưu lại" in reply[0].text, "the self-check starts for the asker"
    assert "mang thai" not in texts(reply)


async def test_a_positive_result_gets_the_rule(bot: BotHarness) -> None:
    user = bot.user(6105)
    reply = texts(await bot.send(user, "tôi xét nghiệm HIV dương tính"))
    assert "Rất tiếc, theo quy định bạn không hiến máu được." in reply
    assert "Người nhiễm HIV không hiến máu được" in reply


async def test_a_yes_states_the_rule_asked_about(bot: BotHarness) -> None:
    user = bot.user(6106)
    reply = texts(await bot.send(user, "tôi 25 tuổi có hiến máu được không"))
    assert "Theo những gì bạn kể, bạn có thể đăng ký hiến máu." in reply
    assert "Quy định: người hiến máu từ đủ 18 đến 60 tuổi." in reply
    platelets = texts(await bot.send(user, "tôi hiến tiểu cầu cách đây 3 tuần, giờ hiến lại được không"))
    assert "hiến tiểu cầu hoặc huyết tương cách nhau ít nhất 2 tuần" in platelets


async def test_a_donors_profile_completes_a_free_text_verdict(bot: BotHarness) -> None:
    user = await registered(bot, 6107)  # female, 52,5 kg, last donation 15/06/2026 (whole blood)
    reply = texts(await bot.send(user, "mình mới xăm hình tuần trước, hiến được không"))
    # the tattoo (last week: Sunday 22/11/2026) defers 6 months: 22/05/2027
    assert "Bạn có thể hiến từ ngày 22/05/2027" in reply
    assert "cân nặng" not in reply and "giới tính" not in reply, "the profile's weight and sex are not asked"


async def test_a_request_said_as_a_sentence_does_what_its_command_does(bot: BotHarness) -> None:
    user = await registered(bot, 6108)
    for sentence, command in (
        ("tôi muốn tắt nhắc nhở", "/nhacnho"),
        ("xem lịch hẹn của tôi", "/lichcuatoi"),
        ("tôi muốn sửa hồ sơ", "/hoso"),
        ("đổi ngôn ngữ sang tiếng Anh", "/ngonngu"),
    ):
        said = texts(await bot.send(user, sentence))
        typed = texts(await bot.send(user, command))
        assert said == typed, sentence


async def test_a_follow_up_keeps_the_facts_given_just_before(bot: BotHarness) -> None:
    user = bot.user(6109)
    first = texts(await bot.send(user, "tôi 17 tuổi nặng 48kg có hiến được không"))
    assert "sinh nhật 18 tuổi" in first
    follow = texts(await bot.send(user, "còn nếu tôi 19 tuổi thì sao?"))
    assert "Theo những gì bạn kể, bạn có thể đăng ký hiến máu." in follow
    # 48 kg × 9 ml/kg = 432 ml: the largest volume collected within it is 350 ml
    assert "mỗi lần hiến tối đa 350 ml" in follow, "the 48 kg said just before is used"
    fresh = texts(await bot.send(user, "tôi 19 tuổi có hiến được không"))
    assert "350 ml" not in fresh, "a new question starts afresh"


async def test_erasing_forgets_the_facts_kept_for_a_follow_up(bot: BotHarness) -> None:
    user = await registered(bot, 6110)
    first = texts(await bot.send(user, "tôi 17 tuổi nặng 48kg có hiến được không"))
    assert "sinh nhật 18 tuổi" in first
    await bot.send(user, "/xoa")
    assert "Đã xóa toàn bộ dữ liệu" in texts(await bot.press(user, "Xóa tất cả"))
    follow = texts(await bot.send(user, "còn nếu tôi 19 tuổi thì sao?"))
    assert "Theo những gì bạn kể, bạn có thể đăng ký hiến máu." in follow
    assert "350 ml" not in follow, "the 48 kg typed before /xoa is gone with everything else"
