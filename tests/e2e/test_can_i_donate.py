"""Issue 4 end to end: /kiemtra and free-text questions through the real PTB stack."""

from __future__ import annotations

from datetime import date

from emulators.telegram import SimUser
from tests.e2e.test_registration import register_until_summary
from tests.helpers import BotHarness, texts

# The clock of these tests: 2026-11-23 in Vietnam.


async def test_self_check_for_a_stranger_in_vietnamese(bot: BotHarness) -> None:
    user = bot.user(6001)
    intro = await bot.send(user, "/kiemtra")
    assert "không lưu lại" in intro[0].text and "bao nhiêu tuổi" in intro[1].text
    await bot.press(user, "Từ 18 đến 60")
    await bot.press(user, "Nữ")
    await bot.press(user, "Từ 50 kg")
    await bot.press(user, "Trong 12 tuần qua")
    await bot.send(user, "1/10/2026")
    await bot.press(user, "Không có")  # permanent
    await bot.press(user, "Không có")  # 12 months
    when = await bot.press(user, "Xăm hình")
    assert "«Xăm hình»" in when[0].text
    await bot.send(user, "2 tháng trước")  # 2026-09-23 → 6 months later
    await bot.press(user, "Không còn gì khác")  # 6 months: the tattoo only
    await bot.press(user, "Không có")  # 4 weeks
    await bot.press(user, "Không có")  # 7 days
    result = await bot.press(user, "Không có")  # pregnancy / breastfeeding
    verdict = texts(result)
    # the interval ends 2026-12-24; the tattoo deferral later, on 2027-03-23
    assert "Bạn có thể hiến từ ngày 23/03/2027" in verdict
    assert "Sau khi xăm" in verdict and "/dangky" in verdict
    state = await bot.conversation(user)
    assert state is None or state.flow is None, "screening answers are dropped"
    assert await bot.count_donors() == 0


async def test_self_check_in_english_with_a_permanent_condition(bot: BotHarness) -> None:
    user = bot.user(6002, language_code="en")
    await bot.send(user, "/ngonngu")
    await bot.press(user, "English")
    await bot.send(user, "/kiemtra")
    await bot.press(user, "18 to 60")
    await bot.press(user, "Male")
    await bot.press(user, "50 kg or more")
    await bot.press(user, "Never donated")
    result = await bot.press(user, "Hepatitis B")
    verdict = texts(result)
    assert "Sorry, under the rules you cannot donate blood." in verdict
    assert "inviting family and friends" in verdict


async def registered(bot: BotHarness, user_id: int) -> SimUser:
    user = bot.user(user_id)
    await register_until_summary(bot, user)  # last donation 15/06/2026, female
    await bot.press(user, "Xác nhận")
    await bot.send(user, "/hoso")
    await bot.press(user, "Sửa Cân nặng")
    await bot.send(user, "52,5 kg")
    return user


async def test_a_donor_answers_fewer_questions_and_may_keep_the_date(bot: BotHarness) -> None:
    user = await registered(bot, 6003)
    first = await bot.send(user, "/kiemtra")
    assert "đã từng được chẩn đoán" in first[-1].text, "age, sex, weight and history come from the profile"
    await bot.press(user, "Không có")
    await bot.press(user, "Không có")
    await bot.press(user, "Không có")
    await bot.press(user, "Không có")
    flu = await bot.press(user, "Cúm")
    assert "«Cúm»" in flu[0].text
    await bot.press(user, "Vẫn đang")
    await bot.press(user, "Không còn gì khác")  # 7 days: the flu only
    result = await bot.press(user, "Không có")  # pregnancy: she is a woman
    await_opt_in = result[-1]
    # the flu (today) defers 7 days: 30/11/2026; the donation of 15/06 is long past
    assert "ghi nhớ ngày bạn có thể hiến lại (30/11/2026)" in await_opt_in.text
    labels = await_opt_in.button_labels()
    assert labels == ["Có, ghi nhớ ngày này", "Không, cảm ơn"], "no choice is pre-selected"
    saved = await bot.press(user, "Có, ghi nhớ")
    assert "30/11/2026" in saved[0].text
    donor = await bot.donor_by_phone("+84912345678")
    assert donor is not None and donor.eligible_from == date(2026, 11, 30)
    profile = await bot.send(user, "/hoso")
    assert "Có thể hiến lại từ: 30/11/2026" in profile[0].text
    gone = await bot.press(user, "Xóa ngày có thể hiến lại")
    assert "Đã xóa ngày" in gone[0].text
    donor = await bot.donor_by_phone("+84912345678")
    assert donor is not None and donor.eligible_from is None


