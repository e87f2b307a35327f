"""Reference subgroup shares from the official variables, against hand-computed values."""

from __future__ import annotations

import pandas as pd
import pytest

from deeppersona_agents.comparison.references import wvs7_reference
from deeppersona_agents.comparison.subgroups import age_band, age_labels, persona_groups, wvs7_groups
from deeppersona_agents.errors import ConfigError
from tests.comparison.wvs_fixture import write_official_file

BY = ["sex", "age_band", "education", "urban", "religion"]


@pytest.fixture
def reference(tmp_path):
    return wvs7_reference(write_official_file(tmp_path / "WVS_Cross-National_Wave_7.csv"),
                          items=["Q46", "Q57", "Q152", "Q1"], by=BY)


def share(frame, group, level, item, value, country="IND"):
    rows = frame[(frame["country"] == country) & (frame["group"] == group) & (frame["group_value"] == level)
                 & (frame["item"] == item) & (frame["value"] == value)]
    assert len(rows) == 1, (group, level, item, value)
    return float(rows["share"].iloc[0]), int(rows["n_valid"].iloc[0])


def test_subgroup_shares_are_weighted_and_hand_checkable(reference):
    sub = reference["subgroups"]
    assert list(sub.columns) == ["country", "item", "group", "group_value", "value", "share", "n_valid"]
    # men with a valid Q46: row 1 (weight 2, code 1) and row 4 (weight 0.5, code 4); row 5 answered -1
    assert share(sub, "sex", "male", "Q46", 1) == (pytest.approx(2 / 2.5, abs=1e-6), 2)
    assert share(sub, "sex", "male", "Q46", 4)[0] == pytest.approx(0.5 / 2.5, abs=1e-6)
    assert share(sub, "sex", "female", "Q46", 2)[0] == pytest.approx(0.5, abs=1e-6)
    # age 17 is below every band; 50+ holds rows 3 and 5, but only row 3 answered Q46 (code 3)
    assert share(sub, "age_band", "50+", "Q46", 3) == (pytest.approx(1.0), 1)
    assert share(sub, "age_band", "18-29", "Q46", 1) == (pytest.approx(1.0), 1)
    # ISCED 3 and 4 are upper secondary: rows 1 and 4 again
    assert share(sub, "education", "upper_secondary", "Q46", 1)[0] == pytest.approx(0.8, abs=1e-6)
    assert share(sub, "education", "tertiary", "Q46", 2)[0] == pytest.approx(1.0)
    assert share(sub, "education", "less_than_primary", "Q46", 3)[0] == pytest.approx(1.0)
    # Q289 6 = Hindu: rows 1 (w 2, code 1) and 3 (w 1, code 3)
    assert share(sub, "religion", "hindu", "Q46", 1)[0] == pytest.approx(2 / 3, abs=1e-6)
    assert share(sub, "religion", "hindu", "Q46", 3)[0] == pytest.approx(1 / 3, abs=1e-6)
    # urban: rows 1, 3, 5 -> Q57 codes 1 (w 2), 2 (w 1), 1 (w 1.5)
    assert share(sub, "urban", "urban", "Q57", 1) == (pytest.approx(3.5 / 4.5, abs=1e-6), 3)
    assert share(sub, "religion", "christian", "Q152", 4, country="DEU")[0] == pytest.approx(1.0)
    # every group level's shares sum to one
    sums = sub.groupby(["country", "item", "group", "group_value"])["share"].sum()
    assert sums.to_numpy() == pytest.approx(1.0)


def test_official_codes_map_to_the_persona_levels():
    frame = pd.DataFrame({"Q260": [1, 2, -2], "Q262": [18, 49, 50], "Q275": [5, 2, 8], "H_URBRURAL": [2, 1, -5],
                          "Q289": [8, 4, 7]})
    groups = wvs7_groups(frame, BY)
    assert groups.to_dict("list") == {
        "sex": ["male", "female", None], "age_band": ["18-29", "30-49", "50+"],
        "education": ["tertiary", "lower_secondary", "tertiary"], "urban": ["rural", "urban", None],
        "religion": ["christian", "jewish", "buddhist"]}
    assert age_labels((25, 45, 65)) == ["18-24", "25-44", "45-64", "65+"]
    assert list(age_band([17, 29, 30, None])) == [None, "18-29", "30-49", None]
    with pytest.raises(ConfigError, match="age cuts"):
        age_labels((50, 30))
    with pytest.raises(ConfigError, match="no Q289"):
        wvs7_groups(frame.drop(columns="Q289"), ["religion"])


def test_persona_levels_from_the_core():
    records = [{"id": "a", "core": {"age": 34, "gender": "female", "demographics": {
                    "education": "tertiary", "urban": False, "religion": "folk_religion"}}},
               {"id": "b", "core": {"age": 70, "gender": "Male", "demographics": {"education": "secondary?"}}}]
    groups = persona_groups(records)
    assert groups.loc["a"].to_dict() == {"sex": "female", "age_band": "30-49", "education": "tertiary",
                                         "urban": "rural", "religion": "other"}
    assert groups.loc["b", "sex"] == "male" and pd.isna(groups.loc["b", "education"])


def test_ipip_subgroups_from_the_big5_gender_and_age_columns(tmp_path):
    from typer.testing import CliRunner

    from deeppersona_agents.cli import app

    path = tmp_path / "data.csv"  # BIG5 2012 layout: E1 ... with age, gender (1 male, 2 female, 3 other), country
    path.write_text("E1\tN1\tage\tgender\tcountry\n5\t1\t22\t1\tIN\n3\t2\t24\t1\tIN\n4\t0\t61\t2\tIN\n2\t5\t40\t3\tIN\n")
    out = tmp_path / "ipip.csv"
    result = CliRunner().invoke(app, ["reference", "ipip", str(path), "--out", str(out), "--by", "sex,age_band"])
    assert result.exit_code == 0, result.output
    sub = pd.read_csv(tmp_path / "ipip_subgroups.csv")
    assert share(sub, "sex", "male", "EXT1", 5) == (pytest.approx(0.5), 2)
    assert share(sub, "sex", "female", "EXT1", 4) == (pytest.approx(1.0), 1)
    assert share(sub, "age_band", "18-29", "EXT1", 3)[0] == pytest.approx(0.5)
    assert sub[(sub["group_value"] == "50+") & (sub["item"] == "EST1")].empty
    result = CliRunner().invoke(app, ["reference", "ipip", str(path), "--out", str(out), "--by", "education"])
    assert result.exit_code == 1 and "no column for by='education'" in result.output
    assert "(option --by)" in result.output
