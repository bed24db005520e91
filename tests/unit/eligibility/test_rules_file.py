"""The shipped rules file, its citations, its message catalogs, and what a broken copy does."""

from __future__ import annotations

import re
import string
import tomllib
import unicodedata
from pathlib import Path

import pytest

from domain.eligibility import ENGINE_MESSAGES, message_params
from domain.rules import DonationKind, Rules, Unit
from domain.rules_file import RulesError, load_rules
from domain.text import fold

ROOT = Path(__file__).resolve().parents[3]
RULES_PATH = ROOT / "data" / "eligibility.toml"
CIRCULAR = "Thông tư 26/2013/TT-BYT"
CATALOGS = {lang: ROOT / "core" / "locales" / lang / "eligibility.toml" for lang in ("vi", "en")}


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(RULES_PATH)


def catalog(lang: str) -> dict[str, str]:
    with CATALOGS[lang].open("rb") as fh:
        data = tomllib.load(fh)
    assert all(isinstance(v, str) for v in data.values()), f"{lang} catalog must be flat"
    return data


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# --------------------------------------------------------------------------- the shipped file


def test_shipped_file_loads(rules: Rules) -> None:
    assert rules.age.min_years == 18
    assert rules.age.max_years == 60
    assert (rules.weight.min_kg_female, rules.weight.min_kg_male) == (42, 45)
    assert rules.weight.small_volume_ml == 250
    assert (rules.weight.ml_per_kg, rules.weight.max_ml) == (9, 500)
    assert (rules.apheresis.min_kg, rules.apheresis.max_ml) == (50, 500)
    assert (rules.apheresis.high_min_kg, rules.apheresis.high_max_ml) == (60, 650)
    assert {k: v.weeks for k, v in rules.intervals.items()} == {
        DonationKind.WHOLE_BLOOD: 12,
        DonationKind.RED_CELLS: 12,
        DonationKind.PLATELETS: 2,
        DonationKind.PLASMA: 2,
    }
    assert (rules.site.haemoglobin_min_g_l, rules.site.haemoglobin_min_g_l_large) == (120, 125)


@pytest.mark.parametrize(
    ("cid", "amount", "unit"),
    [
        *[
            (c, 12, Unit.MONTHS)
            for c in (
                "surgery",
                "childbirth",
                "pregnancy_end",
                "transfusion",
                "malaria_cured",
                "syphilis_cured",
                "tuberculosis_cured",
                "tetanus_cured",
                "encephalitis_cured",
                "meningitis_cured",
                "rabies_vaccine",
            )
        ],
        *[
            (c, 6, Unit.MONTHS)
            for c in (
                "tattoo",
                "piercing",
                "blood_exposure",
                "typhoid",
                "sepsis",
                "snakebite",
                "thrombophlebitis",
                "osteomyelitis",
                "pancreatitis",
            )
        ],
        ("common_infection", 4, Unit.WEEKS),
        ("vaccine_live", 4, Unit.WEEKS),
        *[(c, 7, Unit.DAYS) for c in ("flu", "cold", "allergy_flare", "migraine", "vaccine_other")],
    ],
)
def test_deferral_periods(rules: Rules, cid: str, amount: int, unit: Unit) -> None:
    period = rules.deferrals[cid].period
    assert period is not None
    assert (period.amount, period.unit) == (amount, unit)


def test_permanent_conditions(rules: Rules) -> None:
    assert {"hiv", "hepatitis_b", "hepatitis_c"} <= set(rules.permanent)


def test_site_topics(rules: Rules) -> None:
    assert {"antibiotics", "alcohol", "breastfeeding", "special_work"} <= set(rules.advice)


def test_every_rule_cites_the_circular(rules: Rules) -> None:
    sources = [rules.age.source, rules.weight.source, rules.apheresis.source]
    sources += [i.source for i in rules.intervals.values()]
    sources += [c.source for c in rules.deferrals.values()]
    sources += [c.source for c in rules.permanent.values()]
    for source in sources:
        assert source.startswith(f"{CIRCULAR}, Điều "), source
    for cond in rules.advice.values():  # the circular is silent on most: say who advises
        assert cond.source.strip(), cond.id
    for cid, cond in rules.deferrals.items():
        assert cond.source.startswith(f"{CIRCULAR}, Điều 5"), cid


def test_every_condition_has_keywords_folded_by_the_loader(rules: Rules) -> None:
    for cond in rules.conditions():
        assert cond.keywords_vi or cond.keywords_en, cond.id
        assert cond.keywords_folded == tuple(fold(k) for k in cond.keywords), cond.id
        for kw in cond.keywords:
            assert kw == unicodedata.normalize("NFC", kw)


# ---------------------------------------------------------------------------------- catalogs


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    vi, en = catalog("vi"), catalog("en")
    assert set(vi) == set(en)
    for key in vi:
        assert key.startswith("elig_"), key
        assert placeholders(vi[key]) == placeholders(en[key]), key


