"""Which donor groups a call-out asks for: same group by default, a red-cell table when widened."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.config import load_settings
from domain.compatibility import (
    COMPONENTS,
    GROUPS,
    RED_CELL_DONORS,
    check_table,
    donors_for,
    is_rh_negative,
    red_cells_compatible,
)

groups = st.sampled_from(GROUPS)
components = st.sampled_from(COMPONENTS)


@pytest.mark.parametrize(
    ("needed", "component", "table", "expected"),
    [
        ("O+", "whole_blood", None, ("O+",)),
        ("A-", "platelets", None, ("A-",)),
        ("A+", "whole_blood", RED_CELL_DONORS, ("A+", "A-", "O+", "O-")),
        ("O+", "whole_blood", RED_CELL_DONORS, ("O+", "O-")),
        ("O-", "whole_blood", RED_CELL_DONORS, ("O-",)),
        ("AB-", "whole_blood", RED_CELL_DONORS, ("AB-", "A-", "B-", "O-")),
        # The red-cell table never widens platelets ...
        ("A+", "platelets", RED_CELL_DONORS, ("A+",)),
        # ... only the table's platelet keys do.
        ("A+", "platelets", {"platelets:A+": ["O+", "A+"]}, ("A+", "O+")),
        ("A+", "whole_blood", {"platelets:A+": ["O+"]}, ("A+",)),
        # A group missing from the table: same group only.
        ("B+", "whole_blood", {"A+": ["O+"]}, ("B+",)),
    ],
)
def test_examples(
    needed: str, component: str, table: dict[str, list[str]] | None, expected: tuple[str, ...]
) -> None:
    assert donors_for(needed, component=component, table=table) == expected


@pytest.mark.parametrize("bad", ["O", "o+", "??", "C+", "O?", ""])
def test_bad_group_codes_are_bugs(bad: str) -> None:
    with pytest.raises(ValueError, match="not a blood group code"):
        donors_for(bad, component="whole_blood")


def test_unknown_component() -> None:
    with pytest.raises(ValueError, match="unknown component"):
        donors_for("O+", component="plasma")


@given(groups, components, st.booleans())
def test_the_same_group_is_always_asked_first(needed: str, component: str, widen: bool) -> None:
    table = RED_CELL_DONORS if widen else None
    found = donors_for(needed, component=component, table=table)
    assert found[0] == needed
    assert len(found) == len(set(found))


@given(groups)
def test_o_negative_is_a_universal_red_cell_donor_when_widened(needed: str) -> None:
    assert "O-" in donors_for(needed, component="whole_blood", table=RED_CELL_DONORS)
    assert red_cells_compatible("O-", needed)


@given(groups, groups)
def test_the_standard_table_is_exactly_the_compatibility_rule(needed: str, donor: str) -> None:
    widened = donors_for(needed, component="whole_blood", table=RED_CELL_DONORS)
    assert (donor in widened) == red_cells_compatible(donor, needed)


@given(groups)
def test_without_a_table_only_the_same_group(needed: str) -> None:
    for component in COMPONENTS:
        assert donors_for(needed, component=component, table=None) == (needed,)


@given(groups)
def test_ab_positive_receives_from_everyone_and_rh_negative_only_from_rh_negative(needed: str) -> None:
    assert red_cells_compatible(needed, "AB+")
    for donor in donors_for(needed, component="whole_blood", table=RED_CELL_DONORS):
        if is_rh_negative(needed):
            assert is_rh_negative(donor)


def test_check_table_names_the_key_and_the_problem() -> None:
    assert check_table(RED_CELL_DONORS) == []
    assert check_table({"platelets:O+": ["A+", "B+"]}) == []  # platelets are not checked by red-cell rules
    assert check_table({"O-": ["O+"]}) == ["O-: red cells of O+ must not be given to O-"]
    assert check_table({"A+": ["AB+"]}) == ["A+: red cells of AB+ must not be given to A+"]
    assert check_table({"A+": ["Z"]}) == ["A+: 'Z' is not a blood group"]
    assert check_table({"X": ["O+"]})[0].startswith("X: not a blood group")


def test_the_shipped_config_writes_out_the_standard_table_disabled() -> None:
    settings = load_settings(environ={})
    assert settings.callouts.widen_red_cells is False
    assert {k: tuple(v) for k, v in settings.callouts.compatibility.items()} == dict(RED_CELL_DONORS)
