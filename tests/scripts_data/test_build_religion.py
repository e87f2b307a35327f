from __future__ import annotations

import json

import pytest

from tests.scripts_data.scripts import country_files, load, stage

build = load("build_religion")

# The 2025 percentages file: UTF-8 with BOM, CRLF, a regional row (Level 2) and two years per country.
PEW_2025 = "\ufeff" + "\r\n".join([
    "Region,Country,Year,Population,Christians,Muslims,Religiously_unaffiliated,Buddhists,Hindus,Jews,"
    "Other_religions,Level,Countrycode",
    "Sub-Saharan Africa,All Sub-Saharan Africa,2020,1000,50,50,0,0,0,0,0,2,90006",
    "Sub-Saharan Africa,Kenya,2010,100,70,20,4,0,1,1,4,1,404",
    "Sub-Saharan Africa,Kenya,2020,100,80,10,4,0,1,1,4,1,404",
    "Sub-Saharan Africa,Nigeria,2020,100,40,55,1,0,0,0,4,1,566",
    "Europe,Poland,2020,100,90,0,8,0,0,0,2,1,616",
]) + "\r\n"
# The 2015 counts file: ';'-separated, padded counts with thousands separators and '<10,000'.
PEW_2015 = "\ufeff" + "\r\n".join([
    "row_number;level;Nation_fk;Year;Region;Country;Christians;Muslims;Unaffiliated;Hindus;Buddhists;"
    "Folk Religions;Other Religions;Jews;All Religions",
    "1;3;10000;2020; World; All Countries;   1,000,000;  1,000,000;  0;  0;  0;  0;  0;  0;  2,000,000",
    "354;1;106;2020;Sub-Saharan Africa;Kenya;  44,460,000;  5,550,000;  1,200,000;  70,000;  <10,000;"
    "     300,000;     100,000;   <10,000;  52,630,000",
    "399;1;152;2020;Sub-Saharan Africa;Nigeria;  96,080,000;  104,650,000;  790,000;  <10,000;  20,000;"
    "     <10,000;      20,000;   <10,000;  204,690,000",
    "400;1;153;2020;Europe;Poland;  35,000,000;  <10,000;  3,000,000;  <10,000;  <10,000;"
    "     <10,000;     <10,000;   <10,000;  38,000,000",
]) + "\r\n"


@pytest.fixture
def frames(tmp_path):
    (tmp_path / "a.csv").write_text(PEW_2025, encoding="utf-8", newline="")
    (tmp_path / "b.csv").write_text(PEW_2015, encoding="utf-8", newline="")
    return build.read_pew_2025(tmp_path / "a.csv"), build.read_pew_2015(tmp_path / "b.csv")


def test_other_religions_split_by_the_2015_folk_ratio(frames):
    shares = build.religion_shares(*frames, 404)
    assert shares == {"christian": 0.8, "muslim": 0.1, "unaffiliated": 0.04, "hindu": 0.01, "buddhist": 0.0,
                      "folk_religion": 0.03, "jewish": 0.01, "other": 0.01}


def test_below_ten_thousand_reads_as_zero(frames):
    nigeria = build.religion_shares(*frames, 566)
    assert nigeria["folk_religion"] == 0 and nigeria["other"] == 0.04
    poland = build.religion_shares(*frames, 616)  # folk and other both '<10,000': all to other
    assert poland["folk_religion"] == 0 and poland["other"] == 0.02


def test_missing_country_is_named(frames):
    with pytest.raises(KeyError, match="M49 999"):
        build.religion_shares(*frames, 999)


def test_main_writes_a_derived_section_naming_both_copies(tmp_path, monkeypatch):
    copies = tmp_path / "copies"
    monkeypatch.setattr(build, "PEW_2025", stage(build.PEW_2025, copies, PEW_2025.encode()))
    monkeypatch.setattr(build, "PEW_2015", stage(build.PEW_2015, copies, PEW_2015.encode()))
    folder = country_files(tmp_path / "countries", "KEN")
    assert build.main(["KEN"], countries_dir=folder, copies=copies) == 0
    section = json.loads((folder / "KEN.json").read_text(encoding="utf-8"))["religion"]
    assert section["precision"] == "derived" and "Other_religions" in section["notes"]
    assert [c["repository"] for c in section["copy"]] == ["wladimirchagas/Hana-s-flag-game",
                                                          "ParadiseN1/religion_composition"]
    assert section["shares"]["folk_religion"] == 0.03 and section["year"] == 2020
