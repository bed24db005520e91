"""Becoming an organiser with an invite code, on Telegram and on Zalo: /toi, a code that works once,
an expired one, the lock after wrong guesses, the audit log, and /xoa keeping the role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.figures import Scope
from models import donor_export, invites
from models.tables import AuditEntry, ChannelAccount, Donor, InviteFailure, Organiser
from tests.chats import Chats, chats_on
from tests.helpers import FixedClock

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 23/11/2026, 09:00 in Vietnam


@pytest.fixture(params=["telegram", "zalo"])
async def chat(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Chats]:
    async with chats_on(request.param, tmp_path, FixedClock(NOW)) as chats:
        yield chats


def joined(texts: list[str]) -> str:
    return "\n".join(texts)


async def new_invite(chat: Chats, *, scope: Scope, hours: int = 24, role: str = "organiser") -> str:
    """A code as `donorbot organiser invite` makes it (its printed form, "K7M2-QX9P")."""
    async with chat.app.sessions() as session, session.begin():
        _, code = await invites.create(
            session, role=role, unit="Hội CTĐ Kinh Môn", scope=scope, hours=hours, actor="cli:lan", now=NOW
        )
    return f"{code[:4]}-{code[4:]}"


async def audit(chat: Chats) -> list[tuple[str, str, str | None]]:
    async with chat.app.sessions() as session:
        rows = await session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id)
        )
        return [(a, b, c) for a, b, c in rows.tuples()]


async def organiser_of(chat: Chats, user_id: str) -> tuple[str, str, str | None] | None:
    async with chat.app.sessions() as session:
        row = (
            await session.execute(
                select(Organiser.role, Organiser.scope, Organiser.unit)
                .join(ChannelAccount, ChannelAccount.id == Organiser.account_id)
                .where(ChannelAccount.platform == chat.platform, ChannelAccount.user_id == user_id)
            )
        ).first()
        return None if row is None else (row[0], row[1], row[2])


async def test_toi_shows_the_platform_and_the_id(chat: Chats) -> None:
    lan = chat.user(7101)
    shown = joined(await chat.send(lan, "/toi"))
    platform = "Telegram" if chat.platform == "telegram" else "Zalo"
    assert f"Bạn đang nhắn với bot trên {platform}." in shown
    assert "ID người dùng của bạn: 7101" in shown
    assert "Bạn chưa có quyền người tổ chức" in shown and "/nhanma K7M2-QX9P" in shown
    assert joined(await chat.send(lan, "/whoami")) == shown  # the English name, in the chat's language


async def test_a_code_works_once_and_makes_that_chat_the_organiser(chat: Chats) -> None:
    code = await new_invite(chat, scope=Scope.ward("Tam Lưu"))
    hoa, minh = chat.user(7102, name="Hoa"), chat.user(7103, name="Minh")
    typed = code.replace("-", "").lower()  # without the dash, in lower case
    granted = joined(await chat.send(hoa, typed))
    assert "✅ Đã nhận mã mời. Bạn là người tổ chức — phạm vi: Phường/xã Tam Lưu." in granted
    assert "Đơn vị: Hội CTĐ Kinh Môn" in granted
    assert await organiser_of(chat, "7102") == ("organiser", "ward:Tam Lưu", "Hội CTĐ Kinh Môn")
    again = joined(await chat.send(minh, f"/nhanma {code}"))
    assert "Mã mời này đã được dùng rồi" in again
    assert await organiser_of(chat, "7103") is None
    assert "đã được dùng rồi" in joined(await chat.send(hoa, code))  # the same chat cannot use it twice
    whoami = joined(await chat.send(hoa, "/toi"))
    assert "Bạn là người tổ chức — phạm vi: Phường/xã Tam Lưu." in whoami
    actor = f"{chat.platform}:7102"
    assert await audit(chat) == [
        ("cli:lan", "invite.create", "invite:1"),
        (actor, "organiser.grant", actor),
        (actor, "invite.redeem", "invite:1"),
    ]
    if chat.platform == "telegram":  # the organiser menu, as `organiser add` gives it
        emu = chat.h.emu
        scope = {"type": "chat", "chat_id": hoa.chat_id}
        await emu.wait_until(lambda: emu.commands(scope=scope) != [], what="the organiser menu")
        assert {"taodot", "khancap", "thongbao"} <= {c["command"] for c in emu.commands(scope=scope)}
        assert emu.commands(scope={"type": "chat", "chat_id": minh.chat_id}) == []


async def test_an_admin_code_inside_a_dialogue(chat: Chats) -> None:
    code = await new_invite(chat, scope=Scope.area(), role="admin")
    hoa = chat.user(7104, name="Hoa")
    await chat.send(hoa, "/kiemtra")  # a dialogue waits for an answer
    granted = joined(await chat.send(hoa, code))  # the dashed code is still a code there
    assert "Bạn là quản trị viên — phạm vi: Toàn địa bàn." in granted
    assert await organiser_of(chat, "7104") == ("admin", "area", "Hội CTĐ Kinh Môn")


async def test_an_expired_or_revoked_code_is_refused(chat: Chats) -> None:
    short = await new_invite(chat, scope=Scope.area(), hours=1)
    revoked = await new_invite(chat, scope=Scope.area())
    async with chat.app.sessions() as session, session.begin():
        await invites.revoke(session, 2, actor="cli:lan", now=NOW)
    hoa = chat.user(7105, name="Hoa")
    chat.clock.advance(hours=1)  # the code's hour is over
    assert "Mã mời này đã hết hạn" in joined(await chat.send(hoa, short))
    assert "Mã mời này đã bị ban tổ chức thu hồi" in joined(await chat.send(hoa, revoked))
    assert await organiser_of(chat, "7105") is None


async def test_five_wrong_codes_in_an_hour_lock_the_chat_for_an_hour(chat: Chats) -> None:
    code = await new_invite(chat, scope=Scope.area())
    eve = chat.user(7106, name="Eve")
    for n in range(4):
        wrong = joined(await chat.send(eve, f"/nhanma ABCD-EFG{n + 2}"))
        assert "Mã mời không đúng." in wrong and "Sau 5 lần sai trong 1 giờ" in wrong
        chat.clock.advance(minutes=10)
    # the fifth at 09:40: locked until 10:40, Vietnam time
    fifth = joined(await chat.send(eve, "ZZZZ2222"))
    assert "tạm khóa việc nhận mã trong cuộc trò chuyện này đến 10:40 ngày 23/11/2026" in fifth
    chat.clock.advance(minutes=59)  # 10:39: even the right code is refused
    refused = joined(await chat.send(eve, code))
    assert "Bot đang tạm khóa việc nhận mã mời trong cuộc trò chuyện này đến 10:40 ngày 23/11/2026" in refused
    other = chat.user(7107, name="Hoa")  # another chat is not locked
    assert "Mã mời không đúng." in joined(await chat.send(other, "/nhanma K7M2-QX9P"))
    chat.clock.advance(minutes=1)  # 10:40
    assert "✅ Đã nhận mã mời." in joined(await chat.send(eve, code))
    async with chat.app.sessions() as session:
        failures = list(await session.scalars(select(InviteFailure.user_id).order_by(InviteFailure.id)))
    assert failures == ["7106"] * 5 + ["7107"]  # the refused right code was not counted
    assert (f"{chat.platform}:7106", "invite.locked", None) in await audit(chat)


async def test_xoa_of_someone_who_redeemed_keeps_the_role(chat: Chats) -> None:
    code = await new_invite(chat, scope=Scope.ward("Tam Lưu"))
    lan = chat.user(7108, name="Lan")
    await chat.add_donor(lan, phone="+84912710108")
    await chat.send(lan, "/nhanma K7M2-QX9P")  # a wrong guess first: in /mydata, erased with the donor
    assert "✅ Đã nhận mã mời." in joined(await chat.send(lan, code))
    async with chat.app.sessions() as session:
        donor = await session.scalar(select(Donor))
        assert donor is not None
        exported = await donor_export.export(session, donor)
    assert exported["wrong_invite_codes"] == [{"at": NOW.isoformat()}]
    assert "không thể hoàn tác" in joined(await chat.send(lan, "/xoa"))
    assert "Đã xóa toàn bộ dữ liệu" in joined(await chat.choose(lan, "Xóa tất cả"))
    async with chat.app.sessions() as session:
        assert await session.scalar(select(Donor.id)) is None
        assert list(await session.scalars(select(InviteFailure.id))) == []
        account = await session.scalar(select(ChannelAccount).where(ChannelAccount.user_id == "7108"))
        assert account is not None and account.donor_id is None
    assert await organiser_of(chat, "7108") == ("organiser", "ward:Tam Lưu", "Hội CTĐ Kinh Môn")
    assert "Bạn là người tổ chức — phạm vi: Phường/xã Tam Lưu." in joined(await chat.send(lan, "/toi"))


def test_the_lock_window_is_as_documented() -> None:
    from domain import invites as rules

    assert (rules.MAX_FAILURES, rules.FAILURE_WINDOW_HOURS, rules.LOCK_HOURS) == (5, 1, 1)
    assert timedelta(hours=rules.DEFAULT_HOURS) == timedelta(days=1)
