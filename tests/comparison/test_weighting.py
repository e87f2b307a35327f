"""--weight-to census: raking reaches the census margins; effective sample size; wiring into compare_all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deeppersona_agents.comparison.compare import compare_all
from deeppersona_agents.comparison.weighting import census_targets, census_weights, effective_sample_size
from deeppersona_agents.demographics.tables import EDUCATION_LEVELS, load_table
from deeppersona_agents.errors import ConfigError

BANDS = ["18-29", "30-49", "50+"]


def persons(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"sex": rng.choice(["male", "female"], n), "age_band": rng.choice(BANDS, n, p=[.6, .3, .1]),
                          "education": rng.choice(EDUCATION_LEVELS, n)}, index=[f"p{i}" for i in range(n)])
    frame.loc["p0", "education"] = None  # unknown: weight 0
    return frame


def test_effective_sample_size_by_hand():
    assert effective_sample_size([1, 1, 2]) == pytest.approx(16 / 6)
    assert effective_sample_size(np.ones(10)) == pytest.approx(10)


def test_census_targets_come_from_the_shipped_table():
    targets = census_targets("IND")
    table = load_table("IND")["age_sex"]
    male = dict(zip(table["bands"], table["male"], strict=True))
    # 18-29 men: 2/5 of 15-19 plus 20-24 and 25-29
    young = 0.4 * male["15-19"] + male["20-24"] + male["25-29"]
    adults = sum(0.4 * c["15-19"] + sum(v for b, v in c.items() if b not in ("0-4", "5-9", "10-14", "15-19"))
                 for c in (male, dict(zip(table["bands"], table["female"], strict=True))))
    assert targets["sex*age_band"]["male*18-29"] == pytest.approx(young / adults, rel=1e-9)
    assert sum(targets["sex*education"].values()) == pytest.approx(1)


def test_raking_reaches_the_margins():
    sample = persons(600)
    result = census_weights(sample, "IND")
    w = pd.Series(result.weights, index=sample.index)
    assert w["p0"] == 0 and result.n == 599 and w.sum() == pytest.approx(600)
    known = sample.drop(index="p0")
    targets = census_targets("IND")
    got = w[known.index].groupby(known["sex"] + "*" + known["age_band"]).sum() / w.sum()
    for key, share in targets["sex*age_band"].items():
        assert got[key] == pytest.approx(share, abs=1e-6)
    got_edu = w[known.index].groupby(known["sex"] + "*" + known["education"]).sum() / w.sum()
    sex_share = {s: sum(v for k, v in targets["sex*age_band"].items() if k.startswith(s + "*")) for s in ("male",
                                                                                                         "female")}
    for key, share in targets["sex*education"].items():
        sex = key.split("*")[0]
        within = share / sum(v for k, v in targets["sex*education"].items() if k.startswith(sex + "*"))
        assert got_edu[key] == pytest.approx(within * sex_share[sex], abs=1e-6)
    assert result.ess == pytest.approx(effective_sample_size(result.weights)) and 0 < result.ess < 600


def test_missing_levels_are_dropped_and_reported():
    sample = persons(300)
    sample = sample[sample["age_band"] != "50+"]
    result = census_weights(sample, "IND")
    assert "sex*age_band=male*50+" in result.dropped and "sex*age_band=female*50+" in result.dropped
    with pytest.raises(ConfigError, match="personas"):
        census_weights(sample.drop(columns="education"), "IND")


def test_compare_all_rakes_before_comparing():
    sample = persons(200)
    answers = pd.DataFrame({"persona_id": sample.index, "country": "IND", "item": "Q57", "method": "deep",
                            "answer": np.where(sample["age_band"] == "50+", 1, 2)})
    ref = pd.DataFrame({"country": "IND", "item": "Q57", "value": [1, 2], "share": [0.5, 0.5]})
    plain = compare_all(answers, ref, n_boot=0)
    raked = compare_all(answers, ref, personas=sample, weight_to="census", n_boot=0)
    weights = census_weights(sample, "IND").weights
    share_old = weights[(sample["age_band"] == "50+").to_numpy()].sum() / weights.sum()
    assert raked.panels[("IND", "deep")].shares("Q57")[0] == pytest.approx(share_old, abs=1e-9)
    assert raked.metrics.iloc[0]["total_variation"] == pytest.approx(abs(share_old - 0.5), abs=1e-9)
    assert plain.metrics.iloc[0]["total_variation"] != pytest.approx(raked.metrics.iloc[0]["total_variation"])
    assert raked.weighting.iloc[0]["effective_sample_size"] == pytest.approx(effective_sample_size(weights))
    with pytest.raises(ConfigError, match="personas"):
        compare_all(answers, ref, weight_to="census")


def test_too_small_a_sample_says_so():
    tiny = pd.DataFrame({"sex": ["male", "female", "female"], "age_band": BANDS,
                         "education": ["upper_secondary", "tertiary", "less_than_primary"]})
    with pytest.raises(ConfigError, match="cannot rake 3 IND respondents"):
        census_weights(tiny, "IND")
