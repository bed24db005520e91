"""The commands as people use them: every command's words without a slash, in both languages, from the one
table in domain/commands.py; /help and the Telegram menus named in the person's language (organisers get
theirs per chat); what /huy points back to; "not sure" with nothing to suggest; requests to act."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain import commands
from domain.commands import COMMANDS, CommandSpec
from domain.text import fold
from emulators.telegram import SentMessage, SimUser
from models import organisers
from models.tables import Signup
from tests.e2e.test_drives import KINH_MON
from tests.helpers import BotHarness, FixedClock, running_bot, texts

ARGS = {"vangmat": "30/12/2026", "checkin": "K7M2QX"}


def seen(messages: list[SentMessage]) -> list[tuple[str, list[str]]]:
    """What a person sees of some messages: texts (captions) and button labels."""
    return [(m.text or "", m.button_labels()) for m in messages]


def typed_forms(spec: CommandSpec, lang: str) -> list[str]:
    """Every way the table says the command can be typed without a slash in `lang`."""
    words = spec.words_vi if lang == "vi" else spec.words_en
    forms = [form for word in words for form in (word, fold(word), word.upper())]
    return list(dict.fromkeys(forms))


async def person(bot: BotHarness, user_id: int, lang: str, *, organiser: bool) -> SimUser:
    user = bot.user(user_id, language_code=lang)
    await bot.add_donor(user, phone=f"+8491200{user_id:04d}", language=lang, is_reserve=True)
    if organiser:
        await bot.make_organiser(user)
    return user


@pytest.mark.parametrize("spec", [s for s in COMMANDS if s.words], ids=lambda s: s.key)
@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_every_command_answers_its_words_as_it_answers_its_slash(
    bot: BotHarness, spec: CommandSpec, lang: str
) -> None:
    user = await person(bot, 4100, lang, organiser=spec.organiser)
    unknown = bot.app.catalogs.get(lang)("error_unknown_command", command="/x")[:20]  # type: ignore[union-attr]
    for args in ("", ARGS.get(spec.key, "")) if spec.takes_args else ("",):
        slash = await bot.send(user, f"/{spec.name(lang)} {args}".strip())
        assert slash and unknown not in slash[0].text
        await bot.send(user, "/huy")  # leaves a dialogue the command may have started
        for form in typed_forms(spec, lang):
            typed = await bot.send(user, f"{form} {args}" if args else f"{form}!")
            assert seen(typed) == seen(slash), f"{form!r} {args!r} did not answer as /{spec.name(lang)}"
            await bot.send(user, "/huy")


async def test_organiser_words_are_ordinary_text_from_anyone_else(bot: BotHarness) -> None:
    donor = await person(bot, 4101, "vi", organiser=False)
    for spec in (s for s in COMMANDS if s.organiser):
        for form in typed_forms(spec, "vi"):
            reply = await bot.send(donor, form)
            assert "chỉ dành cho cán bộ tổ chức" not in texts(reply), form


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_help_names_every_command_in_the_persons_language(bot: BotHarness, lang: str) -> None:
    organiser = await person(bot, 4102, lang, organiser=True)
    shown = texts(await bot.send(organiser, "/help"))
    for spec in COMMANDS:
        if spec.menu:
            assert f"/{spec.name(lang)} – " in shown, spec.key
        if spec.name(lang) != spec.name("vi" if lang == "en" else "en"):
            other = spec.name("vi" if lang == "en" else "en")
            assert f"/{other} " not in shown and f"/{other}\n" not in shown, other
    assert "/nhacnho" in shown if lang == "vi" else "/reminders" in shown
    donor = await person(bot, 4103, lang, organiser=False)
    assert "/" + commands.BY_KEY["taodot"].name(lang) not in texts(await bot.send(donor, "/help"))


async def test_the_menus_are_in_each_language_and_organisers_get_theirs_per_chat(bot: BotHarness) -> None:
    menu_vi = [c["command"] for c in bot.emu.commands()]
    menu_en = [c["command"] for c in bot.emu.commands("en")]
    assert "vangmat" in menu_vi and "nhacnho" in menu_vi and "taodot" not in menu_vi
    assert {"away", "reminders", "profile", "delete", "schedule", "mybookings"} <= set(menu_en)
    assert not {"hoso", "xoa", "lichhien", "vangmat"} & set(menu_en)

    user = await person(bot, 4104, "en", organiser=False)
    scope = {"type": "chat", "chat_id": user.chat_id}

    def chat_menu() -> list[str]:
        return [c["command"] for c in bot.emu.commands(scope=scope)]

    await bot.send(user, "/help")
    await bot.send(user, "/help")  # one chat's updates run in order: the first one's menu check is done
    assert chat_menu() == []  # a donor's chat keeps the menu of its language
    await bot.make_organiser(user)
    await bot.send(user, "/help")  # their next message after `organiser add`
    await bot.emu.wait_until(lambda: chat_menu() != [], what="the organiser menu")
    assert {"profile", "away", "newdrive", "callout", "announce", "progress", "rare"} <= set(chat_menu())
    assert "taodot" not in chat_menu()
    assert bot.app is not None
    async with bot.app.sessions() as session, session.begin():
        await organisers.revoke(
            session, platform="telegram", user_id=str(user.id), actor="test", now=bot.clock.now()
        )
    await bot.send(user, "/help")
    await bot.emu.wait_until(lambda: chat_menu() == [], what="the organiser menu to go")


async def test_organisers_on_record_get_their_menu_at_start(bot: BotHarness) -> None:
    user = await person(bot, 4105, "vi", organiser=True)
    await bot.restart()
    scope = {"type": "chat", "chat_id": user.chat_id}
    await bot.emu.wait_until(lambda: bot.emu.commands(scope=scope) != [], what="the organiser menu")
    chat_menu = [c["command"] for c in bot.emu.commands(scope=scope)]
    assert {"lichhien", "vangmat", "taodot", "khancap", "thongbao", "tiendo", "hiemmau"} <= set(chat_menu)


@pytest.mark.parametrize(
    ("lang", "command", "restart"),
    [("vi", "/kiemtra", "/kiemtra"), ("en", "/check", "/check"), ("vi", "/khancap", "/khancap")],
)
async def test_huy_points_back_to_the_dialogue_it_stopped(
    bot: BotHarness, lang: str, command: str, restart: str
) -> None:
    user = await person(bot, 4106, lang, organiser=True)
    await bot.send(user, command)
    stopped = texts(await bot.send(user, "/huy"))
    assert restart in stopped
    assert "/dangky" not in stopped and "/register" not in stopped


@pytest.mark.parametrize("text", ["ok", "🙂", "👍👍", "asdf qwer zxcv uiop " * 10])
async def test_not_sure_with_nothing_to_suggest_says_so(bot: BotHarness, text: str) -> None:
    user = bot.user(4107)
    reply = await bot.send(user, text)
    assert len(reply) == 1 and reply[0].button_labels() == []
    assert "dưới đây" not in reply[0].text and "bot chưa hiểu" in reply[0].text
    assert "/help" in reply[0].text


async def test_requests_to_cancel_or_change_a_booking_open_the_bookings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.test_drives import BEFORE_ROUND_1

    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        user = bot.user(4108)
        await bot.add_donor(user, phone="+84912004108")
        await bot.send(user, "/lichhien")
        await bot.press(user, "03/08/2020")
        await bot.press(user, "07:30")

        cancel = await bot.send(user, "toi muon huy lich hen")
        assert "Bạn muốn hủy buổi nào?" in texts(cancel)
        assert cancel[-1].button_labels() == ["Hủy đăng ký"]
        await bot.press(user, "Hủy đăng ký")
        signup = await bot.scalar(select(Signup))
        assert signup is not None and signup.status == "cancelled"

        await bot.send(user, "/lichhien")
        await bot.press(user, "04/08/2020")
        await bot.press(user, "08:00")
        change = await bot.send(user, "tôi muốn đổi lịch")
        assert seen(change) == seen(await bot.send(user, "/lichcuatoi"))
        assert "Đổi giờ" in change[-1].button_labels()

        again = await bot.send(user, "toi muon dang ky hien mau")
        assert seen(again) == seen(await bot.send(user, "/lichhien"))
