"""`donorbot target|quota` and `organiser add --scope` as an organiser types them, and the plan files'
targets, tags and quotas: output, rows written, audit entries and error messages naming the key."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import main

PLAN = """
[campaign]
key = "cnd-2026"
name = "Chủ nhật đỏ 2026"
year = 2026
target_units = 500
target_emergency_ready = 100
tags = ["chu-nhat-do", "7-4"]

[[sessions]]
key = "d1"
date = 2026-03-01
start = "07:00"
end = "11:30"
place = "Nhà văn hóa Tam Lưu"
capacity = 100

[[quotas]]
ward = "tam luu"
units = 300

[[quotas]]
organisation = "Trường THPT Kinh Môn"
units = 80
headcount = 400
"""


class Cli:
    """Runs `donorbot --config <tmp> …` in-process and reads the SQLite file it wrote."""

    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.tmp = tmp_path
        self.db = tmp_path / "targets.sqlite3"
        self.config = tmp_path / "config.toml"
        self.config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{self.db}"\n', encoding="utf-8")
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(["--config", str(self.config), "--log-level", "WARNING", *args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def file(self, name: str, text: str) -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db) as db:
            return db.execute(sql).fetchall()


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("DONORBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("DONORBOT_CONFIG", raising=False)
    return Cli(tmp_path, capsys)


def test_year_targets_are_set_shown_and_audited(cli: Cli) -> None:
    code, out, err = cli("target", "set", "--year", "2026", "--units", "1200", "--repeat-share", "60%")
    assert (code, err) == (0, "")
    assert out == (
        "Targets of year 2026: changed units, repeat_share.\n"
        "Year 2026:\n"
        "  units 1,200; repeat donors 60 %; 350 ml+ -; reserve -; emergency-ready -\n"
    )
    # a second call changes only what it names
    code, out, _ = cli("target", "set", "--year", "2026", "--share-350", "0,3", "--emergency-ready", "100")
    assert code == 0 and "changed share_350, emergency_ready." in out
    assert cli.rows(
        "SELECT year, target_units, target_repeat_share, target_350_share, target_reserve_donors,"
        " target_emergency_ready FROM year_targets"
    ) == [(2026, 1200, 0.6, 0.3, None, 100)]
    assert [r[0] for r in cli.rows("SELECT action FROM audit_log ORDER BY id")] == [
        "targets.set",
        "targets.set",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repeat-share", "1.5"],
         "donorbot target: --repeat-share: '1.5' must be between 0 and 1 (0.6), or a percentage (60%)\n"),
        (["--units", "nhiều"], "donorbot target: --units: 'nhiều' is not a whole number\n"),
        ([], "donorbot target: nothing to set: give --units, --repeat-share, --share-350, --reserve, "
         "--emergency-ready or --tags\n"),
        (["--tags", "7-4"], "donorbot target: --tags: tags belong to a campaign (use --campaign KEY)\n"),
    ],
)  # fmt: skip
def test_wrong_target_values_name_their_option(cli: Cli, args: list[str], message: str) -> None:
    code, out, err = cli("target", "set", "--year", "2026", *args)
    assert (code, out, err) == (2, "", message)


def test_ward_quotas_fold_the_ward_name_and_refuse_unknown_wards(cli: Cli) -> None:
    code, out, err = cli("quota", "set", "--year", "2026", "--ward", "nhi chieu", "--units", "300")
    assert (code, out, err) == (0, "Quota of Nhị Chiểu for year 2026: set.\n", "")
    code, out, _ = cli("quota", "set", "--year", "2026", "--ward", "Nhị Chiểu", "--headcount", "5000")
    assert out == "Quota of Nhị Chiểu for year 2026: set.\n"  # the units stay
    code, out, err = cli("quota", "set", "--year", "2026", "--ward", "Hà Nội", "--units", "3")
    assert code == 2 and out == ""
    assert err == (
        "donorbot quota: --ward: 'Hà Nội' is not in config.toml [area] wards "
        "(Tam Lưu, Nhị Chiểu, Bắc An Phụ, Nam An Phụ)\n"
    )
    cli("quota", "set", "--year", "2026", "--organisation", "Công ty  May 10", "--units", "40")
    code, out, _ = cli("quota", "list", "--year", "2026")
    assert out == (
        "Quotas of year 2026:\n"
        "  ward         Nhị Chiểu: units 300, headcount 5,000\n"
        "  organisation Công ty May 10: units 40\n"
    )
    code, out, _ = cli("quota", "remove", "--year", "2026", "--organisation", "cong ty may 10")
    assert out == "Quota of cong ty may 10 for year 2026: removed.\n"
    code, out, err = cli("quota", "remove", "--year", "2026", "--organisation", "cong ty may 10")
    assert (code, err) == (2, "cong ty may 10 has no quota for year 2026\n")
    assert cli.rows("SELECT year, campaign_id, kind, name, units, headcount FROM quotas") == [
        (2026, None, "ward", "Nhị Chiểu", 300, 5000)
    ]


def test_a_campaign_plan_brings_its_tags_quotas_and_emergency_target(cli: Cli) -> None:
    code, out, err = cli("drive", "import", cli.file("plan.toml", PLAN))
    assert code == 0, err
    assert cli.rows("SELECT tag FROM campaign_tags ORDER BY tag") == [("7-4",), ("chu-nhat-do",)]
    assert cli.rows("SELECT target_units, target_emergency_ready FROM campaigns") == [(500, 100)]
    code, out, _ = cli("target", "show", "--campaign", "cnd-2026")
    assert out == (
        "Campaign cnd-2026:\n"
        "  units 500; repeat donors -; 350 ml+ -; reserve -; emergency-ready 100\n"
        "  tags: chu-nhat-do (Chủ nhật đỏ), 7-4 (Ngày toàn dân hiến máu 7/4)\n"
        "  ward         Tam Lưu: units 300\n"
        "  organisation Trường THPT Kinh Môn: units 80, headcount 400\n"
    )
    # the CLI replaces the tags; importing the file again puts the file's back
    code, out, _ = cli("target", "set", "--campaign", "cnd-2026", "--tags", "he")
    assert "changed tags." in out
    assert cli.rows("SELECT tag FROM campaign_tags") == [("he",)]
    code, _, err = cli("target", "set", "--campaign", "cnd-2026", "--tags", "tet")
    assert code == 2 and err.startswith(
        "donorbot target: --tags: 'tet' is not a campaign tag (one of xuan-hong,"
    )
    cli("drive", "import", cli.file("plan.toml", PLAN))
    assert cli.rows("SELECT tag FROM campaign_tags ORDER BY tag") == [("7-4",), ("chu-nhat-do",)]
    assert "campaign.tags" in [r[0] for r in cli.rows("SELECT action FROM audit_log")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[quotas]]\nward = "Hà Nội"\nunits = 3\n',
         "quotas[1].ward: 'Hà Nội' is not in config.toml [area] wards"),
        ('[[quotas]]\nward = "Tam Lưu"\norganisation = "X"\nunits = 3\n',
         "quotas[1].ward: give either ward or organisation (one of them)"),
        ('[[quotas]]\nward = "Tam Lưu"\n',
         "quotas[1].units: missing (a quota needs units, headcount or both)"),
        ('[[quotas]]\nward = "Tam Lưu"\nunits = 2\n[[quotas]]\nward = "tam luu"\nunits = 3\n',
         "quotas[2].ward: 'Tam Lưu' has a quota in an earlier entry"),
        ('[[quotas]]\norganisation = "X"\nheadcount = 0\n', "quotas[1].headcount: must be between 1 and"),
    ],
)  # fmt: skip
def test_plan_quotas_are_checked_with_their_key_path(cli: Cli, text: str, message: str) -> None:
    code, out, err = cli("drive", "import", cli.file("plan.toml", PLAN.split("[[quotas]]")[0] + text))
    assert code == 2 and out == ""
    assert message in err


def test_a_year_plan_file(cli: Cli) -> None:
    year = """
