"""The A4 poster's words (what the renderer draws), its QR code's link, and its page size."""

from __future__ import annotations

import io
import re
from datetime import date, time

from PIL import Image

from core.i18n import Catalogs
from models.drive_days import DriveDayView
from services.reports import poster as posters

CATALOGS = Catalogs()
VIEW = DriveDayView(
    id=12,
    campaign_name="Hành trình đỏ Kinh Môn 2026",
    day=date(2026, 12, 13),
    start_time=time(7, 0),
    end_time=time(11, 30),
    place_name="Nhà văn hóa khu dân cư Tam Lưu",
    address="Số 5 đường Trần Hưng Đạo",
    ward="Tam Lưu",
    map_url=None,
    capacity=100,
    taken=0,
    free=100,
    audience="school",
    round=1,
)


def make(lang: str = "vi", **given: str | None) -> posters.Poster:
    options: dict[str, str | None] = {"bot_username": "hienmau_bot", "zalo_link": None, **given}
    return posters.poster_text(
        VIEW,
        CATALOGS.get(lang),
        slogan="Mỗi giọt máu cho đi – một cuộc đời ở lại",
        bot_username=options["bot_username"],
        zalo_link=options["zalo_link"],
        hotline="Hội Chữ thập đỏ thị xã Kinh Môn, ☎ 0220 3821 234",
    )


def test_the_poster_says_the_day_hours_place_code_and_hotline() -> None:
    poster = make(zalo_link="https://zalo.me/s/hienmau")
    lines = poster.text.lines()
    assert lines[:2] == ["HIẾN MÁU TÌNH NGUYỆN", "Hành trình đỏ Kinh Môn 2026"]
    assert "Chủ Nhật, 13/12/2026" in lines and "07:00 – 11:30" in lines
    assert "Nhà văn hóa khu dân cư Tam Lưu" in lines and "Số 5 đường Trần Hưng Đạo" in lines
    assert "Dành cho trường học" in lines
    assert "Hoặc nhắn «DK 12» cho @hienmau_bot trên Telegram" in lines
    assert "Trên Zalo: https://zalo.me/s/hienmau, nhắn «DK 12»" in lines
    assert lines[-1] == "Đường dây nóng: Hội Chữ thập đỏ thị xã Kinh Môn, ☎ 0220 3821 234"
    assert poster.qr_payload == "https://t.me/hienmau_bot?start=drive_12"


def test_in_english_and_without_a_bot_name_the_qr_is_the_zalo_link() -> None:
    poster = make("en", bot_username=None, zalo_link="https://zalo.me/s/hienmau")
    assert "Sun 13 Dec 2026" in poster.text.lines()
    assert poster.qr_payload == "https://zalo.me/s/hienmau"


def test_without_any_link_the_poster_has_the_code_alone() -> None:
    poster = make(bot_username=None)
    assert poster.qr_payload is None and poster.text.scan is None
    assert "Nhắn «DK 12» cho bot để đăng ký" in poster.text.lines()
    png = posters.render(poster, "png")
    assert Image.open(io.BytesIO(png)).size == (1240, 1753)


def test_the_pdf_is_one_a4_page_and_the_same_poster_gives_the_same_bytes() -> None:
    pdf = posters.render(make(), "pdf")
    (box,) = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert abs(float(box[0]) - 595.28) < 0.5 and abs(float(box[1]) - 841.89) < 0.5
    assert pdf.count(b"/Type /Page ") == 1
    assert posters.render(make(), "png") == posters.render(make(), "png")
