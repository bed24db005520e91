"""The rules of Thông tư 26/2013/TT-BYT as typed data: what ``data/eligibility.toml`` says.

These are the values :func:`domain.rules_file.load_rules` reads from the file and
:func:`domain.eligibility.assess` applies; keeping them apart from both lets the screening
questions (:mod:`domain.screening`), the call-out matching and the desk use the numbers without
the TOML reader or the engine. All numbers and condition lists come from the file, so an organiser
can follow a change of the law without touching code.

Periods in months end on the same day of the month; when that day does not exist the period ends
on the 1st of the next month (the later day: :func:`domain.calendar.add_months_rolled`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from domain.calendar import add_months_rolled

__all__ = [
    "AgeRule",
    "ApheresisRule",
    "Condition",
    "ConditionKind",
    "DonationKind",
    "Interval",
    "Period",
    "Rules",
    "SiteChecks",
    "Unit",
    "WeightRule",
]


class DonationKind(StrEnum):
    WHOLE_BLOOD = "whole_blood"
    RED_CELLS = "apheresis_red_cells"
    PLATELETS = "apheresis_platelets"
    PLASMA = "apheresis_plasma"


class Unit(StrEnum):
    MONTHS = "months"
    WEEKS = "weeks"
    DAYS = "days"


class ConditionKind(StrEnum):
    DEFERRAL = "deferral"
    PERMANENT = "permanent"
    ADVICE = "advice"


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Unit

    def after(self, start: date) -> date:
        """The first day after the period that started on ``start`` has fully passed."""
        if self.unit is Unit.MONTHS:
            return add_months_rolled(start, self.amount)
        if self.unit is Unit.WEEKS:
            return start + timedelta(weeks=self.amount)
        return start + timedelta(days=self.amount)


@dataclass(frozen=True)
class Condition:
    id: str
    kind: ConditionKind
    message: str
    source: str
    period: Period | None = None  # deferrals with a fixed period
    open_ended: bool = False  # deferral lasting while the state lasts (pregnancy)
    params: Mapping[str, int] = field(default_factory=dict)  # numbers the message shows
    keywords_vi: tuple[str, ...] = ()  # NFC, lower case, as written in the file
    keywords_en: tuple[str, ...] = ()
    keywords_folded: tuple[str, ...] = ()  # every keyword through domain.text.fold

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.keywords_vi + self.keywords_en

    def message_params(self) -> frozenset[str]:
        """The placeholders the engine fills in this condition's message."""
        names = set(self.params)
        if self.period is not None:
            names |= {"date", str(self.period.unit)}
        return frozenset(names)


@dataclass(frozen=True)
class AgeRule:
    min_years: int
    max_years: int  # inclusive: eligible until the day before the (max + 1)th birthday
    source: str


@dataclass(frozen=True)
class WeightRule:
    min_kg_female: float
    min_kg_male: float
    full_volume_from_kg: float  # below it (and above the minimum): small_volume_ml at most
    small_volume_ml: int
    ml_per_kg: float
    max_ml: int
    volumes_ml: tuple[int, ...]  # standard bag volumes; the limit is the largest that fits
    source: str

    def max_volume_ml(self, weight_kg: float) -> int | None:
        if weight_kg < min(self.min_kg_female, self.min_kg_male):
            return None
        if weight_kg < self.full_volume_from_kg:
            limit = float(self.small_volume_ml)
        else:
            limit = min(float(self.max_ml), self.ml_per_kg * weight_kg)
        fitting = [v for v in self.volumes_ml if v <= limit + 1e-9]
        return max(fitting) if fitting else None


@dataclass(frozen=True)
class ApheresisRule:
    min_kg: float
    max_ml: int
    high_min_kg: float
    high_max_ml: int
    source: str

    def max_volume_ml(self, weight_kg: float) -> int | None:
        if weight_kg >= self.high_min_kg:
            return self.high_max_ml
        if weight_kg >= self.min_kg:
            return self.max_ml
        return None


@dataclass(frozen=True)
class Interval:
    weeks: int
    source: str


@dataclass(frozen=True)
class SiteChecks:
    haemoglobin_min_g_l: int
    haemoglobin_min_g_l_large: int
    large_volume_from_ml: int
    source: str


@dataclass(frozen=True)
class Rules:
    law: str
    age: AgeRule
    weight: WeightRule
    apheresis: ApheresisRule
    intervals: Mapping[DonationKind, Interval]
    deferrals: Mapping[str, Condition]
    permanent: Mapping[str, Condition]
    advice: Mapping[str, Condition]
    site: SiteChecks

    def conditions(self) -> Iterator[Condition]:
        yield from self.deferrals.values()
        yield from self.permanent.values()
        yield from self.advice.values()

    def condition(self, condition_id: str) -> Condition | None:
        for table in (self.deferrals, self.permanent, self.advice):
            if condition_id in table:
                return table[condition_id]
        return None
