from __future__ import annotations

import json

import pytest

from tests.scripts_data.scripts import country_files, load, stage

build = load("build_urban")
HEADER = f"Entity,Year,{build.URBAN},{build.RURAL}\n"
FIXTURE = HEADER + (
    "Kenya,2022,16000000,40000000\n"
    "Kenya,2023,17000000,40000000\n"
    "Kenya,2025,18000000,41000000\n"
    "South Korea,2023,42000000,9000000\n"
)


def test_share_is_read_for_the_year_in_the_file(tmp_path):
    (tmp_path / "wup.csv").write_text(FIXTURE, encoding="utf-8")
    frame = build.read_copy(tmp_path / "wup.csv")
    assert build.urban_share(frame, "Kenya") == pytest.approx(17 / 57)
    assert build.urban_share(frame, build.ENTITY["KOR"]) == pytest.approx(42 / 51)
    with pytest.raises(KeyError, match="'Kenya' in 2024"):
        build.urban_share(frame, "Kenya", 2024)


def test_a_copy_without_the_columns_is_refused(tmp_path):
    (tmp_path / "wup.csv").write_text("Entity,Year,urban_pop\nKenya,2023,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing columns"):
        build.read_copy(tmp_path / "wup.csv")


def test_main_writes_the_section(tmp_path, monkeypatch):
    copies = tmp_path / "copies"
    monkeypatch.setattr(build, "COPY", stage(build.COPY, copies, FIXTURE.encode()))
    folder = country_files(tmp_path / "countries", "KEN")
    assert build.main(["KEN"], countries_dir=folder, copies=copies) == 0
    section = json.loads((folder / "KEN.json").read_text(encoding="utf-8"))["urban"]
    assert section["share"] == round(17 / 57, 5)
    assert section["precision"] == "checked" and section["year"] == 2023
    assert section["copy"]["repository"] == "owid/owid-datasets" and "estimated" not in section.get("notes", "")


def test_every_shipped_country_has_an_entity_name():
    common = load("_common")
    assert sorted(build.ENTITY) == sorted(common.M49)