async def test_declining_the_opt_in_keeps_nothing(bot: BotHarness) -> None:
    user = await registered(bot, 6004)
    await bot.send(user, "/kiemtra")
    for _ in range(4):
        await bot.press(user, "Không có")
    await bot.press(user, "Cảm lạnh")
    await bot.press(user, "Vẫn đang")
    await bot.press(user, "Không còn gì khác")
    await bot.press(user, "Không có")
    no = await bot.press(user, "Không, cảm ơn")
    assert "không lưu gì" in no[0].text
    donor = await bot.donor_by_phone("+84912345678")
    assert donor is not None and donor.eligible_from is None


async def test_typed_answer_to_a_button_question_keeps_the_step(bot: BotHarness) -> None:
    user = bot.user(6005)
    await bot.send(user, "/kiemtra")
    reply = await bot.send(user, "25 tuổi")
    assert "chọn một mục bên dưới" in texts(reply) and "bao nhiêu tuổi" in texts(reply)


async def test_free_text_with_personal_facts_gets_a_verdict(bot: BotHarness) -> None:
    user = bot.user(6010)
    young = texts(await bot.send(user, "tôi 17 tuổi có hiến máu được không"))
    assert "sinh nhật 18 tuổi" in young and "chưa biết" not in young
    light = texts(await bot.send(user, "nang 40kg hien dc ko"))
    assert "không hiến máu được" in light and "42" in light
    recent = texts(await bot.send(user, "lần trước hiến cách đây 1 tháng thì giờ hiến được chưa"))
    assert "Bạn có thể hiến từ ngày" in recent


async def test_a_verdict_missing_one_fact_names_it_in_the_singular(bot: BotHarness) -> None:
    user = bot.user(6012)
    verdict = texts(await bot.send(user, "em 18 tuổi nặng 44kg nữ"))  # the sex after the weight is read
    assert "Bot chưa biết lần hiến máu gần nhất của bạn nên chưa kiểm tra được điều này." in verdict
    assert "giới tính" not in verdict


async def test_free_text_questions_get_faq_answers_without_diacritics(bot: BotHarness) -> None:
    user = bot.user(6011)
    harmful = texts(await bot.send(user, "hien mau co hai khong"))
    assert len(harmful) > 80 and "?" not in harmful[:3]
    assert "kim" in harmful.lower() or "sức khỏe" in harmful.lower()
    english = texts(await bot.send(user, "how long does donating take?"))
    assert "minutes" in english.lower()


async def test_a_request_to_act_starts_the_journey(bot: BotHarness) -> None:
    user = bot.user(6012)
    reply = await bot.send(user, "tôi muốn đăng ký hiến máu")
    assert "Bạn có đồng ý không?" in reply[0].text
    state = await bot.conversation(user)
    assert state is not None and state.flow == "registration"


async def test_off_topic_gets_not_sure_with_suggestions_and_the_hotline(bot: BotHarness) -> None:
    user = bot.user(6013)
    reply = await bot.send(user, "giá vàng hôm nay bao nhiêu")
    assert "chưa chắc hiểu đúng" in reply[0].text and "Hội Chữ thập đỏ" in reply[0].text
    labels = reply[0].button_labels()
    assert len(labels) == 3
    answer = await bot.press(user, labels[0])
    assert len(answer[0].text) > 40 and "chưa chắc" not in answer[0].text
