"""scripts/data/marital_derived.py on tiny extracts in the ILOSTAT copy's format (invented counts)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

from deeppersona_agents.demographics.tables import MARITAL_BANDS, MARITAL_STATUSES, check_table
from tests.demographics.fixtures import ISO3, write_table

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "data"
BANDS = ("y15_24", "y25_34", "y35_44", "y45_54", "y55_64", "yge65")
#: Per peer and band: single, married, widowed, separated (thousands), the same for both sexes.
PEERS = {
    "AUS": (80, 18, 0, 2, 30, 60, 2, 8, 10, 75, 3, 12, 8, 70, 8, 14, 6, 60, 24, 10, 4, 50, 36, 10),
    "GBR": (90, 9, 0, 1, 40, 52, 1, 7, 20, 64, 2, 14, 12, 64, 6, 18, 8, 58, 20, 14, 6, 48, 34, 12),
}


@pytest.fixture(scope="module")
def mod():
    sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module("marital_derived")


def _peer_lines(iso3: str, values) -> list[str]:
    lines = ["ref_area,sex,classif1,classif2,time,pop_xwap_sex_age_mts_nb"]
    for sex in ("sex_f", "sex_m"):
        for i, band in enumerate(BANDS):
            for j, code in enumerate(("sgle", "mrd", "wid", "sep")):
                lines.append(f"{iso3.lower()},{sex},age_10yrbands_{band},mts_details_{code},2023,{values[4 * i + j]}")
    return lines


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    countries, copies = tmp_path / "countries", tmp_path / "copies"
    write_table(countries)
    folder = copies / "ilostat" / "pop_xwap_sex_age_mts_nb"
    folder.mkdir(parents=True)
    for iso3, values in PEERS.items():
        (folder / f"{iso3.lower()}.csv").write_text("\n".join(_peer_lines(iso3, values)) + "\n", encoding="utf-8")
    agg = copies / "ilostat" / "pop_xwap_sex_age_mts_agg"
    agg.mkdir(parents=True)
    lines = ["ref_area,sex,classif1,classif2,time,pop_xwap_sex_age_mts_nb"]
    for sex in ("sex_f", "sex_m"):
        for k, band in enumerate(BANDS):
            lines += [f"nzl,{sex},age_10yrbands_{band},mts_aggregate_1,2020,{60 - 8 * k}",
                      f"nzl,{sex},age_10yrbands_{band},mts_aggregate_2,2020,{40 + 8 * k}"]
    (agg / "nzl.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    prov = {"pop_xwap_sex_age_mts_agg/nzl.csv": {"offsets": [0]}}
    (copies / "ilostat" / "PROVENANCE-marital-aggregate.json").write_text(json.dumps(prov), encoding="utf-8")
    return countries, copies


def test_aggregates_split_by_the_peers_not_in_union_mix(mod, tmp_path, monkeypatch):
    countries, copies = _setup(tmp_path)
    monkeypatch.setattr(mod, "AGGREGATE_PEERS", {ISO3: ["AUS", "GBR"]})
    body = mod.build(ISO3, copies, countries_dir=countries)
    table = json.loads((countries / f"{ISO3}.json").read_text(encoding="utf-8"))
    assert check_table(table) == []
    section = table["marital_status"]
    assert section["precision"] == "derived" and section["year"] == 2020 and "AUS 2023, GBR 2023" in section["notes"]
    assert [c["extract"] for c in section["copy"]][0] == "ilostat/pop_xwap_sex_age_mts_agg/nzl.csv"
    # 35-44: married = aggregate 2 (56 of 100); the rest split as the peers' mean mix of single/sep/wid
    mix_aus = {"never_married": 10 / 25, "divorced_separated": 12 / 25, "widowed": 3 / 25}
    mix_gbr = {"never_married": 20 / 36, "divorced_separated": 14 / 36, "widowed": 2 / 36}
    cell = body["female"]["35-44"]
    assert cell["married"] == pytest.approx(0.56, abs=1e-4)
    for status, share in mix_aus.items():
        assert cell[status] == pytest.approx(0.44 * (share + mix_gbr[status]) / 2, abs=2e-4)
    assert set(body["male"]) == set(MARITAL_BANDS) and set(cell) == set(MARITAL_STATUSES)


def test_no_national_file_borrows_the_peers_mean(mod, tmp_path, monkeypatch):
    countries, copies = _setup(tmp_path)
    monkeypatch.setattr(mod, "AGGREGATE_PEERS", {})
    monkeypatch.setattr(mod, "BORROW_PEERS", {ISO3: ["AUS", "GBR"]})
    body = mod.build(ISO3, copies, countries_dir=countries)
    section = json.loads((countries / f"{ISO3}.json").read_text(encoding="utf-8"))["marital_status"]
    assert "no national series" in section["notes"] and len(section["copy"]) == 2
    assert body["male"]["65+"]["widowed"] == pytest.approx((36 / 100 + 34 / 100) / 2, abs=1e-4)
    assert body["male"]["15-19"]["never_married"] > body["male"]["20-24"]["never_married"]


def test_a_missing_peer_or_country_is_named(mod, tmp_path, monkeypatch):
    countries, copies = _setup(tmp_path)
    monkeypatch.setattr(mod, "BORROW_PEERS", {ISO3: ["AUS", "FRA"]})
    with pytest.raises(FileNotFoundError, match="peer FRA"):
        mod.build(ISO3, copies, countries_dir=countries)
    with pytest.raises(KeyError, match="neither"):
        mod.build("KEN", copies, countries_dir=countries)
