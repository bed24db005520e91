"""`[area] province`: a province's wards and communes after the 2025 merger come from the shipped list;
an area's own `wards` still win; an unknown province is a configuration error naming the closest ones."""

from __future__ import annotations

from typing import Any

import pytest

from core import divisions
from core.config import AreaSettings, ConfigError, load_settings


def test_the_list_holds_every_province_after_the_merger() -> None:
    found = divisions.provinces()
    assert len(found) == 34
    assert sum(len(p.wards) for p in found) > 3300
    haiphong = divisions.province_named("Thành phố Hải Phòng")
    assert haiphong is not None and haiphong.short == "Hải Phòng"
    assert {"Nhị Chiểu", "Bắc An Phụ", "Nam An Phụ", "Kinh Môn"} <= set(haiphong.wards)
    for p in found:
        assert len(set(p.wards)) == len(p.wards), f"{p.short}: a ward twice"


@pytest.mark.parametrize(
    "typed", ["Hải Phòng", "hai phong", "TP Hải Phòng", "thành phố hải phòng", "Tp. Hai Phong"]
)
def test_a_province_is_found_however_it_is_written(typed: str) -> None:
    province = divisions.province_named(typed)
    assert province is not None and province.name == "Thành phố Hải Phòng"


def test_a_province_without_wards_offers_its_own() -> None:
    area = AreaSettings.model_validate({"name": "Thành phố Hải Phòng", "province": "hai phong"})
    assert area.province == "Hải Phòng"
    assert len(area.wards) > 100 and area.ward_named("nhi chieu") == "Nhị Chiểu"


def test_the_areas_own_wards_win() -> None:
    own: dict[str, Any] = {"province": "Hải Phòng", "wards": ["Nhị Chiểu", "Kinh Môn"]}
    assert AreaSettings.model_validate(own).wards == ("Nhị Chiểu", "Kinh Môn")


def test_an_unknown_province_names_the_closest(tmp_path: Any) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[area]\nprovince = "Hai Phong City"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown province 'Hai Phong City' \(the closest: Hải Phòng"):
        load_settings(config, environ={})