[year]
year = 2026
target_units = 11100
target_repeat_share = 0.7
target_350_share = 0.3

[[quotas]]
ward = "Bac An Phu"
units = 2000
"""
    code, out, err = cli("target", "import", cli.file("year.toml", year))
    assert (code, err) == (0, "")
    assert out == "Imported the 2026 plan: 2 changed (1 quotas in the file).\n"
    code, out, _ = cli("target", "import", cli.file("year.toml", year))
    assert out == "Imported the 2026 plan: 0 changed (1 quotas in the file).\n"  # idempotent
    assert cli.rows("SELECT year, target_units, target_repeat_share FROM year_targets") == [
        (2026, 11100, 0.7)
    ]
    assert cli.rows("SELECT year, kind, name, units FROM quotas") == [(2026, "ward", "Bắc An Phụ", 2000)]
    code, _, err = cli("target", "import", cli.file("bad.toml", "[year]\nyear = 2026\ntarget_units = -5\n"))
    bad = cli.tmp / "bad.toml"
    assert (code, err) == (2, f"donorbot target: {bad}: year.target_units: must be between 1 and 1000000\n")


def test_an_organiser_scope_is_checked_and_stored(cli: Cli) -> None:
    code, out, err = cli("organiser", "add", "--user-id", "5551", "--scope", "ward:tam luu")
    assert (code, err) == (0, "")
    assert out.startswith("telegram:5551 is now organiser (figures of ward:Tam Lưu).\n")
    cli("organiser", "add", "--user-id", "5552")
    assert cli.rows("SELECT scope FROM organisers ORDER BY id") == [("ward:Tam Lưu",), ("area",)]
    code, out, _ = cli("organiser", "list")
    assert out == "telegram:5551\torganiser\tward:Tam Lưu\ntelegram:5552\torganiser\n"
    code, out, err = cli("organiser", "add", "--user-id", "5553", "--scope", "ward:Hà Nội")
    assert code == 2 and "--scope: 'Hà Nội' is not in config.toml [area] wards" in err
    code, out, err = cli("organiser", "add", "--user-id", "5553", "--scope", "district")
    assert (code, err) == (
        2,
        'donorbot organiser: --scope: a scope is "area", "ward:<name>", "organisation:<name>", '
        '"club:<key>" or "drive_day:<id>"\n',
    )


def test_the_example_year_plan_imports(cli: Cli) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "kinh-mon-2026-year.toml"
    code, out, err = cli("target", "import", str(example))
    assert (code, err) == (0, "")
    assert out == "Imported the 2026 plan: 6 changed (5 quotas in the file).\n"  # the targets and 5 quotas
    assert cli.rows("SELECT sum(units) FROM quotas WHERE kind = 'ward'") == [(1100,)]
