"""Off-topic questions (issue 19) and the language a question is written in."""

from __future__ import annotations

import pytest

from domain.language import question_language
from domain.offtopic import is_off_topic


@pytest.mark.parametrize(
    "text",
    [
        "thuốc nào chữa đau đầu nhanh",
        "bị cảm thì uống thuốc gì",
        "con tôi bị sốt phải làm sao",
        "what should i take for a migraine",
        "đăng ký hiến tạng ở đâu",
        "hiến giác mạc cần điều kiện gì",
        "how do i become an organ donor",
        "tử vi tuổi Dần năm nay",
        "tuổi Mão hợp màu gì",
        "người tuổi Thìn hiến máu có tốt không",  # a horoscope even beside "hiến máu"
        "horoscope for leo this week",
        "đăng ký kết hôn cần giấy tờ gì",
        "how do i register a motorbike",
        "tiêm phòng cho bé 2 tháng tuổi ở đâu",
        "anh ấy máu lửa quá phải làm sao",  # "máu lửa" is a temper
    ],
)
def test_off_topic(text: str) -> None:
    assert is_off_topic(text)


@pytest.mark.parametrize(
    "text",
    [
        "hiến máu xong chóng mặt phải làm sao",
        "đang uống thuốc gì thì không được hiến máu",
        "tôi 20 tuổi có hiến được không",
        "kidney disease since yesterday, can I donate today?",
        "bệnh thận có hiến máu được không",
        "hiến tiểu cầu là gì",
        "tôi bị sốt hôm qua",
        "đăng ký hiến máu ở đâu",
        "tiêm phòng xong bao lâu thì được hiến máu",
    ],
)
def test_about_giving_blood(text: str) -> None:
    assert not is_off_topic(text)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("can I donate if I had a cold last week?", "en"),
        ("how long does it take", "en"),
        ("i'm 16, can i donate?", "en"),
        ("hien mau co hai khong", "vi"),
        ("toi 17 tuoi co hien dc ko", "vi"),
        ("hiến máu", "vi"),
        ("ok", None),
        ("O+", None),
        ("help", None),
    ],
)
def test_question_language(text: str, lang: str | None) -> None:
    assert question_language(text) == lang
