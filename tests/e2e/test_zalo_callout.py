"""An organiser runs a call-out from Zalo: every step by typed numbers, and a tally that cannot be edited
in place comes as a new message at most once per interval, with the counts as they are by then."""

from __future__ import annotations

from pathlib import Path

from tests.chats import Chats, running_zalo
from tests.helpers import FixedClock


async def test_a_call_out_from_zalo_with_its_tally(tmp_path: Path) -> None:
    async with running_zalo(tmp_path, FixedClock(), callouts={"tally_every_seconds": 60}) as zalo:
        chat = Chats(zalo)
        staff = chat.user(9500, name="Cán bộ")
        await chat.make_organiser(staff)
        donors = [chat.user(9501 + n, name=f"Người {n}") for n in range(3)]
        for n, donor in enumerate(donors):
            await chat.add_donor(donor, phone=f"+8491250000{n}", is_reserve=True)

        await chat.send(staff, "/khancap")
        picked = "\n".join(await chat.choose(staff, "O+"))
        assert "✓ O+" in picked, "the multi-select shows what is chosen, as a new message"
        await chat.choose(staff, "Xong")
        await chat.choose(staff, "Máu toàn phần")
        await chat.send(staff, "2")
        await chat.send(staff, "Bệnh viện Đa khoa Kinh Môn")
        await chat.send(staff, "Phường An Lưu, Kinh Môn")
        await chat.send(staff, "BS Hùng 0912 000 999")
        await chat.choose(staff, "Trong 6 giờ")
        await chat.choose(staff, "Tam Lưu")
        preview = "\n".join(await chat.choose(staff, "Xong"))
        assert "Người hiến dự bị phù hợp: 3" in preview
        launched = "\n".join(await chat.choose(staff, "Gửi ngay"))
        assert "tới 3 người" in launched

        for donor in donors:
            await chat.wait_for(donor, "CẦN MÁU KHẨN CẤP")
        before = len(chat.texts(staff))
        await chat.send(donors[0], "tôi đến được")
        await chat.send(donors[1], "1")  # the number of "Tôi đến được" in the push
        await chat.send(donors[2], "lần này không được")
        # filling it is told at once (a push: it arrives through the delivery loop, so wait for it)
        await chat.wait_for(staff, "đã đủ 2 người nhận lời")
        news = chat.texts(staff)[before:]
        assert not [t for t in news if "Nhận lời:" in t], "no tally per answer"

        chat.clock.advance(seconds=61)  # the interval ends: one tally with the counts by then
        if chat.app.dispatcher.on_pushed is not None:
            chat.app.dispatcher.on_pushed()
        tally = await chat.wait_for(staff, "Nhận lời: 2/2")
        assert "Từ chối: 1" in tally, tally
        tallies = [t for t in chat.texts(staff)[before:] if "Nhận lời:" in t]
        assert len(tallies) == 1, tallies
