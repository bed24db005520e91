"""`donorbot drive …` as an organiser types it: output, rows written, audit entries and error messages."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.cli.harness import cli_actor

PLAN = Path(__file__).resolve().parents[2] / "examples" / "kinh-mon-2020.toml"
VN = ZoneInfo("Asia/Ho_Chi_Minh")


class Drive:
    """Runs `donorbot --config <tmp> drive …` in-process and reads the SQLite file it wrote."""

    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = tmp_path / "drives.sqlite3"
        self.config = tmp_path / "config.toml"
        self.config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{self.db}"\n', encoding="utf-8")
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(["--config", str(self.config), "--log-level", "WARNING", "drive", *args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def rows(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db) as db:
            return db.execute(sql, params).fetchall()

    def audit(self) -> list[tuple[object, ...]]:
        return self.rows("SELECT actor, action, target FROM audit_log ORDER BY id")


@pytest.fixture
def drive(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Drive:
    monkeypatch.delenv("DONORBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("DONORBOT_CONFIG", raising=False)
    return Drive(tmp_path, capsys)


def imported(drive: Drive) -> dict[str, int]:
    code, _, _ = drive("import", str(PLAN))
    assert code == 0
    return {str(key): int(str(sid)) for key, sid in drive.rows("SELECT key, id FROM drive_sessions")}


def test_import_twice_then_list(drive: Drive) -> None:
    code, out, err = drive("import", str(PLAN))
    assert code == 0
    assert err == (  # a plan of 2020: imported, and said to be in the past
        f"warning: {PLAN}: every session is before today ({datetime.now(UTC).astimezone(VN):%d/%m/%Y}), "
        "so none of them is offered to donors; check the dates (a plan of a past year?)\n"
    )
    assert "Imported kinh-mon-2020 (Kinh Môn ngàn trái tim vàng): 6 created, 0 updated, 0 unchanged" in out
    code, out, _ = drive("import", str(PLAN))
    assert code == 0
    assert "0 created, 0 updated, 6 unchanged" in out
    assert drive.rows("SELECT count(*) FROM campaigns") == [(1,)]
    assert drive.rows("SELECT count(*) FROM drive_sessions") == [(5,)]
    actor = cli_actor()
    assert actor.startswith("cli:")
    assert drive.audit() == [(actor, "drive.import", "campaign:kinh-mon-2020")] * 2

    code, out, _ = drive("list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Kinh Môn ngàn trái tim vàng [kinh-mon-2020], 2020"
    assert lines[1:3] == ["  Upcoming:", "    (none)"]
    assert lines[3] == "  Past:"
    sessions = lines[4:-1]
    assert lines[-1] == "  Totals: 0 sign-ups, 0 donations (0 ml), 0 deferred"
    assert [line.split()[1] for line in sessions] == [
        "03/08/2020",
        "04/08/2020",
        "05/08/2020",
        "06/08/2020",
        "11/10/2020",
    ]
    assert "07:00–11:30  Nhà văn hóa khu dân cư Tam Lưu (Tam Lưu)  0/250  [round 1]" in sessions[0]
    assert "Trung tâm Văn hóa thị xã Kinh Môn  0/250  [round 2, for education]" in sessions[4]


def test_show_a_session_with_its_slots(drive: Drive) -> None:
    ids = imported(drive)
    code, out, _ = drive("show", str(ids["r1-nhi-chieu"]))
    assert code == 0
    assert f"Session #{ids['r1-nhi-chieu']}" in out
    assert "  Date:      04/08/2020" in out
    assert "  Hours:     07:00–11:30, slots of 30 min" in out
    assert "  Sign-ups:  0/250 (250 free)" in out
    assert "    07:00  0/28" in out and "    11:00  0/27" in out


def test_add_edit_and_cancel_change_rows_and_write_the_audit_log(drive: Drive) -> None:
    imported(drive)
    code, out, err = drive(
        "add",
        "--campaign",
        "kinh-mon-2020",
        "--date",
        "2020-08-07",
        "--start",
        "7:30",
        "--end",
        "10:00",
        "--place",
        "Nhà văn hóa khu 3",
        "--ward",
        "Tam Lưu",
        "--capacity",
        "40",
    )
    assert (code, err) == (0, "")
    [(sid, key, day, start, end, ward, capacity, status)] = drive.rows(
        "SELECT id, key, day, start_time, end_time, ward, capacity, status FROM drive_sessions"
        " WHERE place_name = 'Nhà văn hóa khu 3'"
    )
    assert (key, day, ward, capacity, status) == ("2020-08-07", "2020-08-07", "Tam Lưu", 40, "scheduled")
    assert str(start).startswith("07:30") and str(end).startswith("10:00")
    assert f"Added session #{sid} [2020-08-07] to kinh-mon-2020: 07/08/2020 07:30–10:00" in out

    code, out, err = drive("edit", str(sid), "--date", "08/08/2020", "--start", "08:00", "--capacity", "50")
    assert (code, err) == (0, "")
    assert f"Updated session #{sid}: 08/08/2020 08:00–10:00, Nhà văn hóa khu 3, capacity 50." in out
    [(day, start, capacity)] = drive.rows(
        "SELECT day, start_time, capacity FROM drive_sessions WHERE id = ?", sid
    )
    assert (day, str(start)[:5], capacity) == ("2020-08-08", "08:00", 50)

    code, out, _ = drive("edit", str(sid), "--capacity", "50")
    assert code == 0 and "nothing changed" in out

    code, out, _ = drive("cancel", str(sid))
    assert code == 0
    assert f"Cancelled session #{sid} (08/08/2020, Nhà văn hóa khu 3). No donor had signed up" in out
    assert drive.rows("SELECT status FROM drive_sessions WHERE id = ?", sid) == [("cancelled",)]
    code, out, _ = drive("cancel", str(sid))
    assert code == 0 and "already cancelled" in out

    actor = cli_actor()
    target = f"session:{sid}"
    assert drive.audit()[1:] == [
        (actor, "drive.add", target),
        (actor, "drive.move", target),
        (actor, "drive.edit", target),
        (actor, "drive.cancel", target),
    ]
    code, out, _ = drive("list")
    assert "CANCELLED" in next(line for line in out.splitlines() if f"#{sid} " in line)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "add",
                "--campaign",
                "kinh-mon-2020",
                "--date",
                "2020-02-30",
                "--start",
                "07:00",
                "--end",
                "11:00",
                "--place",
                "X",
            ],
            "--date: '2020-02-30' is not a date; use YYYY-MM-DD",
        ),
        (
            [
                "add",
                "--campaign",
                "kinh-mon-2020",
                "--date",
                "2020-08-07",
                "--start",
                "7h",
                "--end",
                "11:00",
                "--place",
                "X",
            ],
            "--start: '7h' is not a time; use HH:MM",
        ),
        (
            [
                "add",
                "--campaign",
                "nope",
                "--date",
                "2020-08-07",
                "--start",
                "07:00",
                "--end",
                "11:00",
                "--place",
                "X",
            ],
            "no campaign with key 'nope'",
        ),
        (
            [
                "add",
                "--campaign",
                "kinh-mon-2020",
                "--date",
                "2020-08-07",
                "--start",
                "11:00",
                "--end",
                "07:00",
                "--place",
                "X",
            ],
            "end: must be after start (11:00)",
        ),
        (["show", "999"], "ID: no session with id 999"),
        (["show", "abc"], "ID: 'abc' is not a session id"),
        (["show", "²"], "ID: '²' is not a session id"),
        (["show", "99999999999999999999"], "ID: '99999999999999999999' is not a session id"),
        (["cancel", "3000000000"], "ID: '3000000000' is not a session id"),
        (["edit", "1", "--capacity", "3000000000"], "--capacity: must be at most 100000"),
        (["edit", "1", "--capacity", "²"], "--capacity: '²' is not a whole number"),
        (["edit", "999", "--capacity", "10"], "ID: no session with id 999"),
        (["edit", "1"], "nothing to change"),
        (["edit", "1", "--end", "06:00"], "end: 06:00 must be after start 07:00"),
        (["edit", "1", "--capacity", "-3"], "--capacity: must be at least 1"),
        (["cancel", "999"], "ID: no session with id 999"),
        (["list", "--campaign", "nope"], "--campaign: no campaign with key 'nope'"),
    ],
)
def test_mistakes_exit_with_2_and_name_the_problem(drive: Drive, args: list[str], message: str) -> None:
    imported(drive)
    before = drive.rows(
        "SELECT id, day, start_time, end_time, capacity, status FROM drive_sessions ORDER BY id"
    )
    audit_before = drive.audit()
    code, _, err = drive(*args)
    assert code == 2
    assert message in err
    assert err.startswith("donorbot drive: ")
    assert (
        drive.rows("SELECT id, day, start_time, end_time, capacity, status FROM drive_sessions ORDER BY id")
        == before
    ), "nothing was written"
    assert drive.audit() == audit_before


def test_a_broken_plan_file_names_the_key(drive: Drive, tmp_path: Path) -> None:
    broken = tmp_path / "plan.toml"
    broken.write_text(PLAN.read_text(encoding="utf-8").replace('start = "07:00"', 'start = "7h"', 1), "utf-8")
    code, _, err = drive("import", str(broken))
    assert code == 2
    assert f"{broken}: sessions[1].start: must be HH:MM" in err
    assert drive.rows("SELECT count(*) FROM campaigns") == [(0,)]


def test_a_ward_unknown_to_the_config_is_warned_about(drive: Drive, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    text = PLAN.read_text(encoding="utf-8")
    plan.write_text(text.replace('ward = "Tam Lưu"', 'ward = "Phường Mới"', 1), "utf-8")
    code, _, err = drive("import", str(plan))
    assert code == 0
    assert "sessions[1].ward: 'Phường Mới' is not in config.toml [area] wards" in err


def test_a_ward_typed_without_diacritics_is_the_configured_ward(drive: Drive, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(
        PLAN.read_text(encoding="utf-8").replace('ward = "Tam Lưu"', 'ward = "tam luu"', 1), "utf-8"
    )
    code, _, err = drive("import", str(plan))
    assert code == 0 and "is not in config.toml" not in err
    code, _, err = drive(
        "add", "--campaign", "kinh-mon-2020", "--date", "2020-08-07", "--start", "07:30", "--end", "10:00",
        "--place", "Nhà văn hóa khu 3", "--ward", "NHI CHIEU",
    )  # fmt: skip
    assert (code, err) == (0, "")
    wards = drive.rows("SELECT key, ward FROM drive_sessions WHERE key IN ('r1-tam-luu', '2020-08-07')")
    assert sorted(wards) == [("2020-08-07", "Nhị Chiểu"), ("r1-tam-luu", "Tam Lưu")]


def test_bidi_and_zero_width_characters_are_cleaned_as_in_the_chat(drive: Drive) -> None:
    imported(drive)
    code, _, err = drive(
        "add", "--campaign", "kinh-mon-2020", "--date", "2020-08-07", "--start", "7:30", "--end", "10:00",
        "--place", "\u202eNhà văn hóa\u200b khu 3\u2066", "--address", "Thôn\u200f 1\u202c",
    )  # fmt: skip
    assert (code, err) == (0, "")
    code, _, err = drive("edit", "1", "--place", "Hội\u2067 trường\ufeff")
    assert (code, err) == (0, "")
    assert drive.rows("SELECT place_name FROM drive_sessions WHERE id = 1") == [("Hội trường",)]
    added = drive.rows("SELECT place_name, address FROM drive_sessions WHERE key = '2020-08-07'")
    assert added == [("Nhà văn hóa khu 3", "Thôn 1")]


def test_a_database_error_does_not_show_the_values_bound_to_it(drive: Drive) -> None:
    """A failed statement prints its SQL without its values (elsewhere: phone numbers, health data): the
    command opens its engine with `hide_parameters`, as the chat does."""
    imported(drive)
    with sqlite3.connect(drive.db) as db:
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON drive_sessions BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    code, out, err = drive(
        "add", "--campaign", "kinh-mon-2020", "--date", "2027-08-03", "--start", "07:00", "--end", "11:00",
        "--place", "Nhà văn hóa thôn Bích Nhôi",
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert "refused" in err and "INSERT INTO drive_sessions" in err  # the error, with its statement
    assert "Bích Nhôi" not in err and "SQL parameters hidden" in err  # but not the values
    assert drive.rows("SELECT count(*) FROM drive_sessions") == [(5,)]  # rolled back
