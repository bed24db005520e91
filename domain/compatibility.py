"""Which donors' blood groups an emergency call-out may ask for. Pure; no I/O.

By default a call-out asks only for the group it needs (same ABO and same Rh): what the hospital asked
for is what it gets. Organisers may widen it for red cells (whole blood) through a table in
``config.toml`` (``[callouts.compatibility]``, enabled by ``widen_red_cells``): needed group → donor
groups. The standard ABO/Rh red-cell table is :data:`RED_CELL_DONORS`; a table that lets a donor give red
cells to a group they are not compatible with is refused (:func:`check_table`).

Platelets are asked for the same group only. Where a blood centre accepts other groups for platelets
(ABO-mismatched platelets are sometimes given), the same table may say so with keys written
``"platelets:A+"``; these are never checked against the red-cell rules and never apply to whole blood.

Codes are the storage codes of :mod:`domain.blood` ("O+", "AB-"), never with unknown parts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

__all__ = [
    "COMPONENTS",
    "GROUPS",
    "PLATELETS",
    "PLATELETS_PREFIX",
    "RED_CELL_DONORS",
    "WHOLE_BLOOD",
    "check_table",
    "donors_for",
    "is_rh_negative",
    "red_cells_compatible",
    "widest_table",
]

WHOLE_BLOOD: Final = "whole_blood"
PLATELETS: Final = "platelets"
COMPONENTS: Final = (WHOLE_BLOOD, PLATELETS)
PLATELETS_PREFIX: Final = "platelets:"

GROUPS: Final = ("O+", "O-", "A+", "A-", "B+", "B-", "AB+", "AB-")
"""Every known group code, the most common in Vietnam first."""

_ANTIGENS: Final = {"O": frozenset(), "A": frozenset("A"), "B": frozenset("B"), "AB": frozenset("AB")}

RED_CELL_DONORS: Final[Mapping[str, tuple[str, ...]]] = {
    "O+": ("O+", "O-"),
    "O-": ("O-",),
    "A+": ("A+", "A-", "O+", "O-"),
    "A-": ("A-", "O-"),
    "B+": ("B+", "B-", "O+", "O-"),
    "B-": ("B-", "O-"),
    "AB+": ("AB+", "AB-", "A+", "A-", "B+", "B-", "O+", "O-"),
    "AB-": ("AB-", "A-", "B-", "O-"),
}
"""Standard ABO/Rh red-cell compatibility: needed group → groups whose red cells it may receive."""


def _split(code: str) -> tuple[str, str]:
    if code not in GROUPS:
        raise ValueError(f"not a blood group code: {code!r} (one of {', '.join(GROUPS)})")
    return code[:-1], code[-1]


def red_cells_compatible(donor: str, recipient: str) -> bool:
    """True when red cells of group `donor` may be given to a patient of group `recipient`.

    The donor's cells must carry no ABO antigen the recipient lacks, and an Rh− patient gets Rh− cells.
    """
    donor_abo, donor_rh = _split(donor)
    recipient_abo, recipient_rh = _split(recipient)
    abo_ok = _ANTIGENS[donor_abo] <= _ANTIGENS[recipient_abo]
    rh_ok = donor_rh == "-" or recipient_rh == "+"
    return abo_ok and rh_ok


def is_rh_negative(code: str) -> bool:
    return _split(code)[1] == "-"


def donors_for(
    needed: str, *, component: str, table: Mapping[str, Sequence[str]] | None = None
) -> tuple[str, ...]:
    """The donor groups a call-out for `needed` asks for: the same group first, then the table's order.

    `table` is the configured table, or None when widening is off. Whole blood uses its plain keys
    ("A+"); platelets only its ``"platelets:A+"`` keys, so a red-cell table never widens platelets.
    """
    _split(needed)
    if component not in COMPONENTS:
        raise ValueError(f"unknown component {component!r} (one of {', '.join(COMPONENTS)})")
    key = needed if component == WHOLE_BLOOD else PLATELETS_PREFIX + needed
    found = [needed]
    for code in (table or {}).get(key, ()):
        _split(code)
        if code not in found:
            found.append(code)
    return tuple(found)


def widest_table(table: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    """The table a call-out uses when its organiser widens it (a preview with too few donors): the
    standard red-cell table for whole blood, and for platelets only the configured ``"platelets:…"``
    entries (ABO-mismatched platelets are a blood centre's decision, never ours)."""
    widest: dict[str, tuple[str, ...]] = dict(RED_CELL_DONORS)
    for key, codes in (table or {}).items():
        if key.startswith(PLATELETS_PREFIX):
            widest[key] = tuple(codes)
    return widest


def check_table(table: Mapping[str, Sequence[str]]) -> list[str]:
    """Problems with a configured table (empty when it is fine), each starting with the key.

    Keys are group codes (red cells) or ``platelets:`` + a code; values lists of group codes. A red-cell
    entry may list only groups compatible by :func:`red_cells_compatible`.
    """
    problems: list[str] = []
    for key, codes in table.items():
        platelets = key.startswith(PLATELETS_PREFIX)
        needed = key.removeprefix(PLATELETS_PREFIX)
        if needed not in GROUPS:
            problems.append(f"{key}: not a blood group (one of {', '.join(GROUPS)}, or platelets:<group>)")
            continue
        for code in codes:
            if code not in GROUPS:
                problems.append(f"{key}: {code!r} is not a blood group")
            elif not platelets and not red_cells_compatible(code, needed):
                problems.append(f"{key}: red cells of {code} must not be given to {needed}")
    return problems
