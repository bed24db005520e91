"""Button data (core/buttons.py): every declared kind fits 64 bytes, parses back what it packed, is never
mistaken for another kind, and turns any garbage into None instead of an error."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import buttons
from core.buttons import MAX_BYTES, ButtonData, Codec, Id, Index, Name, SlotTime, Word
from core.i18n import LANGUAGES

KINDS = sorted(ButtonData.declared.values(), key=lambda kind: kind.__name__)


def values(codec: Codec) -> st.SearchStrategy[Any]:
    if isinstance(codec, Id):
        return st.one_of(st.just(codec.maximum), st.integers(1, codec.maximum))
    if isinstance(codec, Index):
        return st.one_of(st.just(codec.maximum), st.integers(0, codec.maximum))
    if isinstance(codec, Word):
        return st.sampled_from(codec.words)
    if isinstance(codec, Name):
        return st.from_regex(codec.pattern, fullmatch=True).filter(lambda s: codec.parse(s) is not None)
    if isinstance(codec, SlotTime):
        return st.builds(time, st.integers(0, 23), st.integers(0, 59))
    raise AssertionError(f"no strategy for {codec!r}")


def button(kind: type[ButtonData]) -> st.SearchStrategy[ButtonData]:
    return st.builds(kind, **{name: values(codec) for name, codec, _ in kind.codecs})


ANY_BUTTON = st.sampled_from(KINDS).flatmap(button)


def test_the_declarations_cover_the_journeys() -> None:
    assert len(KINDS) > 50
    assert buttons.LANGUAGE.words == LANGUAGES


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_the_longest_value_of_each_kind_fits_and_parses_back(kind: type[ButtonData]) -> None:
    widest: dict[str, Any] = {}
    for name, codec, _ in kind.codecs:
        if isinstance(codec, Id | Index):
            widest[name] = codec.maximum
        elif isinstance(codec, Word):
            widest[name] = max(codec.words, key=lambda w: len(w.encode()))
        elif isinstance(codec, SlotTime):
            widest[name] = time(23, 59)
        else:
            assert isinstance(codec, Name)
            widest[name] = codec.sample
    value = kind(**widest)
    assert len(value.pack().encode()) <= kind.widest() <= MAX_BYTES
    assert kind.parse(value.pack()) == value


@settings(max_examples=400, deadline=None)
@given(ANY_BUTTON)
def test_every_value_parses_back_as_its_own_kind_only(value: ButtonData) -> None:
    data = value.pack()
    assert 1 <= len(data.encode()) <= MAX_BYTES
    assert type(value).parse(data) == value
    assert [kind for kind in KINDS if kind.parse(data) is not None] == [type(value)]


def mangled(data: str) -> st.SearchStrategy[str]:
    """A real value with a character too many or too few, a doubled separator, another case."""
    edits = [data + "x", data + ":", data[:-1], data.replace(":", "::", 1), data + ":1", "x" + data]
    return st.sampled_from([*edits, data.upper(), data.replace("1", "²"), data + "0" * 20])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=80), ANY_BUTTON.flatmap(lambda value: mangled(value.pack()))))
def test_garbage_never_raises(data: str) -> None:
    for kind in KINDS:
        parsed = kind.parse(data)
        assert parsed is None or kind.parse(parsed.pack()) == parsed


def test_a_value_out_of_range_does_not_pack() -> None:
    with pytest.raises(ValueError, match="out of range"):
        buttons.Drive(drive_id=0).pack()
    with pytest.raises(ValueError, match="not one of"):
        buttons.Sex(sex="other").pack()
