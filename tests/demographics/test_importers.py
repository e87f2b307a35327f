from __future__ import annotations

import csv
import gzip
import json

import pytest

from deeppersona_agents.demographics import PopulationSampler, load_table
from deeppersona_agents.demographics.importers import import_country, import_ilostat, import_wpp
from deeppersona_agents.errors import ConfigError

WPP_HEADER = ("SortOrder,LocID,Notes,ISO3_code,ISO2_code,SDMX_code,LocTypeID,LocTypeName,ParentID,Location,VarID,"
              "Variant,Time,MidPeriod,AgeGrp,AgeGrpStart,AgeGrpSpan,PopMale,PopFemale,PopTotal").split(",")
ILO_HEADER = ["ref_area", "source", "indicator", "sex", "classif1", "time", "obs_value", "obs_status",
              "note_classif", "note_indicator", "note_source"]


def _wpp_rows(iso3, loc_id, name, year, scale):
    for age in range(101):
        male, female = round(scale * (100 - age) / 10, 3), round(scale * (101 - age) / 10, 3)
        label = "100+" if age == 100 else str(age)
        yield [1, loc_id, "", iso3, iso3[:2], "", 4, "Country/Area", 900, name, 2, "Medium", year, year + 0.5,
               label, age, -1 if age == 100 else 1, male, female, round(male + female, 3)]


@pytest.fixture
def wpp_file(tmp_path):
    path = tmp_path / "WPP2024_Population1JanuaryBySingleAgeSex_Medium_1950-2023.csv.gz"
    with gzip.open(path, "wt", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(WPP_HEADER)
        # an aggregate region row without ISO3 code, the target in two years, and another country
        writer.writerow([0, 900, "", "", "", "", 1, "World", 0, "World", 2, "Medium", 2023, 2023.5, "0", 0, 1,
                         1, 1, 2])
        for year in (2022, 2023):
            writer.writerows(_wpp_rows("KEN", 404, "Kenya", year, 10 if year == 2023 else 9))
        writer.writerows(_wpp_rows("UGA", 800, "Uganda", 2023, 7))
    return path


@pytest.fixture
def ilo_file(tmp_path):
    path = tmp_path / "EMP_TEMP_SEX_OCU_NB_A.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(ILO_HEADER)
        for year in (2019, 2022):
            for sex in ("SEX_T", "SEX_M", "SEX_F"):
                for code in [f"OCU_ISCO08_{g}" for g in range(10)] + ["OCU_ISCO08_TOTAL", "OCU_ISCO08_X"]:
                    group = code.rsplit("_", 1)[-1]
                    value = 100.0 if not group.isdigit() else (10 + int(group) * (2 if sex == "SEX_F" else 1))
                    writer.writerow(["KEN", "BA:1", "EMP_TEMP_SEX_OCU_NB", sex, code, year, value, "", "", "", ""])
    return path


def test_wpp_importer_aggregates_single_ages_into_bands(wpp_file):
    section = import_wpp(wpp_file, "KEN")
    assert section["year"] == 2023 and len(section["male"]) == 18
    # band 0-4 = ages 0..4: 10*(100+99+98+97+96)/10
    assert section["male"][0] == pytest.approx(490.0)
    assert section["female"][0] == pytest.approx(495.0)
    # 85+ = ages 85..100
    assert section["male"][-1] == pytest.approx(sum(100 - a for a in range(85, 101)))
    assert import_wpp(wpp_file, "KEN", year=2022)["male"][0] == pytest.approx(441.0)


def test_ilostat_importer_gives_shares_among_the_known_groups(ilo_file):
    section = import_ilostat(ilo_file, "KEN")
    assert section["year"] == 2022
    male = [section["male"][str(g)] for g in range(10)]
    assert sum(male) == pytest.approx(1.0)
    assert male[9] / male[0] == pytest.approx(19 / 10, rel=1e-4)
    assert section["female"]["9"] == pytest.approx(28 / sum(10 + 2 * g for g in range(10)), rel=1e-4)


def test_import_country_writes_a_table_the_sampler_uses(wpp_file, ilo_file, tmp_path):
    out = tmp_path / "tables"
    path = import_country("KEN", out, wpp=wpp_file, ilostat=ilo_file)
    table = json.loads(path.read_text())
    assert table["age_sex"]["precision"] == "checked" and table["activity"] == load_table("KEN")["activity"]
    assert load_table("KEN", out)["age_sex"]["male"][0] == pytest.approx(490.0)
    expected = PopulationSampler("KEN", tables_dir=out).expected_marginals()["age_band"]
    assert expected["85+"] > 0.02  # the fixture's flat-ish pyramid, not Kenya's shipped one


def test_importer_errors(tmp_path, wpp_file):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ConfigError, match="lacks the columns"):
        import_wpp(bad, "KEN")
    with pytest.raises(ConfigError, match="not found"):
        import_wpp(tmp_path / "missing.csv", "KEN")
    with pytest.raises(ConfigError, match="no rows for FRA"):
        import_wpp(wpp_file, "FRA")
    with pytest.raises(ConfigError, match="nothing to import"):
        import_country("KEN", tmp_path / "x")
