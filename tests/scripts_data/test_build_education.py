from __future__ import annotations

import json

import pandas as pd
import pytest
import rdata

from tests.scripts_data.scripts import country_files, load, stage

build = load("build_education")
AGES = ["15--19", "20--24"] + [f"{a}--{a + 4}" for a in range(25, 100, 5)] + ["100+"]
SIX = ["No Education", "Incomplete Primary", "Primary", "Lower Secondary", "Upper Secondary", "Post Secondary"]
# thousands per 5-year group, level order as SIX; 30-34, 40-44, 50-54 and 60-64 have twice these counts
BASE = [1.0, 1.0, 2.0, 3.0, 2.0, 1.0]


def epop_fixture() -> pd.DataFrame:
    """past_epop layout for Kenya (404), 2015 and 2020, with the 8-level detail and Under 15 rows as noise."""
    rows = []
    for year in (2015.0, 2020.0):
        for age in AGES:
            double = 2.0 if age.startswith(("30", "40", "50", "60")) else 1.0
            for sex in ("Male", "Female"):
                scale = double * (1.0 if sex == "Male" else 10.0) * (1.0 if year == 2020 else 5.0)
                for level, value in zip(SIX, BASE, strict=True):
                    rows.append(("Kenya", 404.0, year, age, level, sex, value * scale))
                rows.append(("Kenya", 404.0, year, age, "Bachelor", sex, 999.0))
                rows.append(("Kenya", 404.0, year, age, "Under 15", sex, 0.0))
    frame = pd.DataFrame(rows, columns=["name", "country_code", "year", "age", "education", "sex", "epop"])
    for column in ("name", "age", "education", "sex"):
        frame[column] = pd.array(frame[column], dtype="string[python]")
    return frame


def test_levels_mapped_and_groups_summed_into_bands():
    body = build.education(epop_fixture(), 404)
    # every band holds its groups' counts in the ratio 1+1 : 2 : 3 : 2 : 1 (no education + incomplete primary)
    expected = {"less_than_primary": 0.2, "primary": 0.2, "lower_secondary": 0.3, "upper_secondary": 0.2,
                "tertiary": 0.1}
    for sex in ("male", "female"):
        assert set(body[sex]) == {"25-34", "35-44", "45-54", "55-64", "65+"}
        for band in body[sex]:
            assert body[sex][band] == pytest.approx(expected)


def test_bands_weigh_groups_by_population():
    frame = epop_fixture()
    # make 30-34 men all tertiary: the 25-34 row must weigh them by their count (2x the 25-29 group)
    mask = (frame["age"] == "30--34") & (frame["sex"] == "Male") & (frame["year"] == 2020)
    frame.loc[mask & (frame["education"] != "Post Secondary"), "epop"] = 0.0
    frame.loc[mask & (frame["education"] == "Post Secondary"), "epop"] = 20.0
    row = build.education(frame, 404)["male"]["25-34"]
    assert row["tertiary"] == pytest.approx((1 + 20) / (10 + 20), abs=1e-6)
    assert row["less_than_primary"] == pytest.approx(2 / 30, abs=1e-6)


def test_incomplete_copy_is_named():
    frame = epop_fixture()
    drop = (frame["age"] == "45--49") & (frame["education"] == "Primary") & (frame["year"] == 2020)
    with pytest.raises(ValueError, match="M49 404 2020: expected"):
        build.education(frame[~drop], 404)


def test_main_writes_the_section_from_an_rda_copy(tmp_path, monkeypatch):
    copies = tmp_path / "copies"
    rdata.write_rda(str(tmp_path / "fixture.rda"), {build.FRAME: epop_fixture()})
    monkeypatch.setattr(build, "COPY", stage(build.COPY, copies, (tmp_path / "fixture.rda").read_bytes()))
    folder = country_files(tmp_path / "countries", "KEN")
    assert build.main(["KEN"], countries_dir=folder, copies=copies) == 0
    section = json.loads((folder / "KEN.json").read_text(encoding="utf-8"))["education"]
    assert section["precision"] == "checked" and section["year"] == 2020
    assert section["copy"]["repository"] == "guyabel/wcde"
    assert section["female"]["65+"]["lower_secondary"] == pytest.approx(0.3)
