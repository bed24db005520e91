"""`donorbot faq check` and the start-up refusal of broken rules or FAQ files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from core.config import PROJECT_ROOT, load_settings
from core.knowledge import KnowledgeError, load_knowledge

DATA = PROJECT_ROOT / "data"


def test_shipped_files_pass_the_check(capsys: pytest.CaptureFixture[str]) -> None:
    files = [DATA / "faq.vi.toml", DATA / "faq.en.toml", DATA / "eligibility.toml"]
    assert main(["faq", "check", *map(str, files)]) == 0
    assert capsys.readouterr().out.startswith("OK:")


def test_a_broken_faq_is_reported_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(DATA / "faq.en.toml", tmp_path / "faq.en.toml")
    text = (DATA / "faq.vi.toml").read_text(encoding="utf-8")
    first_id = text.index('id = "')
    broken = text[:first_id] + 'id = "khong_co_ban_dich"\nidx = 1\n' + text[text.index("\n", first_id) + 1 :]
    (tmp_path / "faq.vi.toml").write_text(broken, encoding="utf-8")
    assert main(["faq", "check", str(tmp_path / "faq.vi.toml")]) == 2
    err = capsys.readouterr().err
    idx_line = text[:first_id].count("\n") + 2  # the line after the replaced id
    assert f"faq.vi.toml:{idx_line}: unknown key 'idx'" in err
    replaced = text[first_id : text.index("\n", first_id)].split('"')[1]
    assert f"id '{replaced}'" in err and "is missing here" in err, "the English id lost its translation"


def test_a_broken_rules_file_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (DATA / "eligibility.toml").read_text(encoding="utf-8")
    broken = tmp_path / "eligibility.toml"
    broken.write_text(text.replace("weeks = 12", "weeks = -12", 1), encoding="utf-8")
    assert main(["faq", "check", str(broken)]) == 2
    assert "intervals.whole_blood.weeks" in capsys.readouterr().err


def test_the_bot_refuses_to_start_with_a_broken_rules_file(tmp_path: Path) -> None:
    text = (DATA / "eligibility.toml").read_text(encoding="utf-8")
    (tmp_path / "rules.toml").write_text(text.replace("[age]", "[agee]", 1), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[knowledge]\nrules = "rules.toml"\n', encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"rules\.toml"):
        load_knowledge(load_settings(config, environ={}))
    assert main(["--config", str(config), "config", "check"]) == 2


def test_the_bot_refuses_rules_the_self_check_would_ask_about_wrongly(tmp_path: Path) -> None:
    text = (DATA / "eligibility.toml").read_text(encoding="utf-8")
    tattoo = text.index("[deferrals.tattoo]")
    edited = text[:tattoo] + text[tattoo:].replace("months = 6", "months = 12", 1)
    (tmp_path / "rules.toml").write_text(edited, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[knowledge]\nrules = "rules.toml"\n', encoding="utf-8")
    with pytest.raises(
        KnowledgeError, match=r"deferrals\.tattoo: defers 12 months, but /kiemtra asks .* months_6"
    ):
        load_knowledge(load_settings(config, environ={}))


@pytest.mark.parametrize(
    ("config_text", "key", "rules_key", "value"),
    [
        ("[registration]\nmin_age = 17\n", "min_age", "min_years", 18),
        ("[registration]\nmax_age = 65\n", "max_age", "max_years", 60),
    ],
)
def test_the_bot_refuses_an_age_range_that_is_not_the_rules_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config_text: str, key: str, rules_key: str, value: int
) -> None:
    """The rules file decides the age range; the registration dialogue's copy in the
    configuration must say the same, or the bot does not start."""
    config = tmp_path / "config.toml"
    config.write_text(config_text, encoding="utf-8")
    expected = rf"registration\.{key} is \d+, but age\.{rules_key} in .*eligibility\.toml is {value}"
    with pytest.raises(KnowledgeError, match=expected + rf".*set registration\.{key} = {value}"):
        load_knowledge(load_settings(config, environ={}))
    assert main(["--config", str(config), "config", "check"]) == 2
    assert f"registration.{key} is" in capsys.readouterr().err


def test_the_shipped_configuration_agrees_with_the_rules_on_ages() -> None:
    load_knowledge(load_settings(PROJECT_ROOT / "config.toml", environ={}))
