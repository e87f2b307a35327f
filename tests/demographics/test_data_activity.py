"""scripts/data/ilostat_activity.py on a tiny fixture in the extract format (invented rates for NZL)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from deeppersona_agents.demographics.activity_rule import split_youth
from deeppersona_agents.demographics.tables import ACTIVITY_BANDS, check_table
from tests.demographics.fixtures import write_table

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "data" / "ilostat_activity.py"

LFPR = {"sex_f": {"total": 60, "y15_24": 40, "y25_54": 80, "y55_64": 55, "yge65": 10},
        "sex_m": {"total": 70, "y15_24": 50, "y25_54": 90, "y55_64": 70, "yge65": 20}}
UNE = {"sex_f": {"y15_24": 12, "yge15": 6, "yge25": 5}, "sex_m": {"y15_24": 10, "yge15": 5, "yge25": 4}}
NEET = {"sex_f": 12, "sex_m": 10}


@pytest.fixture(scope="module")
def mod():
    spec = importlib.util.spec_from_file_location("ilostat_activity", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(path: Path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


@pytest.fixture
def setup(tmp_path):
    countries, copies = tmp_path / "countries", tmp_path / "copies"
    write_table(countries)
    base = copies / "ilostat"
    rows = []
    for sex, r in LFPR.items():
        rows += [f"nzl,{sex},age_aggregate_total,2023,{r['total']}"]
        rows += [f"nzl,{sex},age_aggregate_{k},2023,{r[k]}" for k in ("y15_24", "y25_54", "y55_64", "yge65")]
        rows += [f"nzl,{sex},age_ythadult_y15_24,2023,{r['y15_24']}", f"nzl,{sex},age_ythadult_yge15,2023,{r['total']}"]
    _write(base / "eap_2wap_sex_age_rt" / "nzl.csv", "ref_area,sex,classif1,time,eap_2wap_sex_age_rt", rows)
    rows = [f"nzl,{sex},age_ythadult_{k},2023,{v}" for sex, r in UNE.items() for k, v in r.items()]
    _write(base / "une_2eap_sex_age_rt" / "nzl.csv", "ref_area,sex,classif1,time,une_2eap_sex_age_rt", rows)
    rows = [f"nzl,{sex},2023,{v}" for sex, v in NEET.items()]
    _write(base / "eip_2eet_sex_rt" / "nzl.csv", "ref_area,sex,time,eip_2eet_sex_rt", rows)
    return countries, copies


def test_section_is_written_valid_and_derived(mod, setup):
    countries, copies = setup
    mod.build("NZL", copies, countries_dir=countries)
    table = json.loads((countries / "NZL.json").read_text(encoding="utf-8"))
    assert check_table(table) == []
    act = table["activity"]
    assert act["precision"] == "derived" and act["year"] == 2023 and "NEET" in act["notes"]
    assert [c["path"].split("--")[2] for c in act["copy"]] == ["eap_2wap_sex_age_rt", "une_2eap_sex_age_rt",
                                                               "eip_2eet_sex_rt"]
    assert all(c["commit"] == mod.COMMIT and c["extract"].startswith("ilostat/") for c in act["copy"])
    assert table["occupation"]["source"] == "synthetic test data"  # other sections untouched


def test_labour_force_figures_follow_the_copy(mod, setup):
    countries, copies = setup
    body = mod.build("NZL", copies, countries_dir=countries)
    table = json.loads((countries / "NZL.json").read_text(encoding="utf-8"))
    for sex, code in (("male", "sex_m"), ("female", "sex_f")):
        act, lf, un = body[sex], LFPR[code], UNE[code]
        for band, key in (("25-34", "y25_54"), ("45-54", "y25_54"), ("55-64", "y55_64"), ("65+", "yge65")):
            active = act[band]["employed"] + act[band]["unemployed"]
            assert active == pytest.approx(lf[key] / 100, abs=2e-4)
            assert act[band]["unemployed"] / active == pytest.approx(un["yge25"] / 100, abs=1e-3)
        w15, w20 = mod.youth_weights(table, sex)
        young = {b: act[b]["employed"] + act[b]["unemployed"] for b in ("15-19", "20-24")}
        assert (w15 * young["15-19"] + w20 * young["20-24"]) / (w15 + w20) == pytest.approx(lf["y15_24"] / 100, 2e-4)
        assert young["20-24"] > young["15-19"]
        students = (w15 * act["15-19"]["student"] + w20 * act["20-24"]["student"]) / (w15 + w20)
        inactive_neet = NEET[code] / 100 - lf["y15_24"] / 100 * un["y15_24"] / 100
        assert students == pytest.approx(1 - lf["y15_24"] / 100 - inactive_neet, abs=2e-4)
        assert act["65+"]["student"] == 0 and act["15-19"]["retired"] == 0 < act["65+"]["retired"]
        for band in ACTIVITY_BANDS:
            assert sum(act[band].values()) == pytest.approx(1, abs=1e-9)


def test_check_against_copy_reports_the_copy_totals(mod, setup):
    countries, copies = setup
    mod.build("NZL", copies, countries_dir=countries)
    check = mod.check_against_copy("NZL", copies, countries_dir=countries)
    assert check["female"]["copy_lfpr_15"] == pytest.approx(0.60)
    assert check["female"]["copy_employed_15"] == pytest.approx(0.60 * 0.94)
    assert 0 < check["male"]["employed_15"] < check["male"]["lfpr_15"] < 1


def test_split_youth_keeps_mean_and_odds():
    a, b = split_youth(0.71, 2.0, 1.0, odds=4.0)
    assert (2 * a + b) / 3 == pytest.approx(0.71, abs=1e-9)
    assert (b / (1 - b)) / (a / (1 - a)) == pytest.approx(4.0, rel=1e-6)


def test_a_row_from_another_year_is_refused(mod, setup):
    _, copies = setup
    path = copies / "ilostat" / "eip_2eet_sex_rt" / "nzl.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("2023", "2022"), encoding="utf-8")
    with pytest.raises(ValueError, match="unexpected row"):
        mod.country_inputs("NZL", copies)


def test_a_high_neet_rate_is_moved_between_youth_bands_not_lost(mod):
    rates = {"lfpr_15_24": 0.4, "lfpr_25_54": 0.8, "lfpr_55_64": 0.5, "lfpr_65": 0.1, "u_15_24": 0.12, "u_25": 0.05,
             "neet": 0.62}
    act = mod.activity_for_sex(rates, "female", 1.0, 1.0)
    inactive_neet = 0.62 - 0.4 * 0.12
    students = (act["15-19"]["student"] + act["20-24"]["student"]) / 2
    assert act["20-24"]["student"] == 0 < act["15-19"]["student"]
    assert students == pytest.approx(1 - 0.4 - inactive_neet, abs=2e-4)
