"""The README's examples, run as written: every command of its chat tables in both languages, the command
words it quotes, the free-text examples, the input formats (through /hoso), and every line of its
command-line block (except `run`, which does not end), in order, on a fresh database.

The examples are read from README.md itself, so an example that stops working, or one added later that
never worked, fails here. Two placeholders of the chat tables are filled in: DATE (a day to be away
until) and CODE (a check-in code)."""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from core.config import PROJECT_ROOT
from core.i18n import Catalogs
from domain.commands import BY_KEY, typed_command
from models import donors
from models.db import create_engine, session_factory, upgrade_database_async
from tests.helpers import BotHarness, texts
from tests.integration.test_models_contract import new_donor

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
PLACEHOLDERS = {"DATE": "30/12/2026", "CODE": "K7M2QX"}
CATALOGS = Catalogs()


def section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def table_rows(text: str) -> list[list[str]]:
    rows = [line.strip("|").split("|") for line in text.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row] for row in rows if not row[0].strip().startswith("command")]


def chat_commands(lang: str) -> list[str]:
    """The commands the chat tables name in one language: the first column, or the "in English" one."""
    found: list[str] = []
    for row in table_rows(section("Commands in the chat")):
        cells = row[:1] if lang == "vi" else row[1:2]
        for span in re.findall(r"`(/[^`]+)`", " ".join(cells)):
            found.append(" ".join(PLACEHOLDERS.get(word, word) for word in span.split()))
    return list(dict.fromkeys(found))


def quoted_words() -> list[str]:
    """The words typed without a slash that the section's first paragraph quotes."""
    intro = section("Commands in the chat").split("\n\n")[1]
    spans = re.findall(r"`([^`]+)`", intro.split("work too", 1)[1])
    return [span for span in spans if not span.endswith(".py")]


def free_text_examples() -> list[str]:
    row = next(r for r in table_rows(section("Commands in the chat")) if r[0] == "(free text)")
    return [quoted for quoted in re.findall(r'"([^"]+)"', row[2]) if quoted != "not sure"]  # an answer's name


def input_formats() -> list[list[str]]:
    sentence = section("Commands in the chat").split("Input is read with or without diacritics:", 1)[1]
    sentence = sentence.split(". Wrong input", 1)[0]
    return [re.findall(r"`([^`]+)`", group) for group in sentence.split(";")]


def cli_lines() -> list[list[str]]:
    block = section("Command line").split("```bash\n", 1)[1].split("```", 1)[0]
    lines = [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]
    return [line[1:] for line in lines if line[0] == "scripts/run"]


def refusals(lang: str) -> tuple[str, str]:
    t = CATALOGS.get(lang)
    return t("error_unknown_command", command="/")[:25], t("error_internal", hotline="")[:40]


async def donor(bot: BotHarness, user_id: int, lang: str, *, organiser: bool = False):  # type: ignore[no-untyped-def]
    user = bot.user(user_id, language_code=lang)
    await bot.add_donor(user, phone=f"+8491290{user_id:04d}", language=lang, is_reserve=True)
    if organiser:
        await bot.make_organiser(user)
    return user


def test_the_readme_examples_were_found() -> None:
    assert len(chat_commands("vi")) >= 19 and len(chat_commands("en")) >= 17
    assert {"hủy", "lịch của tôi", "hồ sơ", "my bookings"} <= set(quoted_words())
    assert len(free_text_examples()) >= 6
    assert [len(group) for group in input_formats()] == [3, 2, 3, 1, 1]
    assert len(cli_lines()) >= 21


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_every_chat_command_of_the_readme_works(bot: BotHarness, lang: str) -> None:
    organiser = await donor(bot, 4501, lang, organiser=True)
    unknown, apology = refusals(lang)
    for command in chat_commands(lang):
        reply = await bot.send(organiser, command)
        shown = texts(reply)
        assert reply and unknown not in shown and apology not in shown, command
        assert "chỉ dành cho cán bộ" not in shown and "only for organisers" not in shown, command
        await bot.send(organiser, "/huy")


