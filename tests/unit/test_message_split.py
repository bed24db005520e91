"""Long texts cut under a platform's cap at the best boundary available."""

from __future__ import annotations

from domain.message_split import split_message

PARA = "Câu một của đoạn. " * 20  # 360 characters


def test_a_short_text_is_one_part() -> None:
    assert split_message("Xin chào", 2000) == ["Xin chào"]


def test_parts_end_at_paragraph_breaks() -> None:
    text = "\n\n".join(f"{n}. {PARA.strip()}" for n in range(1, 11))
    parts = split_message(text, 2000)
    assert all(len(part) <= 2000 for part in parts) and len(parts) == 2
    assert parts[1].startswith("6. ")  # five paragraphs fit in the first part, none is cut
    assert "\n\n".join(parts) == text


def test_a_long_paragraph_is_cut_at_a_line_then_at_a_word() -> None:
    lines = "\n".join(["dòng " * 30] * 20)
    assert all(p.endswith("dòng") for p in split_message(lines, 500)[:-1])
    words = "máu " * 1000
    parts = split_message(words, 2000)
    assert all(len(p) <= 2000 and not p.startswith(" ") for p in parts)
    assert " ".join(parts).split() == words.split()


def test_a_text_without_spaces_is_cut_hard() -> None:
    assert split_message("x" * 4500, 2000) == ["x" * 2000, "x" * 2000, "x" * 500]


def test_indentation_survives_a_cut() -> None:
    lines = "\n".join(f'    "key{n}": "value {n}",' for n in range(200))
    parts = split_message(lines, 2000)
    assert all(part.startswith('    "key') for part in parts)
    assert "\n".join(parts) == lines
