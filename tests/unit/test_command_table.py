"""The command table (domain/commands.py): wired to handlers, named per language in every text."""

from __future__ import annotations

import re

import pytest

from core.i18n import LANGUAGES, load_catalog
from domain.commands import BY_KEY, BY_NAME, COMMANDS, typed_command
from handlers.registry import FLOWS, HANDLERS, RESTART, build_routes

# A command in a text: a slash at the start or after a space or an opening mark ("day/month" is not one).
NAMED = re.compile(r"(?:^|(?<=[\s(«\"']))/([a-z0-9_]+)")


def test_every_command_of_the_table_has_a_handler_and_every_name_is_registered() -> None:
    assert set(HANDLERS) == set(BY_KEY)
    assert set(build_routes().commands) == set(BY_NAME)


def test_every_dialogue_names_the_command_that_starts_it_again() -> None:
    assert {flow.name for flow in FLOWS} == set(RESTART)
    assert set(RESTART.values()) <= set(BY_KEY)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_texts_name_the_commands_of_their_language(lang: str) -> None:
    names = {spec.name(lang) for spec in COMMANDS}
    wrong = []
    for key, value in load_catalog(lang).items():
        for text in value.values() if isinstance(value, dict) else [value]:
            wrong += [f"{key}: /{n}" for n in NAMED.findall(text) if n not in names]
    assert not wrong, f"{lang} texts name commands of another language or none: {wrong}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hồ sơ", ("hoso", "")),
        ("Ho so", ("hoso", "")),  # not "ho" (a cough)
        ("huy", ("huy", "")),
        ("Hủy!", ("huy", "")),
        ("lich cua toi", ("lichcuatoi", "")),
        ("nhắc nhở", ("nhacnho", "")),
        ("ngon ngu", ("ngonngu", "")),
        ("my bookings", ("lichcuatoi", "")),
        ("vắng mặt 30/12/2026", ("vangmat", "30/12/2026")),
        ("away 0", ("vangmat", "0")),
        ("hồ sơ gồm những gì", None),  # a question
        ("tôi muốn hủy lịch hẹn", None),  # a request (domain.intents)
        ("thông báo", None),  # organisers only
        ("", None),
    ],
)
def test_typed_commands(text: str, expected: tuple[str, str] | None) -> None:
    assert typed_command(text) == expected


def test_organiser_words_are_read_from_organisers() -> None:
    assert typed_command("thông báo", organiser=True) == ("thongbao", "")
    assert typed_command("checkin K7M2QX", organiser=True) == ("checkin", "K7M2QX")
