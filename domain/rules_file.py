"""Reading ``data/eligibility.toml`` into typed :class:`~domain.rules.Rules`, refusing a bad file.

The file is edited by organisers when the law changes, so :func:`load_rules` checks everything a
typo could break and raises :class:`RulesError` naming the dotted key (``weight.min_kg_male``): an
unknown key, a missing or non-positive number, a deferral with no period or two, a condition id or
keyword used twice, a message key used with other placeholders than the engine gives it
(:data:`domain.eligibility.ENGINE_MESSAGES`). What the numbers *mean* is :mod:`domain.rules`.
"""

from __future__ import annotations

import math
import string
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domain.eligibility import ENGINE_MESSAGES
from domain.rules import (
    AgeRule,
    ApheresisRule,
    Condition,
    ConditionKind,
    DonationKind,
    Interval,
    Period,
    Rules,
    SiteChecks,
    Unit,
    WeightRule,
)
from domain.text import fold, nfc

__all__ = ["RulesError", "load_rules"]


class RulesError(ValueError):
    """The rules file is missing, unreadable or inconsistent; ``key`` is the dotted key path."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key = key
        self.problem = problem


_ID_CHARS = frozenset(string.ascii_lowercase + string.digits + "_")
_UNITS = tuple(Unit)


class _Reader:
    """Typed access to a TOML table that reports the dotted key path of every problem."""

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        self.data = data
        self.path = path

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def table(self, name: str) -> _Reader:
        value = self.data.get(name)
        if not isinstance(value, dict):
            raise RulesError(self.key(name), "must be a table")
        return _Reader(value, self.key(name))

    def has(self, name: str) -> bool:
        return name in self.data

    def positive_int(self, name: str) -> int:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise RulesError(self.key(name), "must be a positive integer")
        return value

    def positive_number(self, name: str) -> float:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise RulesError(self.key(name), "must be a positive number")
        if not math.isfinite(value):
            raise RulesError(self.key(name), "must be a finite number")
        return float(value)

    def text(self, name: str) -> str:
        value = self.data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise RulesError(self.key(name), "must be a non-empty string")
        return nfc(value.strip())

    def source(self) -> str:
        return self.text("source")

    def message(self) -> str:
        value = self.text("message")
        if not value.startswith("elig_") or not set(value) <= _ID_CHARS:
            raise RulesError(self.key("message"), "must be a message key like elig_something")
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise RulesError(self.key(name), "must be a list of strings")
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not fold(item):
                raise RulesError(f"{self.key(name)}[{i}]", "must be a non-empty string")
            out.append(" ".join(nfc(item).lower().split()))
        return tuple(out)

    def ints(self, name: str) -> tuple[int, ...]:
        value = self.data.get(name)
        if not isinstance(value, list) or not value:
            raise RulesError(self.key(name), "must be a non-empty list of positive integers")
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
                raise RulesError(f"{self.key(name)}[{i}]", "must be a positive integer")
        return tuple(sorted(set(value)))

    def only(self, allowed: set[str]) -> None:
        for name in self.data:
            if name not in allowed:
                raise RulesError(self.key(name), "unknown key")


def _condition(reader: _Reader, cid: str, kind: ConditionKind) -> Condition:
    if not cid or not set(cid) <= _ID_CHARS:
        raise RulesError(reader.path, "condition ids use lower-case letters, digits and _")
    base = {"message", "source", "keywords_vi", "keywords_en", "note"}
    period: Period | None = None
    open_ended = False
    params: dict[str, int] = {}
    if kind is ConditionKind.DEFERRAL:
        reader.only(base | set(_UNITS) | {"open_ended"})
        units = [u for u in _UNITS if reader.has(u)]
        if reader.data.get("open_ended") is True:
            if units:
                raise RulesError(reader.key(units[0]), "an open-ended deferral has no period")
            open_ended = True
        elif reader.has("open_ended"):
            raise RulesError(reader.key("open_ended"), "must be true when present")
        elif len(units) != 1:
            raise RulesError(reader.path, "needs exactly one of months, weeks or days")
        else:
            period = Period(reader.positive_int(units[0]), units[0])
    elif kind is ConditionKind.ADVICE:
        reader.only(base | {"days", "hours"})
        params = {name: reader.positive_int(name) for name in ("days", "hours") if reader.has(name)}
    else:
        reader.only(base)
    if reader.has("note"):
        reader.text("note")
    vi = reader.strings("keywords_vi")
    en = reader.strings("keywords_en")
    return Condition(
        id=cid,
        kind=kind,
        message=reader.message(),
        source=reader.source(),
        period=period,
        open_ended=open_ended,
        params=params,
        keywords_vi=vi,
        keywords_en=en,
        keywords_folded=tuple(fold(k) for k in vi + en),
    )


def _conditions(root: _Reader, name: str, kind: ConditionKind) -> dict[str, Condition]:
    table = root.table(name)
    out: dict[str, Condition] = {}
    for cid in table.data:
        out[cid] = _condition(table.table(cid), cid, kind)
    if not out:
        raise RulesError(table.path, "must list at least one condition")
    return out


def _parse_rules(data: Mapping[str, Any]) -> Rules:
    root = _Reader(data, "")
    root.only(
        {"schema", "law", "age", "weight", "apheresis", "intervals"}
        | {"deferrals", "permanent", "advice", "site_checks"}
    )
    if root.data.get("schema") != 1:
        raise RulesError("schema", "must be 1")

    age_t = root.table("age")
    age_t.only({"min_years", "max_years", "source", "note"})
    age = AgeRule(age_t.positive_int("min_years"), age_t.positive_int("max_years"), age_t.source())
    if age.max_years <= age.min_years:
        raise RulesError("age.max_years", "must be greater than age.min_years")

    w = root.table("weight")
    w.only(
        {"min_kg_female", "min_kg_male", "full_volume_from_kg", "small_volume_ml", "ml_per_kg"}
        | {"max_ml", "volumes_ml", "source", "note"}
    )
    weight = WeightRule(
        min_kg_female=w.positive_number("min_kg_female"),
        min_kg_male=w.positive_number("min_kg_male"),
        full_volume_from_kg=w.positive_number("full_volume_from_kg"),
        small_volume_ml=w.positive_int("small_volume_ml"),
        ml_per_kg=w.positive_number("ml_per_kg"),
        max_ml=w.positive_int("max_ml"),
        volumes_ml=w.ints("volumes_ml"),
        source=w.source(),
    )
    if weight.full_volume_from_kg < min(weight.min_kg_female, weight.min_kg_male):
        raise RulesError("weight.full_volume_from_kg", "must not be below the minimum weights")
    if weight.small_volume_ml not in weight.volumes_ml:
        raise RulesError("weight.small_volume_ml", "must be one of weight.volumes_ml")

    a = root.table("apheresis")
    a.only({"min_kg", "max_ml", "high_min_kg", "high_max_ml", "source", "note"})
    apheresis = ApheresisRule(
        a.positive_number("min_kg"),
        a.positive_int("max_ml"),
        a.positive_number("high_min_kg"),
        a.positive_int("high_max_ml"),
        a.source(),
    )
    if apheresis.high_min_kg <= apheresis.min_kg:
        raise RulesError("apheresis.high_min_kg", "must be greater than apheresis.min_kg")

    it = root.table("intervals")
    it.only({k.value for k in DonationKind} | {"note"})
    intervals: dict[DonationKind, Interval] = {}
    for kind in DonationKind:
        entry = it.table(kind.value)
        entry.only({"weeks", "source", "note"})
        intervals[kind] = Interval(entry.positive_int("weeks"), entry.source())

    s = root.table("site_checks")
    s.only({"haemoglobin_min_g_l", "haemoglobin_min_g_l_large", "large_volume_from_ml"} | {"source", "note"})
    site = SiteChecks(
        s.positive_int("haemoglobin_min_g_l"),
        s.positive_int("haemoglobin_min_g_l_large"),
        s.positive_int("large_volume_from_ml"),
        s.source(),
    )

    rules = Rules(
        law=root.text("law"),
        age=age,
        weight=weight,
        apheresis=apheresis,
        intervals=intervals,
        deferrals=_conditions(root, "deferrals", ConditionKind.DEFERRAL),
        permanent=_conditions(root, "permanent", ConditionKind.PERMANENT),
        advice=_conditions(root, "advice", ConditionKind.ADVICE),
        site=site,
    )
    _check_consistency(rules)
    return rules


def _check_consistency(rules: Rules) -> None:
    seen_ids: dict[str, str] = {}
    seen_keywords: dict[str, str] = {}
    messages: dict[str, frozenset[str]] = dict(ENGINE_MESSAGES)
    for cond in rules.conditions():
        table = {
            ConditionKind.DEFERRAL: "deferrals",
            ConditionKind.PERMANENT: "permanent",
            ConditionKind.ADVICE: "advice",
        }[cond.kind]
        where = f"{table}.{cond.id}"
        if cond.id in seen_ids:
            raise RulesError(where, f"the id is also used in {seen_ids[cond.id]}")
        seen_ids[cond.id] = where
        if cond.message in messages and messages[cond.message] != cond.message_params():
            raise RulesError(f"{where}.message", f"{cond.message} is used elsewhere with other placeholders")
        messages[cond.message] = cond.message_params()
        for kw in cond.keywords_folded:
            if kw in seen_keywords and seen_keywords[kw] != where:
                raise RulesError(f"{where}.keywords", f"keyword {kw!r} is also listed in {seen_keywords[kw]}")
            seen_keywords[kw] = where


def load_rules(path: str | Path) -> Rules:
    """Reads and validates the rules file; raises :class:`RulesError` naming the bad key."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RulesError("", f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError("", f"{path} is not valid UTF-8 TOML: {exc}") from exc
    return _parse_rules(data)
