"""Message catalogs (vi, en): code uses keys, the catalog holds the sentences.

Catalogs are TOML files under `core/locales/<lang>/`; all files of a language are merged (a key defined
twice is an error). A value is a string with `str.format` placeholders, or a table of CLDR plural forms
(`one`, `other`, ...) chosen with Babel's plural rules. Translate first, then format.
"""

from __future__ import annotations

import logging
import string
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

log = logging.getLogger(__name__)

CatalogValue = str | dict[str, str]
Day = date  # an alias: inside Translator, `date` names the method


class CatalogError(Exception):
    """A catalog file is broken; the message names the file and the key."""


def load_catalog(lang: str, directory: Path = LOCALES_DIR) -> dict[str, CatalogValue]:
    """Merges every TOML file of one language into a flat key → text mapping."""
    merged: dict[str, CatalogValue] = {}
    folder = directory / lang
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise CatalogError(f"{folder}: no catalog files")
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogError(f"{path}: {exc}") from exc
        for key, value in data.items():
            if key in merged:
                raise CatalogError(f"{path}: key {key!r} is defined in another {lang} file too")
            if isinstance(value, str):
                merged[key] = unicodedata.normalize("NFC", value)
            elif isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
                merged[key] = {k: unicodedata.normalize("NFC", v) for k, v in value.items()}
            else:
                raise CatalogError(f"{path}: {key!r} must be a string or a table of plural forms")
    return merged


@dataclass(frozen=True)
class Translator:
    """Texts of one language; handlers get one per update, resolved from the donor's language."""

    lang: str
    catalog: Mapping[str, CatalogValue]
    # On a chat without buttons (Zalo, the console) a text that names a button has a variant keyed
    # `<key>_nobuttons` ("type your number" instead of "tap «Send my number»"); it is used when present.
    variant: str | None = None

    def for_variant(self, variant: str | None) -> Translator:
        return self if variant == self.variant else Translator(self.lang, self.catalog, variant)

    def __call__(self, key: str, /, **params: object) -> str:
        """The text of `key` with `params` filled in; a line whose value is None is left out.

        "🏠 {address}" with no address on record is not shown at all, rather than as "🏠 —".
        """
        value = self.catalog.get(f"{key}_{self.variant}") if self.variant else None
        if value is None:
            value = self.catalog.get(key)
        if value is None:
            log.error("missing catalog key %r for %s", key, self.lang)
            return key
        if isinstance(value, dict):
            value = value.get("other") or next(iter(value.values()))
        return _fill(value, params)

    def plural(self, key: str, count: int, /, **params: object) -> str:
        """The plural form for `count` chosen by CLDR rules (Vietnamese has one form, English two)."""
        value = self.catalog.get(key)
        if not isinstance(value, dict):
            return self(key, count=count, **params)
        form = Locale.parse(self.lang).plural_form(count)
        text = value.get(form) or value.get("other") or next(iter(value.values()))
        return _fill(text, {"count": count, **params})

    def date(self, day: date) -> str:
        """A date the way people of this language write it (03/08/1995 in Vietnamese)."""
        pattern = "dd/MM/yyyy" if self.lang == "vi" else "d MMM yyyy"
        return str(format_date(day, format=pattern, locale=self.lang))

    def day(self, day: Day) -> str:
        """A date with its weekday: "Thứ Hai, 03/08/2020" / "Mon 3 Aug 2020"."""
        pattern = "EEEE, dd/MM/yyyy" if self.lang == "vi" else "EEE d MMM yyyy"
        return str(format_date(day, format=pattern, locale=self.lang))

    def number(self, value: float) -> str:
        """A number the way this language writes it: 52,5 and 1.000 in Vietnamese, 52.5 in English."""
        return str(format_decimal(value, locale=self.lang))

    def join(self, items: list[str]) -> str:
        """ "a, b và c" / "a, b, and c"."""
        return str(format_list(items, locale=self.lang))

    def has(self, key: str) -> bool:
        return key in self.catalog


def _fill(text: str, params: Mapping[str, object]) -> str:
    """`text.format(**params)`, without the lines that show a missing (None) value."""
    if not params:
        return text
    missing = {name for name, value in params.items() if value is None}
    if missing:
        text = "\n".join(line for line in text.split("\n") if not _names(line) & missing)
    return text.format(**params)


def _names(text: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


class Catalogs:
    """All languages, loaded once at start so a broken catalog fails the start, not a dialogue."""

    def __init__(self, directory: Path = LOCALES_DIR) -> None:
        self._translators = {lang: Translator(lang, load_catalog(lang, directory)) for lang in LANGUAGES}

    def get(self, lang: str | None) -> Translator:
        return self._translators.get(lang or DEFAULT_LANGUAGE) or self._translators[DEFAULT_LANGUAGE]

    def languages(self) -> tuple[str, ...]:
        return tuple(self._translators)
