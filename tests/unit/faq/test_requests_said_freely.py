"""Requests said the way people say them, found in fresh messages on 2026-12-06 (the seventh round of
issue 19): a word around the request ("hello there", "thank you, that helped", "and all my info", a day
and time for the new slot, "đã đặt", "giùm") had left it unrecognised, so the person got "not sure" or
the drives list instead of what they asked for. The eighth and ninth rounds' (the same day) are added,
each written in other words than the fresh line it stands for. Each checks the request the bot acts on."""

from __future__ import annotations

import pytest

from domain.intents import Intent, detect_intent

REQUESTS = [
    ("đăng ký cho em làm người hiến máu nhé", Intent.REGISTER),
    ("please sign me up as a donor", Intent.REGISTER),
    ("tuần sau quanh Cầu Giấy có đợt hiến máu nào không", Intent.DRIVES),  # a district, no papers
    ("could you check if I'm eligible right now", Intent.SELF_CHECK),
    ("hướng dẫn sử dụng bot, có những lệnh gì", Intent.HELP),
    ("what can you do and how do I use it", Intent.HELP),
    ("hello there", Intent.GREETING),
    ("chào cả nhà", Intent.GREETING),
    ("thanks a lot, that helped", Intent.THANKS),
    ("delete my account and all my data", Intent.DELETE_DATA),
    ("tắt nhắc lịch giùm em", Intent.REMINDERS),
    ("stop sending me reminders", Intent.REMINDERS),
    ("cập nhật nhóm máu của tôi thành B+", Intent.PROFILE),
    ("I want to see and change my profile", Intent.PROFILE),
    ("cho tôi xem toàn bộ dữ liệu bot đang lưu về tôi", Intent.MY_DATA),
    ("xuất dữ liệu cá nhân của mình ra file", Intent.MY_DATA),
    ("export the data you have on me", Intent.MY_DATA),
    ("tải dữ liệu của tôi về được không", Intent.MY_DATA),  # asked politely, still asked for
    ("em đã đặt những lịch hiến nào rồi", Intent.MY_BOOKINGS),
    ("xem lại khung giờ em đã đặt", Intent.MY_BOOKINGS),
    ("show my booked slots", Intent.MY_BOOKINGS),
    ("đổi lịch hẹn của em sang sáng chủ nhật được không", Intent.CHANGE_SIGNUP),
    ("đổi giờ đã đặt sang ngày khác giúp em", Intent.CHANGE_SIGNUP),
    ("can I move my booking to a later time", Intent.CHANGE_SIGNUP),
    ("hủy lịch em đã đặt giùm với", Intent.CANCEL_SIGNUP),
    ("mai bận rồi, hủy giúp mình slot đã đăng ký", Intent.CANCEL_SIGNUP),
    # found in the eighth round's fresh messages, written in other words here
    ("mình muốn hủy suất hiến máu đã đăng ký", Intent.CANCEL_SIGNUP),  # "suất", a place in a drive
    ("hủy lịch hiến máu chiều thứ 6 của em giùm", Intent.CANCEL_SIGNUP),  # the slot's day, no drives list
    ("em đã đặt những suất nào, cho xem với", Intent.MY_BOOKINGS),
    ("hiển thị thông tin của tôi mà bot đang giữ", Intent.MY_DATA),
    ("show me what info you have on me", Intent.MY_DATA),
    ("please update my details", Intent.PROFILE),
    ("bật lại lời nhắc khi đến hạn giúp em", Intent.REMINDERS),
    ("chuyển ngôn ngữ về tiếng Anh", Intent.LANGUAGE),
    ("bot có những lệnh nào", Intent.HELP),
    ("list all your commands", Intent.HELP),
    ("cảm ơn ad đã hỗ trợ", Intent.THANKS),
    ("em muốn tự kiểm tra xem giờ đủ điều kiện hiến chưa", Intent.SELF_CHECK),
    # … and in the ninth round's
    ("có việc đột xuất, hủy giúp em lịch đã đặt", Intent.CANCEL_SIGNUP),  # not the drives list
    ("cancel my booking please, i cant make it", Intent.CANCEL_SIGNUP),
    ("i need to change my booking to another day", Intent.CHANGE_SIGNUP),
    ("xóa hết dữ liệu của em khỏi hệ thống nhé", Intent.DELETE_DATA),
    ("delete everything you stored about me", Intent.DELETE_DATA),
    ("cho mình xem danh sách lệnh", Intent.HELP),
    ("xem giúp mình mấy lịch đã book", Intent.MY_BOOKINGS),
    ("cho em xem bot lưu những dữ liệu gì về em", Intent.MY_DATA),
    ("xem dữ liệu của tôi trong bot", Intent.MY_DATA),
    ("đổi địa chỉ giúp em, em mới chuyển nhà", Intent.PROFILE),
    ("đăng ký cho em làm người hiến máu tình nguyện nhé", Intent.REGISTER),
    ("cho mình dk làm người hiến máu", Intent.REGISTER),  # "dk" is đăng ký here, not "được"
    ("check thử xem em đủ dk hiến chưa", Intent.SELF_CHECK),  # and "điều kiện" after "đủ"
    ("kiểm tra xem giờ em hiến lại được chưa", Intent.SELF_CHECK),
    ("thanks, giúp được nhiều lắm", Intent.THANKS),
    # … and in the tenth round's (requests with a greeting, a reason or thanks around them)
    ("hi, i'd like to register as a donor", Intent.REGISTER),
    ("chào ad, cho em đăng ký làm người hiến máu, lần đầu em tham gia", Intent.REGISTER),
    ("something came up, cancel my booking for saturday please", Intent.CANCEL_SIGNUP),
    ("hôm đó em bận rồi, đổi lịch sang ngày khác giúp em", Intent.CHANGE_SIGNUP),
    ("xóa hết thông tin của em đi, em không dùng nữa", Intent.DELETE_DATA),
    ("please delete my data from your records", Intent.DELETE_DATA),
    ("show me what data you have stored about me", Intent.MY_DATA),
    ("can you show me the slots i booked", Intent.MY_BOOKINGS),
    ("i need to update my address in my profile", Intent.PROFILE),
    ("em đổi số điện thoại rồi, sửa giúp em trong hồ sơ", Intent.PROFILE),
    ("tắt nhắc lịch giúp mình, dạo này mình hơi bận", Intent.REMINDERS),  # not the drives list
    ("please turn off the reminders for now, thanks", Intent.REMINDERS),
    ("could you change the language to english please", Intent.LANGUAGE),
    ("bot này giúp được những gì", Intent.HELP),
    ("could you run the eligibility check for me", Intent.SELF_CHECK),
    ("good morning!", Intent.GREETING),
    ("chào ad, chúc ad buổi sáng vui vẻ", Intent.GREETING),
    ("cảm ơn ad, em hiểu rồi", Intent.THANKS),
    ("thanks a lot, that was really helpful", Intent.THANKS),
]
QUESTIONS = [
    "đi hiến máu cần mang giấy tờ gì",  # papers to bring: a question for the FAQ
    "đăng ký làm người hiến máu như thế nào",  # how to register: the FAQ explains
    "bot lưu dữ liệu của tôi ở đâu",  # where the data is kept: the privacy entry
    "làm sao để xem dữ liệu của tôi",  # how to see it: the privacy entry explains /mydata
    "thanks, but how long does it take",  # a question after the thanks
    "hello, is giving blood painful",
    # the eighth round's
    "bạn tôi là người Nhật đang sống ở Đà Nẵng, có hiến máu được không",  # the friend: the FAQ
    "nhóm máu O và nhóm máu B khác nhau chỗ nào",  # a difference, not where the drives are
    "chưa bao giờ biết nhóm máu của mình thì đi hiến được không",  # never, not when
    "mới tiêm phòng cúm thì có phải dời lịch hiến không",  # the vaccine rule, not the drives list
    "what data do you store about donors",  # what is kept: the privacy entry
    # the ninth round's
    "máu hiến xong được đưa đi đâu, dùng làm gì",  # where the blood goes: not where the drives are
    "một buổi hiến máu diễn ra theo trình tự thế nào",
    "từ bé tới giờ chưa thử nhóm máu bao giờ thì đi hiến được không",
    "em đang tới tháng, chiều nay trường có đợt hiến, đi được không",  # the asker's case
]


@pytest.mark.parametrize(("text", "intent"), REQUESTS)
def test_the_request_is_acted_on(text: str, intent: Intent) -> None:
    assert detect_intent(text) is intent


@pytest.mark.parametrize("text", QUESTIONS)
def test_a_question_around_the_same_words_stays_a_question(text: str) -> None:
    assert detect_intent(text) is None