async def test_the_command_words_of_the_readme_work_without_a_slash(bot: BotHarness) -> None:
    user = await donor(bot, 4502, "vi")
    for word in quoted_words():
        found = typed_command(word)
        assert found is not None, word
        key, args = found
        slash = await bot.send(user, f"/{BY_KEY[key].vi} {args}".strip())
        await bot.send(user, "/huy")
        typed = await bot.send(user, word)
        await bot.send(user, "/huy")
        assert [m.text for m in typed] == [m.text for m in slash], word


async def test_the_free_text_examples_of_the_readme_are_understood(bot: BotHarness) -> None:
    registered = await donor(bot, 4503, "vi")
    unsure = [CATALOGS.get(lang)(key, hotline="")[:30] for lang in ("vi", "en")
              for key in ("answer_unsure", "answer_unsure_none")]  # fmt: skip
    for example in free_text_examples():
        newcomer = bot.user(4600 + len(example))
        for user in (newcomer, registered):
            shown = texts(await bot.send(user, example))
            assert not any(text in shown for text in unsure), (example, shown)
            await bot.send(user, "/huy")
    assert "Bạn có đồng ý không?" in texts(
        await bot.send(bot.user(4599), "tôi muốn đăng ký")
    )  # consent first


async def test_the_input_formats_of_the_readme_are_read(bot: BotHarness) -> None:
    user = await donor(bot, 4504, "vi")
    fields = ["Ngày sinh", "Điện thoại", "Nhóm máu", "Cân nặng", "Lần hiến gần nhất"]
    for label, values in zip(fields, input_formats(), strict=True):
        for value in values:
            await bot.send(user, "/hoso")
            await bot.press(user, f"Sửa {label}")
            saved = await bot.send(user, value)
            assert f"Đã lưu «{label}»" in saved[0].text, (label, value, texts(saved))


def _written_under(args: list[str], folder: Path) -> list[str]:
    """The line with the files it writes (`--output`, `--charts`) put in `folder`, not in the checkout."""
    out = list(args)
    for i, arg in enumerate(out[:-1]):
        if arg in ("--output", "--charts"):
            out[i + 1] = str(folder / out[i + 1])
    return out


async def test_every_command_line_of_the_readme_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'readme.sqlite3'}"
    monkeypatch.chdir(PROJECT_ROOT)  # the examples name files relative to it
    monkeypatch.setenv("DONORBOT_DATABASE_URL", url)
    for name in ("DONORBOT_CONFIG", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    # The examples presume registered donors: one reserve donor of Tam Lưu, O+.
    await upgrade_database_async(url)
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        await donors.register(
            session,
            new_donor("+84912009999", is_reserve=True, blood_abo="O", blood_rh="+"),
            platform="telegram",
            user_id="9999",
            chat_id="9999",
            now=datetime.now(UTC),
        )
    await engine.dispose()
    ran = 0
    for args in cli_lines():
        if args[:1] in ([], ["run"], ["web"]):  # the bot itself, or its web page: they run until stopped
            continue
        args = _written_under(args, tmp_path)
        code = await _in_thread(["--log-level", "WARNING", *args])
        captured = capsys.readouterr()
        if args == ["config", "check"]:  # the shipped config has no hotline number: the one thing it says
            problems = [line for line in captured.err.splitlines() if line.strip()]
            assert code == 2 and len(problems) == 1 and "bot.hotline: has no phone number" in problems[0]
            ran += 1
            continue
        assert code == 0, f"scripts/run {shlex.join(args)}\n{captured.out}{captured.err}"
        ran += 1
    assert ran >= 19


async def _in_thread(argv: list[str]) -> int:
    """`main` runs its own event loop (asyncio.run), so it cannot run on this test's loop."""
    import asyncio

    return await asyncio.to_thread(main, argv)
