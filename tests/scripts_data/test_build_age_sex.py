from __future__ import annotations

import json

import pandas as pd
import pytest
import rdata

from tests.scripts_data.scripts import country_files, load, stage

build = load("build_age_sex")
SEXES = ["Male", "Female", "Both sexes"]


def wpp_fixture(years=(2022, 2023), codes=(404.0, 32.0)) -> pd.DataFrame:
    """Rows in the copy's layout: persons = 1000 x (group index + 1) for men, 2000 x (...) + 0.5 for women."""
    rows = []
    for code in codes:
        for year in years:
            for i, start in enumerate(range(0, 101, 5)):
                male = 1000.0 * (i + 1) + (7 if year != 2023 or code != 404 else 0)
                female = 2000.0 * (i + 1) + 0.5
                for sex, value in zip(SEXES, (male, female, male + female), strict=True):
                    rows.append((code, "Kenya" if code == 404 else "Argentina", float(year), sex, float(start),
                                 float(start + 4 if start < 100 else 200), value))
    frame = pd.DataFrame(rows, columns=["locationId", "location", "year", "sexId", "ageStart", "ageEnd", "population"])
    frame["location"] = pd.array(frame["location"], dtype="string[python]")
    frame["sexId"] = pd.Categorical(frame["sexId"], categories=SEXES)
    return frame


def write_rda(frame: pd.DataFrame, path) -> bytes:
    rdata.write_rda(str(path), {build.FRAME: frame})
    return path.read_bytes()


def test_bands_in_thousands_with_85_plus_summed():
    body = build.age_sex(wpp_fixture(), 404)
    assert body["bands"][-1] == "85+" and len(body["male"]) == 18
    assert body["male"][:17] == [float(i + 1) for i in range(17)]
    assert body["male"][17] == 18 + 19 + 20 + 21  # 85-89, 90-94, 95-99, 100+
    assert body["female"][0] == 2.0005
    assert body["female"][17] == pytest.approx(2 * (18 + 19 + 20 + 21) + 4 * 0.0005)
    assert build.tvd(build.cells(body), build.copy_cells(wpp_fixture(), 404)) < 1e-12


def test_missing_group_or_country_is_named():
    frame = wpp_fixture()
    with pytest.raises(ValueError, match="expected 5-year groups"):
        build.age_sex(frame[frame["ageStart"] != 90], 404)
    with pytest.raises(KeyError, match="M49 999"):
        build.age_sex(frame, 999)


def test_main_writes_the_section_from_an_rda_copy(tmp_path, monkeypatch):
    copies = tmp_path / "copies"
    data = write_rda(wpp_fixture(), tmp_path / "fixture.rda")
    monkeypatch.setattr(build, "COPY", stage(build.COPY, copies, data))
    folder = country_files(tmp_path / "countries", "KEN")
    before = json.loads((folder / "KEN.json").read_text(encoding="utf-8"))
    assert build.main(["KEN"], countries_dir=folder, copies=copies) == 0
    after = json.loads((folder / "KEN.json").read_text(encoding="utf-8"))
    section = after["age_sex"]
    assert section["precision"] == "checked" and section["year"] == 2023
    assert section["copy"]["repository"] == "chitrams/populaR" and section["copy"]["commit"] == build.COPY["commit"]
    assert section["male"][0] == 1.0 and section["male"][17] == 78.0
    assert {k: v for k, v in after.items() if k != "age_sex"} == {k: v for k, v in before.items() if k != "age_sex"}


def test_a_changed_copy_is_refused(tmp_path, monkeypatch, capsys):
    copies = tmp_path / "copies"
    staged = stage(build.COPY, copies, write_rda(wpp_fixture(), tmp_path / "fixture.rda"))
    monkeypatch.setattr(build, "COPY", {**staged, "sha256": "0" * 64})
    folder = country_files(tmp_path / "countries", "KEN")
    assert build.main(["KEN"], countries_dir=folder, copies=copies) == 2
    assert "is not the recorded" in capsys.readouterr().err
    monkeypatch.setattr(build, "COPY", {**staged, "path": "data/absent.rda"})
    assert build.main(["KEN"], countries_dir=folder, copies=copies) == 2
    assert "no local copy at" in capsys.readouterr().err
