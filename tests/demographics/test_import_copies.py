"""``demographics import`` on small fixtures in each public copy's format, adding a country that is not shipped.

Uruguay (URY, M49 858) is not shipped; all figures below are invented.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from deeppersona_agents.demographics import PopulationSampler, load_table
from deeppersona_agents.demographics.copies import WUP_RURAL, WUP_URBAN
from deeppersona_agents.demographics.importers import import_country
from deeppersona_agents.demographics.tables import SECTIONS, check_table, missing_sections
from deeppersona_agents.errors import ConfigError

ISO3, M49 = "URY", 858
LEVELS = ["No Education", "Incomplete Primary", "Primary", "Lower Secondary", "Upper Secondary", "Post Secondary"]


def wpp_frame(years=(2022, 2023)) -> pd.DataFrame:
    rows = []
    for year in years:
        for i, start in enumerate(range(0, 101, 5)):
            male, female = 1000.0 * (21 - i), 1100.0 * (21 - i)
            for sex, value in (("Male", male), ("Female", female), ("Both sexes", male + female)):
                rows.append((M49, "Uruguay", year, sex, start, start + 4, value + (year - 2023)))
    return pd.DataFrame(rows, columns=["locationId", "location", "year", "sexId", "ageStart", "ageEnd", "population"])


def wic_frame() -> pd.DataFrame:
    rows = []
    for age in [f"{a}--{a + 4}" for a in range(15, 100, 5)] + ["100+"]:
        for sex in ("Male", "Female"):
            for k, level in enumerate(LEVELS):
                rows.append(("Uruguay", M49, 2020, age, level, sex, 10.0 + k))
    return pd.DataFrame(rows, columns=["name", "country_code", "year", "age", "education", "sex", "epop"])


@pytest.fixture
def files(tmp_path):
    out = {}
    out["wpp_csv"] = tmp_path / "wpp_age_sex_fiveyr.csv"
    wpp_frame().to_csv(out["wpp_csv"], index=False)
    out["wic"] = tmp_path / "past_epop.csv"
    wic_frame().to_csv(out["wic"], index=False)
    out["wup"] = tmp_path / "wup.csv"
    out["wup"].write_text(f"Entity,Year,{WUP_URBAN},{WUP_RURAL}\nUruguay,2023,3200000,300000\n"
                          "Uruguay,2050,3400000,200000\n", encoding="utf-8")
    out["pew"] = tmp_path / "pew.csv"
    out["pew"].write_text(
        "Region,Country,Year,Population,Christians,Muslims,Religiously_unaffiliated,Buddhists,Hindus,Jews,"
        "Other_religions,Level,Countrycode\nLatin America,Uruguay,2020,3400000,50,0.1,46,0.1,0.1,0.3,3.4,1,858\n",
        encoding="utf-8-sig")
    occ = ["ref_area,sex,classif1,classif2,time,emp_temp_sex_age_ocu_nb"]
    for sex, step in (("sex_f", 2), ("sex_m", 1)):
        for cls in ("age_aggregate_total", "age_aggregate_y15_24", "age_aggregate_y25_54", "age_aggregate_y55_64",
                    "age_aggregate_yge65"):
            for g in [str(g) for g in range(10)] + ["x", "total"]:
                value = 10 + step * int(g) if g.isdigit() else 999
                occ += [f"ury,{sex},{cls},ocu_isco08_{g},{year},{value}" for year in (2022, 2023)]
    out["occ"] = tmp_path / "emp_by_age.csv"
    out["occ"].write_text("\n".join(occ) + "\n", encoding="utf-8")
    mts = ["ref_area,sex,classif1,classif2,time,pop_xwap_sex_age_mts_nb"]
    counts = {"y15_24": (90, 8, 1, 1), "y25_34": (40, 55, 1, 4), "y35_44": (15, 70, 2, 13),
              "y45_54": (10, 68, 5, 17), "y55_64": (6, 68, 10, 16), "yge65": (4, 52, 34, 10)}
    for sex in ("sex_f", "sex_m"):
        for band, (single, married, wid, sep) in counts.items():
            for year in (2021, 2022):
                mts.append(f"ury,{sex},age_10yrbands_{band},mts_aggregate_1,{year},{single + wid + sep}")
                for code, value in (("sgle", single), ("mrd", married), ("wid", wid), ("sep", sep)):
                    mts.append(f"ury,{sex},age_10yrbands_{band},mts_details_{code},{year},{value + year - 2022}")
    out["mts"] = tmp_path / "mts.csv"
    out["mts"].write_text("\n".join(mts) + "\n", encoding="utf-8")
    lfpr = ["ref_area,sex,classif1,time,eap_2wap_sex_age_rt"]
    une = ["ref_area,sex,classif1,time,une_2eap_sex_age_rt"]
    neet = ["ref_area,sex,time,eip_2eet_sex_rt"]
    for sex in ("sex_f", "sex_m"):
        for year in (2023, 2027):
            lfpr += [f"ury,{sex},{c},{year},{v}" for c, v in (
                ("age_ythadult_y15_24", 45), ("age_aggregate_y25_54", 85), ("age_aggregate_y55_64", 60),
                ("age_aggregate_yge65", 12), ("age_ythadult_yge15", 62))]
            une += [f"ury,{sex},{c},{year},{v}" for c, v in (
                ("age_ythadult_y15_24", 20), ("age_ythadult_yge25", 6), ("age_ythadult_yge15", 8))]
            neet.append(f"ury,{sex},{year},15")
    for name, lines in (("lfpr", lfpr), ("une", une), ("neet", neet)):
        out[name] = tmp_path / f"{name}.csv"
        out[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def test_a_new_country_is_built_section_by_section(files, tmp_path):
    into = tmp_path / "tables"
    path = import_country(ISO3, into, wpp=files["wpp_csv"])
    table = json.loads(path.read_text(encoding="utf-8"))
    assert table["iso3"] == ISO3 and table["name"] == "Uruguay" and table["year"] == 2023
    assert table["age_sex"]["male"][0] == pytest.approx(21.0) and table["age_sex"]["male"][-1] == pytest.approx(
        (4 + 3 + 2 + 1) * 1.0)
    copy = table["age_sex"]["copy"]
    assert copy["file"] == "wpp_age_sex_fiveyr.csv" and len(copy["sha256"]) == 64
    assert missing_sections(table) == [s for s in SECTIONS if s != "age_sex"]
    with pytest.raises(ConfigError, match=r"lacks the sections \['activity'.*--ilostat.*--education"):
        load_table(ISO3, into)
    import_country(ISO3, into, ilostat=[files["occ"], files["mts"], files["lfpr"], files["une"], files["neet"]],
                   education=files["wic"], urban=files["wup"], religion=files["pew"])
    table = json.loads(path.read_text(encoding="utf-8"))
    assert missing_sections(table) == [] and check_table(table) == []
    for section in SECTIONS:
        assert table[section]["precision"] in ("checked", "derived") and table[section]["source"]
        copies = table[section]["copy"] if isinstance(table[section]["copy"], list) else [table[section]["copy"]]
        assert all(c["file"] and c["sha256"] for c in copies)
    sampler = PopulationSampler(ISO3, tables_dir=into)
    expected = sampler.expected_marginals()
    assert expected["urban"][True] == pytest.approx(32 / 35, abs=1e-4)


def test_each_section_reads_its_copy(files, tmp_path):
    into = tmp_path / "t"
    import_country(ISO3, into, wpp=files["wpp_csv"], ilostat=[files["occ"], files["mts"]], urban=files["wup"],
                   education=files["wic"], religion=files["pew"])
    table = json.loads((into / f"{ISO3}.json").read_text(encoding="utf-8"))
    occupation = table["occupation"]
    assert occupation["year"] == 2023 and occupation["male"]["9"] == pytest.approx(19 / sum(10 + g for g in range(10)),
                                                                                  abs=1e-6)
    assert set(occupation["by_age"]["female"]) == {"15-24", "25-54", "55-64", "65+"}
    marital = table["marital_status"]
    assert marital["year"] == 2022 and marital["precision"] == "derived"
    assert marital["female"]["65+"]["widowed"] == pytest.approx(34 / 100, abs=1e-4)
    assert table["education"]["male"]["25-34"]["tertiary"] == pytest.approx(15 / (21 + 12 + 13 + 14 + 15), abs=1e-6)
    assert table["urban"]["share"] == pytest.approx(32 / 35, abs=1e-5) and table["urban"]["year"] == 2023
    shares = table["religion"]["shares"]
    assert shares["other"] == pytest.approx(3.4 / 100.0, abs=1e-6) and shares["folk_religion"] == 0


def test_activity_uses_the_table_year_of_modelled_rates(files, tmp_path):
    into = tmp_path / "t"
    import_country(ISO3, into, wpp=files["wpp_csv"], ilostat=[files["lfpr"], files["une"], files["neet"]])
    activity = json.loads((into / f"{ISO3}.json").read_text(encoding="utf-8"))["activity"]
    assert activity["year"] == 2023 and len(activity["copy"]) == 3
    prime = activity["female"]["35-44"]
    assert prime["employed"] + prime["unemployed"] == pytest.approx(0.85, abs=1e-3)
    assert prime["unemployed"] / 0.85 == pytest.approx(0.06, abs=1e-3)


def test_rda_copy_is_read(files, tmp_path):
    rdata = pytest.importorskip("rdata")
    path = tmp_path / "wpp_age_sex_fiveyr.rda"
    frame = wpp_frame()
    frame["sexId"] = pd.Categorical(frame["sexId"], categories=["Male", "Female", "Both sexes"])
    frame["location"] = frame["location"].astype("string[python]")
    rdata.write_rda(str(path), {"wpp_age_sex_fiveyr": frame.astype({"locationId": float, "year": float,
                                                                   "ageStart": float, "ageEnd": float})})
    table = json.loads(import_country(ISO3, tmp_path / "t", wpp=path, year=2022).read_text(encoding="utf-8"))
    assert table["age_sex"]["year"] == 2022 and table["age_sex"]["male"][0] == pytest.approx(20.999)


def test_a_shipped_country_keeps_its_other_sections(files, tmp_path):
    frame = wpp_frame()
    frame["locationId"] = 404
    frame.to_csv(tmp_path / "ken.csv", index=False)
    table = json.loads(import_country("KEN", tmp_path / "t", wpp=tmp_path / "ken.csv").read_text(encoding="utf-8"))
    assert table["activity"] == load_table("KEN")["activity"] and table["age_sex"]["male"][0] == pytest.approx(21.0)


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"ilostat": ["mts"]}, "give wpp"),
    ({"urban": "wup"}, "give year"),
    ({"wpp": "wpp_csv", "ilostat": ["lfpr"]}, "une_2eap_sex_age_rt"),
    ({"wpp": "wpp_csv", "year": 1990}, "1990"),
    ({"education": "pew"}, "missing columns"),
    ({"religion": "wup"}, "missing columns"),
])
def test_refusals_name_the_remedy(files, tmp_path, kwargs, needle):
    args = {k: ([files[x] for x in v] if isinstance(v, list) else files.get(v, v) if isinstance(v, str) else v)
            for k, v in kwargs.items()}
    with pytest.raises(ConfigError, match=needle):
        import_country(ISO3, tmp_path / "t", **args)
    assert not (tmp_path / "t").exists()