def test_every_message_used_exists_with_its_placeholders(rules: Rules) -> None:
    used = message_params(rules)
    assert set(ENGINE_MESSAGES) <= set(used)
    for lang in CATALOGS:
        texts = catalog(lang)
        missing = sorted(set(used) - set(texts))
        assert not missing, f"{lang} lacks {missing}"
        for key, params in used.items():
            assert placeholders(texts[key]) == params, (lang, key)
            texts[key].format(**dict.fromkeys(params, "1"))


def test_catalog_has_no_unused_keys(rules: Rules) -> None:
    assert set(catalog("vi")) == set(message_params(rules))


def test_vietnamese_catalog_is_nfc_and_speaks_to_ban() -> None:
    texts = catalog("vi")
    raw = CATALOGS["vi"].read_text("utf-8")
    assert raw == unicodedata.normalize("NFC", raw)
    for key, text in texts.items():
        assert "  " not in text, key
        assert len(text) < 240, key
    assert sum("bạn" in t.lower() for t in texts.values()) > len(texts) // 2
    # One voice: the bot says "bot", never "mình" (and in English "the bot", never "I" or "me").
    for key, text in texts.items():
        assert not re.search(r"\bmình\b", text.lower()), key
    for key, text in catalog("en").items():
        assert not re.search(r"\b(I|me|my)\b", text), key


# ------------------------------------------------------------------------------ broken files


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = RULES_PATH.read_text("utf-8")
    assert old in text, old
    path = tmp_path / "eligibility.toml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        (
            "[deferrals.tattoo]\nmonths = 6",
            "[deferrals.tattoo]\nmonths = 0",
            "deferrals.tattoo.months",
            "must be a positive integer",
        ),
        (
            "[deferrals.tattoo]\nmonths = 6",
            '[deferrals.tattoo]\nmonths = "6"',
            "deferrals.tattoo.months",
            "must be a positive integer",
        ),
        (
            "[deferrals.tattoo]\nmonths = 6",
            "[deferrals.tattoo]\nmonths = 6\nweeks = 2",
            "deferrals.tattoo",
            "exactly one of months, weeks or days",
        ),
        (
            "[deferrals.flu]\ndays = 7",
            "[deferrals.flu]\nday = 7",
            "deferrals.flu.day",
            "unknown key",
        ),
        (
            'message = "elig_deferral_surgery"\nsource = "Thông tư 26/2013/TT-BYT, Điều 5 khoản 1 điểm a"',
            'message = "elig_deferral_surgery"',
            "deferrals.surgery.source",
            "must be a non-empty string",
        ),
        (
            'message = "elig_deferral_surgery"',
            'message = "surgery"',
            "deferrals.surgery.message",
            "message key",
        ),
        ("min_years = 18", "min_years = -18", "age.min_years", "must be a positive integer"),
        ("max_years = 60", "max_years = 16", "age.max_years", "greater than"),
        ("min_kg_female = 42", "min_kg_female = 0", "weight.min_kg_female", "positive number"),
        ("[intervals.apheresis_plasma]\nweeks = 2", "[intervals.x]\nweeks = 2", "intervals.x", ""),
        (
            'keywords_en = ["tattoo",',
            'keywords_en = ["flu", "tattoo",',
            "deferrals.flu.keywords",  # tattoo comes first in the file
            "also listed in deferrals.tattoo",
        ),
        (
            'keywords_vi = ["sốt rét"]',
            'keywords_vi = ["sốt rét", 3]',
            "deferrals.malaria_cured.keywords_vi[1]",
            "non-empty string",
        ),
        ("schema = 1", "schema = 2", "schema", "must be 1"),
        ("[permanent.hiv]", "[permanent.HIV]", "permanent.HIV", "condition ids"),
        (
            "[advice.antibiotics]\ndays = 7",
            "[advice.antibiotics]\ndays = 7.5",
            "advice.antibiotics.days",
            "positive integer",
        ),
    ],
)
def test_broken_copy_names_the_key(tmp_path: Path, old: str, new: str, key: str, problem: str) -> None:
    with pytest.raises(RulesError) as info:
        load_rules(broken(tmp_path, old, new))
    assert info.value.key == key
    assert problem in str(info.value)
    assert str(info.value).startswith(f"{key}: ")


def test_missing_interval_is_named(tmp_path: Path) -> None:
    path = broken(tmp_path, "[intervals.apheresis_plasma]\nweeks = 2", "")
    path.write_text(
        path.read_text("utf-8").replace(
            'source = "Thông tư 26/2013/TT-BYT, Điều 6 khoản 2"\n\n[site_checks]', "[site_checks]"
        ),
        "utf-8",
    )
    with pytest.raises(RulesError, match=r"^intervals\.apheresis_plasma: must be a table"):
        load_rules(path)


def test_not_toml_or_missing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[age\nmin_years = 18", "utf-8")
    with pytest.raises(RulesError, match="not valid UTF-8 TOML"):
        load_rules(bad)
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "absent.toml")
