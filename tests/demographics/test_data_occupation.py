"""The ILOSTAT occupation builder (scripts/data/ilostat_occupation.py) on small extracts in the copy's format."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from deeppersona_agents.demographics import check_table
from tests.demographics.fixtures import ISO3, write_table

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "data" / "ilostat_occupation.py"
REPO, COMMIT = "open-numbers/ddf--ilo--ilostat", "c50d060595275a48961dbd0c5971eedea95ffad8"
BY_AGE_HEADER = "ref_area,sex,classif1,classif2,time,emp_temp_sex_age_ocu_nb"
BANDS = ("age_aggregate_total", "age_aggregate_y15_24", "age_aggregate_y25_54", "age_aggregate_y55_64",
         "age_aggregate_yge65")


@pytest.fixture(scope="module")
def occ():
    spec = importlib.util.spec_from_file_location("ilostat_occupation", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(root: Path, indicator: str, lines: list[str], offsets=(0, 16000)) -> None:
    (root / indicator).mkdir(parents=True, exist_ok=True)
    (root / indicator / f"{ISO3.lower()}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    prov_path = root / "PROVENANCE-occupation.json"
    prov = json.loads(prov_path.read_text()) if prov_path.exists() else {}
    prov[f"{indicator}/{ISO3.lower()}.csv"] = {"repository": REPO, "path": f"datapoints/{indicator}.csv",
                                               "commit": COMMIT, "offsets": list(offsets)}
    prov_path.write_text(json.dumps(prov))


def _by_age_lines(bands=BANDS, year=2022) -> list[str]:
    """Men: groups 1..9 with 10*g thousand in every band, plus 5 not classified; women: group 4 missing."""
    lines = [BY_AGE_HEADER]
    for sex in ("sex_f", "sex_m"):
        for band in bands:
            groups = [g for g in range(1, 10) if not (sex == "sex_f" and g == 4)]
            for g in groups:
                lines.append(f"nzl,{sex},{band},ocu_isco08_{g},{year},{10 * g}")
            lines.append(f"nzl,{sex},{band},ocu_isco08_x,{year},5")
            lines.append(f"nzl,{sex},{band},ocu_isco08_total,{year},{sum(10 * g for g in groups) + 5}")
        lines.append(f"nzl,{sex},age_aggregate_total,ocu_isco08_1,{year - 3},999")  # an older year is ignored
    return lines


def test_survey_by_age_extract_gives_a_checked_section_with_bands(occ, tmp_path):
    countries = tmp_path / "countries"
    write_table(countries)
    _write(tmp_path / "ilostat", occ.BY_AGE, _by_age_lines())
    made = occ.build(ISO3, tmp_path / "ilostat", countries)
    table = json.loads((countries / f"{ISO3}.json").read_text())
    section = table["occupation"]
    assert made["precision"] == section["precision"] == "checked"
    assert section["year"] == 2022
    assert section["copy"]["repository"] == REPO and section["copy"]["commit"] == COMMIT
    assert section["copy"]["offsets"] == [0, 16000]
    total_m = sum(10 * g for g in range(1, 10))
    assert section["male"]["3"] == pytest.approx(30 / total_m, abs=1e-6)  # not classified excluded
    assert section["male"]["0"] == 0.0
    assert section["female"]["4"] == 0.0  # a cell the copy omits counts as 0
    assert set(section["by_age"]["female"]) == {"15-24", "25-54", "55-64", "65+"}
    assert sum(section["by_age"]["female"]["65+"].values()) == pytest.approx(1, abs=1e-5)
    assert check_table(table) == []


def test_a_missing_band_leaves_by_age_out(occ, tmp_path):
    countries = tmp_path / "countries"
    write_table(countries)
    _write(tmp_path / "ilostat", occ.BY_AGE, _by_age_lines(bands=BANDS[:-1]))
    occ.build(ISO3, tmp_path / "ilostat", countries)
    section = json.loads((countries / f"{ISO3}.json").read_text())["occupation"]
    assert "by_age" not in section and "male" in section


def test_skipped_year_falls_back_to_the_previous_one_and_says_so(occ, tmp_path, monkeypatch):
    countries = tmp_path / "countries"
    write_table(countries)
    lines = _by_age_lines(year=2021) + [row.replace(",2021,", ",2025,") for row in _by_age_lines(year=2021)[1:]]
    _write(tmp_path / "ilostat", occ.BY_AGE, lines)
    monkeypatch.setitem(occ.SKIP_YEARS, ISO3, {2025: "broken rows"})
    occ.build(ISO3, tmp_path / "ilostat", countries)
    section = json.loads((countries / f"{ISO3}.json").read_text())["occupation"]
    assert section["year"] == 2021 and "2025 not used: broken rows" in section["notes"]


def test_modelled_extract_splits_96_by_the_survey_ratio_and_is_derived(occ, tmp_path):
    countries = tmp_path / "countries"
    write_table(countries)
    root = tmp_path / "ilostat"
    modelled = ["ref_area,sex,classif1,time,emp_2emp_sex_ocu_nb"]
    for sex in ("sex_f", "sex_m"):
        for code, value in {"1": 100, "2": 100, "3": 100, "4": 100, "5": 100, "7": 100, "8": 100, "96": 300}.items():
            modelled.append(f"nzl,{sex},ocu_details_{code},2023,{value}")
        modelled.append(f"nzl,{sex},ocu_details_total,2023,1000")
    _write(root, occ.MODELLED, modelled)
    survey = ["ref_area,sex,classif1,time,emp_temp_sex_ocu_nb",
              "nzl,sex_f,ocu_isco88_6,2014,20", "nzl,sex_f,ocu_isco88_9,2014,80",
              "nzl,sex_m,ocu_isco88_6,2014,50", "nzl,sex_m,ocu_isco88_9,2014,50"]
    _write(root, occ.SURVEY, survey, offsets=(900000,))
    made = occ.build(ISO3, root, countries)
    table = json.loads((countries / f"{ISO3}.json").read_text())
    section = table["occupation"]
    assert made["precision"] == section["precision"] == "derived"
    assert section["female"]["6"] == pytest.approx(0.3 * 0.2) and section["female"]["9"] == pytest.approx(0.3 * 0.8)
    assert section["male"]["6"] == pytest.approx(0.15) and section["male"]["0"] == 0.0
    assert "ISCO-88 groups 6 and 9 in 2014" in section["notes"]
    assert [c["commit"] for c in section["copy"]] == [COMMIT, COMMIT]
    mix = occ.copy_mix(root, ISO3)
    assert occ.tvd(occ.merge_69(section["female"]), mix["female"]) < 1e-6
    assert check_table(table) == []


def _modelled_lines() -> list[str]:
    lines = ["ref_area,sex,classif1,time,emp_2emp_sex_ocu_nb"]
    for sex in ("sex_f", "sex_m"):
        for code, value in {"1": 100, "2": 100, "3": 100, "4": 100, "5": 100, "7": 100, "8": 100, "96": 300}.items():
            lines.append(f"nzl,{sex},ocu_details_{code},2023,{value}")
        lines.append(f"nzl,{sex},ocu_details_total,2023,1000")
    return lines


def test_a_by_age_extract_with_only_isco88_rows_splits_the_modelled_series(occ, tmp_path):
    countries = tmp_path / "countries"
    write_table(countries)
    root = tmp_path / "ilostat"
    _write(root, occ.MODELLED, _modelled_lines())
    by_age = [BY_AGE_HEADER]
    for sex, six, nine in (("sex_f", 10, 90), ("sex_m", 40, 60)):
        by_age += [f"nzl,{sex},age_aggregate_total,ocu_isco88_6,2023,{six}",
                   f"nzl,{sex},age_aggregate_total,ocu_isco88_9,2023,{nine}"]
    by_age.append("nzl,sex_m,age_aggregate_y15_24,ocu_isco88_6,2023,999")  # a band row is not the all-ages ratio
    _write(root, occ.BY_AGE, by_age, offsets=(44000, 307000))
    made = occ.build(ISO3, root, countries)
    section = json.loads((countries / f"{ISO3}.json").read_text())["occupation"]
    assert made["precision"] == section["precision"] == "derived" and "by_age" not in section
    assert section["female"]["6"] == pytest.approx(0.03) and section["male"]["6"] == pytest.approx(0.12)
    assert "ISCO-88 groups 6 and 9 in 2023" in section["notes"]
    assert section["copy"][1]["offsets"] == [44000, 307000]


def test_an_extract_without_provenance_is_refused(occ, tmp_path):
    countries = tmp_path / "countries"
    write_table(countries)
    root = tmp_path / "ilostat"
    _write(root, occ.BY_AGE, _by_age_lines())
    (root / "PROVENANCE-occupation.json").write_text("{}")
    with pytest.raises(KeyError, match="no entry in PROVENANCE-occupation.json"):
        occ.build(ISO3, root, countries)


def test_no_extract_names_the_remedy(occ, tmp_path):
    countries = tmp_path / "countries"
    write_table(countries)
    with pytest.raises(FileNotFoundError, match="no ILOSTAT occupation extract"):
        occ.build(ISO3, tmp_path / "ilostat", countries)
