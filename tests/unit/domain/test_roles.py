"""The permission table (domain/roles.py) and the club and drive-day scopes (domain/figures.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.figures import Scope, ScopeKind
from domain.roles import CLUB_LEADER, GRANTS, SCOPE_KINDS, Capability, Grant, Role, scope_problem

NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1)


@given(
    st.one_of(
        st.just(Scope.area()),
        NAMES.map(Scope.ward),
        NAMES.map(Scope.organisation),
        NAMES.map(Scope.club),
        st.integers(min_value=1, max_value=2**31 - 1).map(Scope.drive_day),
    )
)
def test_every_scope_is_read_back_from_its_text(scope: Scope) -> None:
    if ":" in (scope.name or "") or len(scope.text) > 140:
        return  # a name with a colon is kept whole after the first one; too long is refused
    assert Scope.parse(scope.text) == scope


def test_new_scopes_read_and_written() -> None:
    assert Scope.parse("drive_day: 12 ") == Scope.drive_day(12)
    assert Scope.drive_day(12).text == "drive_day:12" and Scope.drive_day(12).drive_day_id == 12
    assert Scope.parse("club:clb-kinh-mon") == Scope.club("clb-kinh-mon")
    assert Scope.ward("Tam Lưu").drive_day_id is None
    for wrong in ("drive_day:abc", "drive_day:0", "drive_day:-3", "drive_day:１２"):
        with pytest.raises(ValueError, match="drive day is named by its id"):
            Scope.parse(wrong)
    with pytest.raises(ValueError, match="names the drive day's id"):
        Scope(ScopeKind.DRIVE_DAY, "x")
    # a club's or a desk's scope covers nobody by ward or organisation (no figures leak through them)
    assert not Scope.club("Tam Lưu").covers(ward="Tam Lưu", organisation="Tam Lưu")
    assert not Scope.drive_day(3).covers(ward=None, organisation=None)


def test_which_drive_days_a_scope_holds() -> None:
    assert Scope.area().holds_drive_day(drive_day_id=1, ward=None)
    assert Scope.ward("Tam Lưu").holds_drive_day(drive_day_id=1, ward="tam luu")
    assert not Scope.ward("Tam Lưu").holds_drive_day(drive_day_id=1, ward="Nhị Chiểu")
    assert not Scope.ward("Tam Lưu").holds_drive_day(drive_day_id=1, ward=None)
    assert Scope.drive_day(7).holds_drive_day(drive_day_id=7, ward="Nhị Chiểu")
    assert not Scope.drive_day(7).holds_drive_day(drive_day_id=8, ward=None)
    assert not Scope.organisation("THPT Kinh Môn").holds_drive_day(drive_day_id=1, ward=None)
    assert not Scope.club("clb").holds_drive_day(drive_day_id=1, ward=None)


def test_the_table() -> None:
    admin = Grant("admin", Scope.ward("Tam Lưu"))  # an admin is the area whatever the column says
    assert admin.effective_scope == Scope.area() and admin.capabilities == frozenset(Capability)
    area = Grant("organiser", Scope.area())
    assert area.may(Capability.CALLOUT) and not area.may(Capability.ORGANISER_ADMIN)
    ward = Grant("organiser", Scope.ward("Tam Lưu"))
    assert ward.may(Capability.DRIVE_CREATE) and ward.may(Capability.CALLOUT)
    organisation = Grant("organiser", Scope.organisation("THPT Kinh Môn"))
    assert organisation.may(Capability.ANNOUNCE) and not organisation.may(Capability.DRIVE_CHANGE)
    desk = Grant("desk", Scope.drive_day(3))
    assert desk.capabilities == {Capability.CHECKIN, Capability.RESULT, Capability.WEB}  # /web logs in
    assert Grant("club_leader", Scope.club("clb")).capabilities == CLUB_LEADER == frozenset()
    # a role with a scope that does not fit it, or a role no release wrote, may do nothing
    assert Grant("desk", Scope.area()).capabilities == frozenset()
    assert Grant("superuser", Scope.area()).capabilities == frozenset()
    for role, kinds in SCOPE_KINDS.items():
        assert all((role, kind) in GRANTS for kind in kinds)


def test_which_scopes_a_role_is_granted_with() -> None:
    assert scope_problem("desk", Scope.drive_day(1)) is None
    assert scope_problem("admin", Scope.ward("x")) is None
    assert scope_problem("desk", Scope.area()) == "the role desk needs a scope drive_day:…, not 'area'"
    assert scope_problem("club_leader", Scope.ward("x")) is not None
    assert scope_problem("organiser", Scope.club("x")) is not None
    assert scope_problem("boss", Scope.area()) == "'boss' is not a role (admin, organiser, club_leader, desk)"
    assert {r.value for r in Role} == {"admin", "organiser", "club_leader", "desk"}


def test_which_call_outs_a_scope_follows() -> None:
    assert Scope.area().holds_callout(wards=None, wards_only=False)
    assert Scope.ward("Tam Lưu").holds_callout(wards=["tam luu"], wards_only=True)
    assert not Scope.ward("Tam Lưu").holds_callout(wards=["Tam Lưu"], wards_only=False), "the area's"
    assert not Scope.ward("Tam Lưu").holds_callout(wards=["Tam Lưu", "Nhị Chiểu"], wards_only=True)
    assert not Scope.ward("Tam Lưu").holds_callout(wards=None, wards_only=False)
    assert not Scope.organisation("THPT").holds_callout(wards=None, wards_only=False)
    assert not Scope.drive_day(1).holds_callout(wards=None, wards_only=False)
