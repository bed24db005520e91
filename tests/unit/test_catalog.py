"""The message catalogs: every key the code uses exists in vi and en with the same placeholders."""

from __future__ import annotations

import re
import string
import unicodedata
from pathlib import Path

import pytest

from core.i18n import LANGUAGES, CatalogError, Catalogs, load_catalog
from handlers.fields import FIELDS
from handlers.registry import MENU

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("bot", "core", "services", "handlers", "scheduler")
KEY_CALL = re.compile(
    r"""(?:\.say|\bt|\.t|\.choice|error=|ctx\.t\.plural|\bt\.plural)\(\s*["']([a-z][a-z0-9_]+)["']"""
)
ERROR_KEY = re.compile(r"""error=["']([a-z][a-z0-9_]+)["']""")
RETURNED_KEY = re.compile(r"""return\s+["']((?:refuse|error)_[a-z0-9_]+)["']""")


def keys_used_in_code() -> set[str]:
    keys: set[str] = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            for pattern in (KEY_CALL, ERROR_KEY, RETURNED_KEY):
                keys.update(pattern.findall(source))
    # keys built at run time
    keys.update(f"field_{name}" for name in FIELDS)
    keys.update(f"cmd_{name}" for name in MENU)
    keys.update({"sex_male", "sex_female"})
    return keys


def placeholders(value: str | dict[str, str]) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


CATALOGS = {lang: load_catalog(lang) for lang in LANGUAGES}


def test_every_key_used_in_code_exists_in_every_language() -> None:
    used = keys_used_in_code()
    assert len(used) > 80, "the scan found suspiciously few keys"
    for lang, catalog in CATALOGS.items():
        missing = sorted(used - set(catalog))
        assert not missing, f"{lang} lacks {missing}"


def test_languages_have_the_same_keys_and_placeholders() -> None:
    vi, en = CATALOGS["vi"], CATALOGS["en"]
    assert set(vi) == set(en), set(vi) ^ set(en)
    for key in vi:
        assert placeholders(vi[key]) == placeholders(en[key]), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_texts_are_clean(lang: str) -> None:
    for key, value in CATALOGS[lang].items():
        for text in value.values() if isinstance(value, dict) else [value]:
            assert text == text.strip(), f"{lang}.{key} has stray whitespace"
            assert unicodedata.is_normalized("NFC", text), f"{lang}.{key} is not NFC"
            assert not re.search(r"</?[a-z]+>|\*\*|__", text), f"{lang}.{key} has markup"
            assert "  " not in text, f"{lang}.{key} has a double space"


def test_vietnamese_texts_carry_diacritics() -> None:
    # A Vietnamese sentence of more than a few words without a single accent was typed without them.
    for key, value in CATALOGS["vi"].items():
        text = value if isinstance(value, str) else value["other"]
        words = re.findall(r"[^\W\d_]+", text)
        if len(words) >= 4 and key not in {"ask_language", "error_language"}:
            assert any(unicodedata.normalize("NFD", w) != w for w in words), key


def test_a_key_defined_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "vi").mkdir()
    (tmp_path / "vi" / "a.toml").write_text('hello = "Chào"\n', encoding="utf-8")
    (tmp_path / "vi" / "b.toml").write_text('hello = "Xin chào"\n', encoding="utf-8")
    with pytest.raises(CatalogError, match="'hello' is defined in another vi file"):
        load_catalog("vi", tmp_path)


def test_plural_forms_follow_the_language() -> None:
    catalogs = Catalogs()
    assert catalogs.get("en").plural("donations_count", 1).endswith(": 1")
    assert catalogs.get("vi").plural("donations_count", 5) == "Số lần hiến đã ghi nhận: 5"


# --- chats without buttons (Zalo, the console): `<key>_nobuttons` and what they show ---

VARIANT = "_nobuttons"
TAPPING = re.compile(r"\b(?:bấm|nhấn|chạm|tap(?:s|ped|ping)?|press(?:es|ed|ing)?|click(?:s|ed|ing)?)\b")
# Texts that say one of those words about something other than a button, and why.
NOT_A_BUTTON = {
    "elig_deferral_piercing": "«bấm lỗ tai» is ear piercing",
    "check_cond_piercing": "«bấm lỗ tai» is ear piercing",
}


def as_shown_without_buttons(catalog: dict[str, str | dict[str, str]]) -> dict[str, str | dict[str, str]]:
    """Every base key with the text a chat without buttons gets: its variant when there is one."""
    return {
        key: catalog.get(key + VARIANT, value) for key, value in catalog.items() if not key.endswith(VARIANT)
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_nobuttons_variant_has_its_base_text_with_the_same_placeholders(lang: str) -> None:
    catalog = CATALOGS[lang]
    variants = [key for key in catalog if key.endswith(VARIANT)]
    assert {"ask_phone_nobuttons", "error_contact_not_own_nobuttons"} <= set(variants)
    for key in variants:
        base = key.removesuffix(VARIANT)
        assert base in catalog, f"{lang}.{key} has no {base}"
        assert placeholders(catalog[key]) == placeholders(catalog[base]), f"{lang}.{key}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_asks_to_tap_where_there_are_no_buttons(lang: str) -> None:
    tapping = []
    for key, value in as_shown_without_buttons(CATALOGS[lang]).items():
        texts = value.values() if isinstance(value, dict) else [value]
        if key not in NOT_A_BUTTON and any(TAPPING.search(text.lower()) for text in texts):
            tapping.append(key)
    assert not tapping, f"{lang}: {sorted(tapping)} say tap/press on a chat without buttons"


def test_the_tap_check_sees_a_tap_but_not_blood_pressure() -> None:
    shown = as_shown_without_buttons(
        {"a": "Bấm «Xác nhận».", "b": "Tap «OK».", "c": "blood pressure", "d": "Tap", "d_nobuttons": "Go"}
    )
    assert [key for key, text in shown.items() if TAPPING.search(str(text).lower())] == ["a", "b"]
    assert shown["d"] == "Go"
