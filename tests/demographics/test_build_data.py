"""The city and name builders on small fixtures in their copies' formats."""

import csv
import gzip
import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "data"))
import build_cities  # noqa: E402
import build_names  # noqa: E402


def _city(gid, name, cc, pop, admin, alts=()):
    return {"geonameid": gid, "name": name, "latitude": 1.23456, "longitude": -2.5, "countrycode": cc,
            "population": pop, "timezone": "x", "admin1code": admin, "alternatenames": list(alts)}


@pytest.fixture
def city_copies(tmp_path):
    cities = [
        _city(1, "Smalltown", "KE", 20_000, "05", ["Small Town", "ST"]),
        _city(2, "Bigcity", "KE", 900_000, "05", ["Big City", "BGC", "Бигсити", "Big 2"]),
        _city(3, "Midtown", "KE", 20_000, "00"),
        _city(4, "Newplace", "VN", 500_000, "99"),  # a code the region copy lacks: the country was re-coded
        _city(5, "Oldplace", "VN", 50_000, "01"),
    ]
    cities_path = tmp_path / "cities15000.json"
    cities_path.write_text(json.dumps({str(c["geonameid"]): c for c in cities}), encoding="utf-8")
    admin1 = tmp_path / "admin1CodesASCII.txt"
    admin1.write_text("KE.05\tNairobi Area\tNairobi Area\t1\nVN.01\tAn Giang\tAn Giang\t2\n", encoding="utf-8")
    return cities_path, admin1


def test_build_cities_sorts_names_regions_and_alternates(city_copies, tmp_path):
    out = tmp_path / "cities.csv.gz"
    assert build_cities.main(["--cities", str(city_copies[0]), "--admin1", str(city_copies[1]), "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(out.read_bytes()).decode("utf-8"))))
    assert [(r["country"], r["name"]) for r in rows] == [
        ("KE", "Bigcity"), ("KE", "Midtown"), ("KE", "Smalltown"), ("VN", "Newplace"), ("VN", "Oldplace")]
    by_name = {r["name"]: r for r in rows}
    assert by_name["Bigcity"]["region"] == "Nairobi Area"
    assert by_name["Midtown"]["region"] == ""  # "00": unknown region
    assert by_name["Oldplace"]["region"] == ""  # not "An Giang": VN codes changed after the copy
    assert by_name["Bigcity"]["alternate_names"] == "Big City"  # no codes, digits or other scripts
    assert by_name["Smalltown"]["alternate_names"] == ""  # alternates only for places of 100,000+
    assert by_name["Bigcity"]["latitude"] == "1.2346"


def test_build_cities_is_byte_stable(city_copies, tmp_path):
    a, b = tmp_path / "a.csv.gz", tmp_path / "b.csv.gz"
    for out in (a, b):
        build_cities.main(["--cities", str(city_copies[0]), "--admin1", str(city_copies[1]), "--out", str(out)])
    assert a.read_bytes() == b.read_bytes()


def test_geezorg_names_keep_male_and_female_only():
    text = "#Amharic Name\tName Type\tAlternate Spelling\nአበበ\tMale\t\nአልማዝ\tFemale\t\nአዲስ\tBoth\t\nጌታ/\tMale\t\n"
    assert build_names.geezorg_names(text) == {"male": ["አበበ", "ጌታ"], "female": ["አልማዝ"]}


def test_faker_js_arrays_keep_quotes_inside_names():
    text = "export default {\n  generic: [\n    'Smith',\n    \"O'Neill\",\n  ],\n  female: ['Ava'],\n};\n"
    assert build_names.ts_array(text, "generic") == ["Smith", "O'Neill"]
    assert build_names.ts_array(text, "female") == ["Ava"]


def test_katalogo_names_flatten_letters_and_split_variants():
    text = json.dumps([{"a": ["Abay", "Abaya"]}, {"u": ["Ulap / Ulep", "Abay"]}])
    assert build_names.katalogo_names(text) == ["Abay", "Abaya", "Ulap", "Ulep"]


def test_build_names_refuses_a_changed_copy(tmp_path):
    local = tmp_path / build_names.COPIES["geezorg"]["local"]
    local.parent.mkdir(parents=True)
    local.write_text("#x\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="differs from the recorded copy"):
        build_names.build(tmp_path)
