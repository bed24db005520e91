"""Choices on a chat without buttons: which typed answers pick which choice, and what the numbers mean."""

from __future__ import annotations

import pytest

from core.i18n import Catalogs
from handlers.messages import Choice, Replies, Reply
from handlers.numbered import match, render_push, render_turn

WARDS = [("Tam Lưu", "ward:1"), ("Tam Khê", "ward:2"), ("Nam An Phụ", "ward:3")]
CONSENT = [("✅ Đồng ý", "consent:yes"), ("❌ Không đồng ý", "consent:no")]
t = Catalogs().get("vi")


@pytest.mark.parametrize(
    ("typed", "choices", "picked"),
    [
        ("2", WARDS, "ward:2"),
        ("2.", WARDS, "ward:2"),
        ("số 3", WARDS, "ward:3"),
        ("so 1", WARDS, "ward:1"),
        (" 1) ", WARDS, "ward:1"),
        ("4", WARDS, None),  # no fourth choice
        ("0", WARDS, None),
        ("tam luu", WARDS, "ward:1"),
        ("TAM LƯU", WARDS, "ward:1"),
        ("nam an", WARDS, "ward:3"),  # the beginning of one choice's words
        ("tam", WARDS, None),  # the beginning of two
        ("đồng ý", CONSENT, "consent:yes"),
        ("dong y", CONSENT, "consent:yes"),
        ("không đồng ý", CONSENT, "consent:no"),
        ("không", CONSENT, "consent:no"),
        ("ok", CONSENT, None),
        ("Huy", [("Hủy", "x:cancel")], "x:cancel"),
        ("12/3/1990", WARDS, None),  # a date is not a number of a choice
        ("", WARDS, None),
        ("2", [], None),
    ],
)
def test_typed_answer_picks(typed: str, choices: list[tuple[str, str]], picked: str | None) -> None:
    assert match(typed, choices) == picked


def _reply(text: str, *labels: str) -> Reply:
    return Reply(text, choices=((tuple(Choice(label, f"v:{label}") for label in labels)),) if labels else ())


def test_a_turns_choices_are_numbered_through_the_turn() -> None:
    replies = Replies([_reply("Ngôn ngữ?", "Tiếng Việt", "English"), _reply("Phường?", "Tam Lưu")])
    rendered, saved = render_turn(t, replies, in_dialogue=True, previous=[])
    assert "  1) Tiếng Việt\n  2) English" in rendered[0].text
    assert "  3) Tam Lưu" in rendered[1].text
    assert all(not reply.choices for reply in rendered)
    assert saved == [("Tiếng Việt", "v:Tiếng Việt"), ("English", "v:English"), ("Tam Lưu", "v:Tam Lưu")]


def test_a_question_that_takes_typed_text_numbers_nothing() -> None:
    """ "2" answers "how many units?", even though the turn also showed choices (listed unnumbered)."""
    replies = Replies([_reply("Ngôn ngữ đã đổi.", "Tiếng Việt"), _reply("Cần bao nhiêu đơn vị?")])
    rendered, saved = render_turn(t, replies, in_dialogue=True, previous=[("Cũ", "old")])
    assert saved == []
    assert "  – Tiếng Việt" in rendered[0].text and "1)" not in rendered[0].text


def test_a_refused_turn_keeps_the_numbers_on_screen() -> None:
    previous = [("Tam Lưu", "ward:1")]
    _, saved = render_turn(t, Replies([Reply("Lỗi.")], taken=False), in_dialogue=True, previous=previous)
    assert saved == previous


def test_a_push_numbers_after_the_choices_on_screen() -> None:
    text, saved = render_push(
        t,
        "Cần máu O gấp",
        [[("Tôi đi được", "cov:yes:1"), ("Không", "cov:no:1")]],
        in_dialogue=False,
        previous=[("Tam Lưu", "ward:1")],
    )
    assert "  2) Tôi đi được\n  3) Không" in text
    assert saved[1:] == [("Tôi đi được", "cov:yes:1"), ("Không", "cov:no:1")]
