"""scripts/data/ilostat_marital.py on a tiny extract in the ILOSTAT copy's format (invented counts for NZL)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from deeppersona_agents.demographics.tables import MARITAL_BANDS, MARITAL_STATUSES, check_table
from tests.demographics.fixtures import ISO3, write_table

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "data" / "ilostat_marital.py"
HEADER = "ref_area,sex,classif1,classif2,time,pop_xwap_sex_age_mts_nb"
#: Per band: single, married, union, widowed, separated, not stated (thousands).
COUNTS = {
    "y15_24": (90, 6, 3, 0.5, 0.5, 1),
    "y25_34": (40, 40, 15, 1, 4, 0),
    "y35_44": (15, 60, 10, 2, 13, 0),
    "y45_54": (10, 62, 6, 5, 17, 0),
    "y55_64": (6, 64, 4, 10, 16, 0),
    "yge65": (4, 50, 2, 34, 10, 0),
}
CODES = ("sgle", "mrd", "union", "wid", "sep", "x")


@pytest.fixture(scope="module")
def mod():
    spec = importlib.util.spec_from_file_location("ilostat_marital", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lines(counts=COUNTS, year=2022, skip=()) -> list[str]:
    lines = [HEADER]
    for sex in ("sex_f", "sex_m"):
        for band, values in counts.items():
            for code, value in zip(CODES, values, strict=True):
                if (sex, band, code) not in skip:
                    lines.append(f"nzl,{sex},age_10yrbands_{band},mts_details_{code},{year},{value}")
            lines.append(f"nzl,{sex},age_10yrbands_{band},mts_details_total,{year},{sum(values)}")
    return lines


def _setup(tmp_path: Path, lines: list[str]) -> tuple[Path, Path]:
    countries, copies = tmp_path / "countries", tmp_path / "copies"
    write_table(countries)
    folder = copies / "ilostat" / "pop_xwap_sex_age_mts_nb"
    folder.mkdir(parents=True)
    (folder / "nzl.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    prov = {"pop_xwap_sex_age_mts_nb/nzl.csv": {"offsets": [0, 16000]}}
    (copies / "ilostat" / "PROVENANCE-marital.json").write_text(json.dumps(prov), encoding="utf-8")
    return countries, copies


def test_section_is_valid_with_provenance_and_band_precision(mod, tmp_path):
    countries, copies = _setup(tmp_path, _lines())
    mod.build(ISO3, copies, countries_dir=countries)
    table = json.loads((countries / f"{ISO3}.json").read_text(encoding="utf-8"))
    assert check_table(table) == []
    section = table["marital_status"]
    assert section["precision"] == "derived" and section["year"] == 2022
    assert section["copy"]["commit"] == mod.COMMIT and section["copy"]["offsets"] == [0, 16000]
    assert section["copy"]["path"].endswith("ref_area-nzl--sex--classif1--classif2--time.csv")
    assert section["band_precision"] == {b: "derived" if b in ("15-19", "20-24") else "checked" for b in MARITAL_BANDS}
    assert "15-24" in section["notes"] and "union" in section["notes"]
    assert table["occupation"]["source"] == "synthetic test data"  # other sections untouched


def test_checked_bands_are_the_copy_shares_with_union_as_married(mod, tmp_path):
    countries, copies = _setup(tmp_path, _lines())
    body = mod.build(ISO3, copies, countries_dir=countries)
    for band, key in (("25-34", "y25_34"), ("45-54", "y45_54"), ("65+", "yge65")):
        sgle, mrd, union, wid, sep, _ = COUNTS[key]
        total = sgle + mrd + union + wid + sep  # not stated (x) is left out
        want = {"never_married": sgle / total, "married": (mrd + union) / total,
                "divorced_separated": sep / total, "widowed": wid / total}
        for sex in ("male", "female"):
            for status in MARITAL_STATUSES:
                assert body[sex][band][status] == pytest.approx(want[status], abs=1e-4)


def test_youth_split_keeps_the_copy_15_24_and_rises_with_age(mod, tmp_path):
    countries, copies = _setup(tmp_path, _lines())
    body = mod.build(ISO3, copies, countries_dir=countries)
    table = json.loads((countries / f"{ISO3}.json").read_text(encoding="utf-8"))
    sgle, mrd, union, wid, sep, _ = COUNTS["y15_24"]
    never = sgle / (sgle + mrd + union + wid + sep)
    for sex in ("male", "female"):
        w = mod.five_year_weights(table, sex)
        young, older = body[sex]["15-19"], body[sex]["20-24"]
        mean = (w[0] * young["never_married"] + w[1] * older["never_married"]) / (w[0] + w[1])
        assert mean == pytest.approx(never, abs=2e-4)
        assert young["never_married"] > older["never_married"]
        for band in ("15-19", "20-24"):
            ever = 1 - body[sex][band]["never_married"]
            mix = (mrd + union) / (mrd + union + wid + sep)
            assert body[sex][band]["married"] == pytest.approx(ever * mix, abs=2e-4)
    checks = mod.check_against_copy(ISO3, copies, countries_dir=countries)
    assert all(v < 5e-4 for c in checks.values() for v in c.values())


def test_split_youth_fits_both_means(mod):
    w = [3.0, 2.0, 2.5, 2.5]
    e15, e20 = mod.split_youth(0.1, 0.55, w)
    assert (w[0] * e15 + w[1] * e20) / 5 == pytest.approx(0.1, abs=1e-6)
    b = mod.math.log(e20 / (1 - e20)) - mod.math.log(e15 / (1 - e15))
    a = mod.math.log(e15 / (1 - e15))
    e25, e30 = (1 / (1 + mod.math.exp(-(a + k * b))) for k in (2, 3))
    assert (w[2] * e25 + w[3] * e30) / 5 == pytest.approx(0.55, abs=1e-6)


def test_a_missing_status_row_counts_as_zero(mod, tmp_path):
    countries, copies = _setup(tmp_path, _lines(skip={("sex_f", "y25_34", "wid")}))
    body = mod.build(ISO3, copies, countries_dir=countries)
    assert body["female"]["25-34"]["widowed"] == 0 < body["male"]["25-34"]["widowed"]


def test_rows_from_two_years_or_a_missing_band_are_refused(mod, tmp_path):
    lines = _lines() + _lines(year=2021)[1:]
    countries, copies = _setup(tmp_path, lines)
    with pytest.raises(ValueError, match="several years"):
        mod.build(ISO3, copies, countries_dir=countries)
    counts = {k: v for k, v in COUNTS.items() if k != "y45_54"}
    countries, copies = _setup(tmp_path / "b", _lines(counts))
    with pytest.raises(ValueError, match="do not cover 45-54"):
        mod.build(ISO3, copies, countries_dir=countries)


def test_bands_summed_into_65_plus(mod, tmp_path):
    counts = {k: v for k, v in COUNTS.items() if k != "yge65"}
    counts["y65_74"] = (2, 30, 1, 14, 5, 0)
    counts["yge75"] = (2, 20, 1, 20, 5, 0)
    countries, copies = _setup(tmp_path, _lines(counts))
    body = mod.build(ISO3, copies, countries_dir=countries)
    assert body["male"]["65+"]["widowed"] == pytest.approx(34 / 100, abs=1e-4)
