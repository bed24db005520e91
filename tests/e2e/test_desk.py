"""Issue 16 item 2, the check-in desk beyond a code, through the real PTB stack and the emulator.

The data (booked on Monday 20/07/2020; the desk on Monday 03/08/2020, 08:00; two sessions that day, in Tam
Lưu and in Nhị Chiểu, and one on 05/08/2020):

  donor              phone          ward       booking
  Nguyễn Thị Lan     0912 890 001   Tam Lưu    03/08 07:00, Nhà văn hóa Tam Lưu
  Trần Văn Hòa       0912 890 002   Tam Lưu    05/08 07:00 (another day)
  Lê Minh            0912 890 003   Nhị Chiểu  none
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from domain.figures import Scope
from emulators.telegram import SimUser
from models.tables import AuditEntry, ChannelAccount, Donation, Donor, Signup
from tests.chats import running_zalo
from tests.e2e.test_booking import book, load, plan, session
from tests.helpers import BotHarness, FixedClock, register_donor, running_bot, texts

BEFORE = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)  # Monday 20/07/2020, 09:00 in Vietnam
ON_THE_DAY = datetime(2020, 8, 3, 1, 0, tzinfo=UTC)  # 08:00 on 03/08/2020
TODAY = date(2020, 8, 3)
ORGANISER_ONLY = "Lệnh này chỉ dành cho cán bộ tổ chức."


async def _setup(bot: BotHarness, tmp_path: Path) -> dict[str, int]:
    ids = await load(
        bot,
        tmp_path,
        plan(
            2020,
            session("day", "2020-08-03", "Nhà văn hóa Tam Lưu", "Tam Lưu"),
            session("other", "2020-08-03", "Trạm y tế Nhị Chiểu", "Nhị Chiểu", hours=("13:00", "16:00")),
            session("later", "2020-08-05", "Trường THCS Tam Lưu", "Tam Lưu"),
        ),
    )
    lan, hoa, minh = bot.user(9101, name="Lan"), bot.user(9102, name="Hòa"), bot.user(9103, name="Minh")
    await bot.add_donor(lan, phone="+84912890001", full_name="Nguyễn Thị Lan")
    await bot.add_donor(hoa, phone="+84912890002", full_name="Trần Văn Hòa", sex="male")
    await bot.add_donor(minh, phone="+84912890003", full_name="Lê Minh", ward="Nhị Chiểu", sex="male")
    await book(bot, lan, "Nhà văn hóa Tam Lưu", "07:00")
    await book(bot, hoa, "Trường THCS Tam Lưu", "07:00")
    bot.clock.current = ON_THE_DAY
    return ids


async def _staff(
    bot: BotHarness, user_id: int = 9190, *, lang: str = "vi", scope: Scope | None = None
) -> SimUser:
    staff = bot.user(user_id, name="Cán bộ", language_code=lang)
    await bot.make_organiser(staff, scope=scope)
    return staff


async def _signup_of(bot: BotHarness, phone: str) -> Signup:
    signup = await bot.scalar(
        select(Signup)
        .join(Donor)
        .where(Donor.phone == phone, Signup.status != "cancelled")
        .order_by(Signup.id)
    )
    assert isinstance(signup, Signup)
    return signup


# --- 1. search ------------------------------------------------------------------------------------


async def test_search_by_phone_in_three_formats_by_name_without_diacritics_and_by_code(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        await _setup(bot, tmp_path)
        staff = await _staff(bot)
        lan = await _signup_of(bot, "+84912890001")
        for typed in ("0912 890 001", "+84 912 890 001", "84912890001"):
            (reply,) = await bot.send(staff, f"/timnguoi {typed}")
            assert "Tìm thấy 1 người" in reply.text
            assert "1. Nguyễn Thị Lan · 09•••••001 · Tam Lưu" in reply.text
            assert f"Hôm nay 07:00 tại Nhà văn hóa Tam Lưu · mã {lan.code} · chưa check-in" in reply.text
            assert "0912 890 001" not in reply.text and "+84912890001" not in reply.text, "the phone masked"
            assert reply.button_labels() == ["1. Nguyễn Thị Lan: mở màn hình check-in"]
        (by_name,) = await bot.send(staff, "/timnguoi nguyen thi lan")
        assert "Nguyễn Thị Lan" in by_name.text and "Tìm thấy 1 người" in by_name.text
        assert lan.code is not None
        (by_code,) = await bot.send(staff, f"tìm người {lan.code.lower()[:3]} {lan.code.lower()[3:]}")
        assert "1. Nguyễn Thị Lan" in by_code.text

        # A booking for another day is warned about; the walk-in button asks which of today's sessions.
        (hoa,) = await bot.send(staff, "/timnguoi tran van hoa")
        assert "⚠️ Đăng ký buổi Thứ Tư, 05/08/2020 tại Trường THCS Tam Lưu" in hoa.text
        assert "không phải hôm nay" in hoa.text
        (which,) = await bot.press(staff, "check-in vãng lai")
        assert "Trần Văn Hòa check-in vãng lai vào buổi nào hôm nay?" in which.text
        assert which.button_labels() == [
            "07:00–11:30 · Nhà văn hóa Tam Lưu",
            "13:00–16:00 · Trạm y tế Nhị Chiểu",
        ]
        (screen,) = await bot.press(staff, "Nhà văn hóa Tam Lưu")
        assert "Đã check-in: Trần Văn Hòa" in screen.text
        assert "Buổi hiến máu Thứ Hai, 03/08/2020" in screen.text and "Nhà văn hóa Tam Lưu" in screen.text
        walked = await bot.scalar(
            select(Signup).join(Donor).where(Donor.phone == "+84912890002", Signup.status == "checked_in")
        )
        assert walked is not None and walked.code and walked.slot_start.hour == 8, "the slot running now"

        # Search → screen → result: one press per stage.
        await bot.send(staff, "/timnguoi 0912890001")
        (screen,) = await bot.press(staff, "mở màn hình check-in")
        assert "Đã check-in: Nguyễn Thị Lan" in screen.text and "Thứ Hai, 03/08/2020" in screen.text
        assert "Nhà văn hóa Tam Lưu" in screen.text
        assert "🩸 Nhóm máu: O+ (tự khai)" in screen.text
        recorded = texts(await bot.press(staff, "Đã hiến 350 ml"))
        assert "Đã ghi nhận kết quả hiến máu" in recorded
        assert await bot.count_donations() == 1
        (again,) = await bot.send(staff, "/timnguoi 0912890001")
        assert "đã hiến" in again.text

        # Nothing found: a walk-in can be registered; a ward organiser sees only the donors of their ward.
        (none,) = await bot.send(staff, "/timnguoi Phùng Văn Không")
        assert "Không tìm thấy người hiến nào khớp với «Phùng Văn Không»" in none.text
        assert none.button_labels() == ["➕ Đăng ký người hiến vãng lai"]
        ward = await _staff(bot, 9191, scope=Scope.ward("Nhị Chiểu"))
        assert "Không tìm thấy" in texts(await bot.send(ward, "/timnguoi 0912890001"))
        assert "1. Lê Minh" in texts(await bot.send(ward, "/timnguoi le minh"))
        lan_open = f"dsk:open:{lan.id}"
        forged = texts(await bot.forge(ward, lan_open))
        assert "không còn dùng được" in forged and "Lan" not in forged, "a forged button outside the scope"
        assert "Gõ /timnguoi kèm số điện thoại" in texts(await bot.send(staff, "/timnguoi"))

        searches = await bot.rows(select(AuditEntry).where(AuditEntry.action == "desk.search"))
        assert searches and all(set(e.details) == {"by", "found"} for e in searches), "ids and counts only"


async def test_a_name_shared_by_many_shows_eight_and_says_there_are_more(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(ON_THE_DAY)) as bot:
        assert bot.app is not None
        for n in range(10):
            await register_donor(
                bot.app, ON_THE_DAY, "telegram", str(9200 + n), str(9200 + n),
                phone=f"+8491289{n:04d}", full_name="Phạm Thị Mai",
            )  # fmt: skip
        staff = await _staff(bot)
        (reply,) = await bot.send(staff, "/timnguoi pham thi mai")
        assert "Tìm thấy 8 người" in reply.text and "8. Phạm Thị Mai" in reply.text
        assert "9. " not in reply.text and "Còn nhiều người khớp hơn" in reply.text
        assert "Hôm nay không có buổi hiến máu nào" in reply.text and reply.button_labels() == []
        assert "Hôm nay không có buổi hiến máu nào" in texts(await bot.send(staff, "/vanglai"))
        await load(bot, tmp_path, plan(2020, session("day", "2020-08-03", "Nhà văn hóa Tam Lưu", "Tam Lưu")))
        one = texts(await bot.send(staff, "/vanglai"))
        assert "buổi hôm nay: 07:00–11:30 · Nhà văn hóa Tam Lưu" in one and "Họ và tên người hiến" in one


# --- 2. walk-ins ----------------------------------------------------------------------------------


async def test_a_walk_in_registered_checked_in_and_served_then_linked_when_they_register_in_the_chat(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        await _setup(bot, tmp_path)
        staff = await _staff(bot)
        donors_before = await bot.count_donors()
        (ask,) = await bot.send(staff, "/vanglai")
        assert "hiến ở buổi nào hôm nay" in ask.text
        assert "Bạn vui lòng chọn một buổi" in texts(await bot.send(staff, "ở đâu đó"))
        assert "Họ và tên người hiến" in texts(await bot.press(staff, "Nhà văn hóa Tam Lưu"))
        assert "chưa đọc được họ tên" in texts(await bot.send(staff, "12345"))
        assert "Số điện thoại của Đỗ Thị Nga?" in texts(await bot.send(staff, "Đỗ Thị Nga"))
        assert "Số điện thoại chưa đúng" in texts(await bot.send(staff, "0912"))
        assert "Ngày sinh của người hiến" in texts(await bot.send(staff, "0912 890 050"))
        assert "Ngày chưa đúng" in texts(await bot.send(staff, "hôm qua"))
        too_young = texts(await bot.send(staff, "01/01/2010"))
        assert "ngoài độ tuổi hiến máu (18–60 tuổi)" in too_young and "Ngày sinh của người hiến" in too_young
        assert "Giới tính của người hiến" in texts(await bot.send(staff, "15/05/1998"))
        assert "chọn «Nam» hoặc «Nữ»" in texts(await bot.send(staff, "không rõ"))
        assert "Nhóm máu người hiến tự khai" in texts(await bot.press(staff, "Nữ"))
        assert "chưa hiểu nhóm máu" in texts(await bot.send(staff, "nhóm X"))
        assert "Cân nặng đo tại chỗ" in texts(await bot.press(staff, "B+"))
        assert "Cân nặng chưa đúng" in texts(await bot.send(staff, "nặng"))
        (consent,) = await bot.send(staff, "54")
        assert "đã ký phiếu đồng ý (bản giấy) chưa?" in consent.text
        assert "Đỗ Thị Nga" in consent.text and "15/05/1998" in consent.text
        assert "Bạn vui lòng chọn «Đã ký phiếu đồng ý»" in texts(await bot.send(staff, "để xem"))
        assert await bot.count_donors() == donors_before, "nothing is written before the yes"

        done, screen = await bot.press(staff, "Đã ký phiếu đồng ý")
        assert "Đã lưu người hiến vãng lai Đỗ Thị Nga (đồng ý bằng phiếu giấy)" in done.text
        assert "Đã check-in: Đỗ Thị Nga" in screen.text and "Thứ Hai, 03/08/2020" in screen.text
        assert "Đã hiến 350 ml" in screen.button_labels()
        nga = await bot.donor_by_phone("+84912890050")
        assert nga is not None
        assert (nga.consent_source, nga.consent_taken_by, nga.consent_form_on) == (
            "desk_paper",
            f"telegram:{staff.id}",
            TODAY,
        )
        assert (nga.blood_abo, nga.blood_rh, nga.weight_kg, nga.sex) == ("B", "+", 54.0, "female")
        signup = await _signup_of(bot, "+84912890050")
        assert signup.status == "checked_in" and signup.code and signup.code in done.text
        assert await bot.rows(select(ChannelAccount).where(ChannelAccount.donor_id == nga.id)) == []
        (entry,) = await bot.rows(select(AuditEntry).where(AuditEntry.action == "desk.walk_in"))
        assert entry.target == f"donor:{nga.id}" and entry.details == {
            "signup": signup.id,
            "session": signup.drive_day_id,
        }

        (result,) = await bot.press(staff, "Đã hiến 350 ml")
        assert "Người hiến chưa dùng Bot nên không nhận tin cảm ơn" in result.text
        assert result.button_labels() == ["🧪 Nhóm máu xét nghiệm"], "the first donation: the lab's group too"
        donation = await bot.scalar(select(Donation).where(Donation.donor_id == nga.id))
        assert donation is not None and donation.volume_ml == 350

        # Days later Nga writes to the bot and registers with that phone: the chat joins her row.
        bot.clock.current = datetime(2020, 8, 10, 2, 0, tzinfo=UTC)
        nga_chat = bot.user(9150, name="Nga")
        await bot.send(nga_chat, "/start")
        await bot.press(nga_chat, "Đồng ý")
        await bot.send(nga_chat, "Đỗ Thị Nga")
        await bot.send(nga_chat, "15/05/1998")
        await bot.press(nga_chat, "Nữ")
        linked = texts(await bot.send(nga_chat, "0912890050"))
        assert "đã nối cuộc trò chuyện này với hồ sơ của Đỗ Thị Nga" in linked
        assert await bot.count_donors() == donors_before + 1, "no second donor row"
        (account,) = await bot.rows(select(ChannelAccount).where(ChannelAccount.donor_id == nga.id))
        assert account.user_id == str(nga_chat.id)
        profile = texts(await bot.send(nga_chat, "/hoso"))
        assert "Đỗ Thị Nga" in profile and "ghi nhận: 1" in profile and "26/10/2020" in profile


async def test_a_walk_in_with_a_registered_phone_makes_no_duplicate_and_no_consent_stores_nothing(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        await _setup(bot, tmp_path)
        staff = await _staff(bot)
        before = await bot.personal_rows()
        await bot.send(staff, "/vanglai")
        await bot.press(staff, "Trạm y tế Nhị Chiểu")
        await bot.send(staff, "Lê Văn Minh")
        (known,) = await bot.send(staff, "0912 890 003")
        assert "Số điện thoại này đã có người hiến đăng ký, Bot không tạo hồ sơ mới" in known.text
        assert "1. Lê Minh · 09•••••003 · Nhị Chiểu" in known.text
        assert known.button_labels() == ["1. Lê Minh: check-in vãng lai"]
        assert (await bot.conversation(staff)) is None or (await bot.conversation(staff)).flow is None  # type: ignore[union-attr]
        assert await bot.personal_rows() == before

        # Not signed: nothing stored. /huy half-way: nothing stored.
        await bot.send(staff, "/vanglai")
        await bot.press(staff, "Nhà văn hóa Tam Lưu")
        for answer in ("Vũ Thị Hằng", "0912890060", "01/02/1990"):
            await bot.send(staff, answer)
        await bot.press(staff, "Nữ")
        await bot.press(staff, "Chưa biết")
        await bot.press(staff, "Bỏ qua")
        assert "Bot không lưu thông tin nào" in texts(await bot.press(staff, "Chưa ký"))
        await bot.send(staff, "/vanglai")
        await bot.press(staff, "Nhà văn hóa Tam Lưu")
        await bot.send(staff, "Vũ Thị Hằng")
        await bot.send(staff, "/huy")
        assert await bot.donor_by_phone("+84912890060") is None
        assert await bot.personal_rows() == {
            **before,
            "conversations": (await bot.personal_rows())["conversations"],
        }
        assert await bot.rows(select(AuditEntry).where(AuditEntry.action == "desk.walk_in")) == []


async def test_bad_input_at_each_walk_in_step_is_answered_in_english(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        await _setup(bot, tmp_path)
        staff = await _staff(bot, lang="en")
        await bot.send(staff, "/ngonngu")
        await bot.press(staff, "English")
        assert "Which of today's drives" in texts(await bot.send(staff, "/walkin"))
        steps = [
            ("somewhere", "Please choose one of today's drives", None),
            (None, "The donor's full name", "Nhà văn hóa Tam Lưu"),
            ("12345", "full name", None),
            ("Đỗ Thị Nga", "Đỗ Thị Nga's phone number?", None),
            ("0912", "phone", None),
            ("0912 890 070", "The donor's date of birth?", None),
            ("yesterday", "date", None),
            ("01/01/2010", "outside the donor age range (18–60)", None),
            ("15/05/1998", "The donor's sex?", None),
            ("maybe", "The donor's sex?", None),
            (None, "The blood group the donor states?", "Female"),
            ("group X", "The blood group the donor states?", None),
            (None, "The weight measured here", "B+"),
            ("heavy", "The weight measured here", None),
            ("54", "Has the donor signed the paper consent form?", None),
            ("perhaps", "Please choose «Consent form signed»", None),
        ]
        for typed, expected, button in steps:
            answer = await (bot.send(staff, typed) if typed is not None else bot.press(staff, button or ""))
            assert expected in texts(answer), (typed, button, texts(answer))
            assert "Bạn" not in texts(answer), "in English"
        done = texts(await bot.send(staff, "yes"))
        assert "Saved the walk-in donor Đỗ Thị Nga" in done and "Checked in: Đỗ Thị Nga" in done


# --- 3. the lab's blood group ------------------------------------------------------------------------


async def test_the_lab_group_is_recorded_said_when_it_differs_and_hoso_no_longer_changes_it(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        await _setup(bot, tmp_path)
        staff = await _staff(bot)
        lan = await _signup_of(bot, "+84912890001")
        await bot.send(staff, f"/checkin {lan.code}")
        (ask,) = await bot.press(staff, "Nhóm máu xét nghiệm")
        assert "Nhóm máu xét nghiệm của Nguyễn Thị Lan? Hiện ghi: O+ (tự khai)" in ask.text
        said, screen = await bot.press(staff, "A+")
        assert "khác nhóm tự khai: O+ → A+" in said.text
        assert "🩸 Nhóm máu: A+ (xét nghiệm ngày 03/08/2020)" in screen.text
        donor = await bot.donor_by_phone("+84912890001")
        assert donor is not None and (donor.blood_abo, donor.blood_rh) == ("A", "+")
        assert donor.blood_confirmed_on == TODAY
        (entry,) = await bot.rows(select(AuditEntry).where(AuditEntry.action == "desk.blood_group"))
        assert entry.details == {"signup": lan.id, "changed": True}, "no blood group in the log"

        await bot.send(staff, f"/checkin {lan.code}")
        await bot.press(staff, "Nhóm máu xét nghiệm")
        same, _ = await bot.press(staff, "A+")
        assert "đúng như đã khai" in same.text

        # The donor's /hoso cannot change a group the lab confirmed.
        lan_chat = bot.emu.user(9101, "Lan", language_code="vi")
        await bot.send(lan_chat, "/hoso")
        refused = texts(await bot.press(lan_chat, "Sửa Nhóm máu"))
        assert "đã được xét nghiệm xác nhận ngày 03/08/2020" in refused
        assert "Nhóm máu của bạn?" not in refused
        donor = await bot.donor_by_phone("+84912890001")
        assert donor is not None and donor.blood_abo == "A"


# --- organisers only ----------------------------------------------------------------------------------


async def test_a_non_organiser_gets_the_organiser_only_answer_for_every_desk_command_and_button(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        await _setup(bot, tmp_path)
        lan = await _signup_of(bot, "+84912890001")
        donor = await bot.donor_by_phone("+84912890001")
        assert donor is not None
        stranger = bot.emu.user(9101, "Lan", language_code="vi")  # a registered donor, not an organiser
        for typed in ("/timnguoi 0912890001", "/find Lan", "/vanglai", "/walkin"):
            assert texts(await bot.send(stranger, typed)) == ORGANISER_ONLY, typed
        for data in (
            f"dsk:open:{lan.id}",
            f"dsk:walk:{donor.id}",
            f"dsk:walkat:{donor.id}:{lan.drive_day_id}",
            "dsk:new",
            f"dsk:blood:{lan.id}",
            f"dsk:lab:{lan.id}:AB-",
        ):
            assert texts(await bot.forge(stranger, data)) == ORGANISER_ONLY, data
        after = await bot.donor_by_phone("+84912890001")
        assert after is not None and after.blood_abo == "O" and after.blood_confirmed_on is None
        assert (await _signup_of(bot, "+84912890001")).status == "active"


async def test_on_zalo_without_buttons_the_desk_is_served_by_numbers(tmp_path: Path) -> None:
    async with running_zalo(tmp_path, FixedClock(ON_THE_DAY)) as zalo:
        path = tmp_path / "plan.toml"
        path.write_text(
            plan(
                2020,
                session("day", "2020-08-03", "Nhà văn hóa Tam Lưu", "Tam Lưu"),
                session("other", "2020-08-03", "Trạm y tế Nhị Chiểu", "Nhị Chiểu", hours=("13:00", "16:00")),
            ),
            "utf-8",
        )
        await zalo.import_plan(path)
        staff = zalo.user(9301, name="Cán bộ")
        await zalo.make_organiser(staff)
        await zalo.send(staff, "/vanglai")
        await zalo.choose(staff, "Trạm y tế Nhị Chiểu")
        for answer in ("Đỗ Thị Nga", "0912890080", "15/05/1998"):
            await zalo.send(staff, answer)
        await zalo.choose(staff, "Nữ")
        await zalo.choose(staff, "O+")
        await zalo.send(staff, "50")
        shown = " ".join(m.shown_text or "" for m in await zalo.choose(staff, "Đã ký phiếu đồng ý"))
        assert "Đã lưu người hiến vãng lai Đỗ Thị Nga" in shown and "Trạm y tế Nhị Chiểu" in shown
        recorded = " ".join(m.shown_text or "" for m in await zalo.choose(staff, "Đã hiến 350 ml"))
        assert "Đã ghi nhận kết quả hiến máu" in recorded
        assert zalo.app is not None
        async with zalo.app.sessions() as db:
            nga = await db.scalar(select(Donor).where(Donor.phone == "+84912890080"))
            assert nga is not None and nga.consent_taken_by == f"zalo:{staff.id}"
            assert await db.scalar(select(Donation.volume_ml).where(Donation.donor_id == nga.id)) == 350
        found = " ".join(m.shown_text or "" for m in await zalo.send(staff, "/timnguoi do thi nga"))
        assert "1. Đỗ Thị Nga · 09•••••080" in found and "đã hiến" in found
