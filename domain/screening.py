"""Which screening question of /kiemtra asks about which condition of the rules file, and for how long.

This is domain data, not dialogue: the rules file (data/eligibility.toml) and the questions must agree,
and `check_groups` refuses a start where they do not (organisers edit the file). The dialogue in
handlers/selfcheck.py asks one group per step, named as the groups here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from domain.rules import ConditionKind, Period, Rules, Unit

PERMANENT: Final = "permanent"

# Screening groups: the condition ids of data/eligibility.toml each group offers as buttons.
GROUPS: Final[Mapping[str, tuple[str, ...]]] = {
    "permanent": ("hiv", "hepatitis_b", "hepatitis_c", "drug_injection", "cancer", "heart_disease"),
    "months_12": (
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
    ),
    "months_6": (
        "tattoo",
        "piercing",
        "blood_exposure",
        "typhoid",
        "sepsis",
        "snakebite",
        "thrombophlebitis",
        "osteomyelitis",
        "pancreatitis",
    ),
    "weeks_4": ("common_infection", "vaccine_live"),
    "days_7": ("flu", "cold", "allergy_flare", "migraine", "vaccine_other"),
    "pregnancy": ("pregnant", "breastfeeding"),
}

# What each screening question says about time ("in the last 12 months ..."): the rules file must agree.
GROUP_PERIODS: Final[Mapping[str, Period]] = {
    "months_12": Period(12, Unit.MONTHS),
    "months_6": Period(6, Unit.MONTHS),
    "weeks_4": Period(4, Unit.WEEKS),
    "days_7": Period(7, Unit.DAYS),
}


def check_groups(rules: Rules) -> list[str]:
    """Where the screening questions and the rules file disagree (organisers edit the file).

    A condition asked "in the last 6 months" but deferring for 12 would let an 8-month-old case pass
    unseen, so the bot refuses to start until the questions are updated to match.
    """
    problems: list[str] = []
    asked = {cid: step for step, ids in GROUPS.items() for cid in ids}
    for cond in rules.conditions():
        if cond.kind is ConditionKind.ADVICE:
            continue
        step = asked.get(cond.id)
        table = "permanent" if cond.kind is ConditionKind.PERMANENT else "deferrals"
        where = f"{table}.{cond.id}"  # the key as written in the rules file
        if step is None:
            problems.append(f"{where}: /kiemtra never asks about it (add it to domain/screening.py GROUPS)")
        elif cond.kind is ConditionKind.PERMANENT and step != PERMANENT:
            problems.append(f"{where}: permanent, but /kiemtra asks about it in {step}")
        elif step in GROUP_PERIODS and cond.period != GROUP_PERIODS[step]:
            period = f"{cond.period.amount} {cond.period.unit.value}" if cond.period else "open-ended"
            problems.append(f"{where}: defers {period}, but /kiemtra asks about it in {step}")
    for cid in asked:
        if rules.condition(cid) is None:
            problems.append(f"domain/screening.py GROUPS: {cid!r} is not in the rules file")
    return problems


# Conditions only a woman can have: never offered to a man (pregnancy itself is its own question).
FEMALE_ONLY = frozenset({"childbirth", "pregnancy_end", "pregnant", "breastfeeding"})
