"""`donorbot organiser add|invite` with the roles of domain/roles.py: each role takes only its kind of
scope, a desk's drive day must exist, and nothing is written when the role and scope do not fit."""

from __future__ import annotations

import pytest

from tests.integration.test_cli_output import Donorbot, donorbot  # noqa: F401  (the fixture)
from tests.integration.test_drive_cli import PLAN

ORGANISER_SCOPES = "the role organiser needs a scope area or ward:… or organisation:…"


def test_a_desk_needs_a_drive_day_that_exists(donorbot: Donorbot) -> None:  # noqa: F811
    code, _, err = donorbot(
        "organiser", "add", "--user-id", "7001", "--role", "desk", "--scope", "drive_day:99"
    )
    assert code == 2 and "there is no drive day 99" in err
    assert donorbot("organiser", "list")[1] == ""
    assert donorbot("drive", "import", str(PLAN))[0] == 0
    code, out, err = donorbot(
        "organiser", "add", "--user-id", "7001", "--role", "desk", "--scope", "drive_day:1"
    )
    assert (code, err) == (0, "") and out.startswith("telegram:7001 is now desk (scope drive_day:1).\n")
    assert donorbot("organiser", "list")[1] == "telegram:7001\tdesk\tdrive_day:1\n"


@pytest.mark.parametrize(
    ("role", "scope", "problem"),
    [
        ("desk", "area", "the role desk needs a scope drive_day:…, not 'area'"),
        ("desk", "ward:Tam Lưu", "the role desk needs a scope drive_day:…"),
        ("desk", "drive_day:abc", "a drive day is named by its id"),
        ("club_leader", "area", "the role club_leader needs a scope club:…"),
        ("club_leader", "ward:Tam Lưu", "the role club_leader needs a scope club:…"),
        ("organiser", "club:clb-kinh-mon", ORGANISER_SCOPES),
        ("organiser", "drive_day:1", ORGANISER_SCOPES),
    ],
)
def test_a_role_takes_only_its_kind_of_scope(
    donorbot: Donorbot,  # noqa: F811
    role: str,
    scope: str,
    problem: str,
) -> None:
    for action in (["add", "--user-id", "7002"], ["invite"]):
        code, out, err = donorbot("organiser", *action, "--role", role, "--scope", scope)
        assert code == 2 and problem in err and out == ""
    assert donorbot("organiser", "list")[1] == ""
    assert donorbot("organiser", "invites")[1] == ""


def test_a_club_leader_and_an_invite_for_a_desk(donorbot: Donorbot) -> None:  # noqa: F811
    code, out, err = donorbot(
        "organiser", "add", "--user-id", "7003", "--role", "club_leader", "--scope", "club:clb-kinh-mon"
    )
    assert (code, err) == (0, "") and "is now club_leader (scope club:clb-kinh-mon)." in out
    code, _, err = donorbot("organiser", "invite", "--role", "desk", "--scope", "drive_day:5")
    assert code == 2 and "there is no drive day 5" in err
    assert donorbot("drive", "import", str(PLAN))[0] == 0
    code, out, err = donorbot("organiser", "invite", "--role", "desk", "--scope", "drive_day:1")
    assert (code, err) == (0, "") and "becomes desk (drive_day:1)" in out
    assert "\tdesk\tdrive_day:1\t" in donorbot("organiser", "invites")[1]


def test_an_admin_is_the_area_whatever_the_scope(donorbot: Donorbot) -> None:  # noqa: F811
    code, out, _ = donorbot(
        "organiser", "add", "--user-id", "7004", "--role", "admin", "--scope", "ward:Tam Lưu"
    )
    assert code == 0 and out.startswith("telegram:7004 is now admin.\n")
    assert donorbot("organiser", "list")[1] == "telegram:7004\tadmin\n"
