from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from deeppersona_agents.demographics import PopulationSampler, audit_sample, sample_core, table_attributes
from deeppersona_agents.demographics.sampler import COLUMNS, ISCO_MIN_AGE, occupation_titles
from deeppersona_agents.errors import ConfigError

N = 20_000


@pytest.fixture(scope="module", params=["KEN", "JPN"])
def drawn(request):
    sampler = PopulationSampler(request.param)
    return sampler, sampler.sample(N, seed=11)


def _chi2_pvalue(values: pd.Series, expected: pd.Series) -> float:
    expected = expected[expected > 0]
    observed = values.astype(str).value_counts().reindex(expected.index.map(str), fill_value=0)
    assert observed.sum() == len(values), "a drawn value is outside the table's categories"
    exp_counts = expected.to_numpy() / expected.sum() * len(values)
    return float(stats.chisquare(observed.to_numpy(), exp_counts).pvalue)


@pytest.mark.parametrize("variable", ["sex", "age_band", "activity", "isco_major", "education", "marital_status",
                                      "urban", "religion"])
def test_marginals_match_tables_within_sampling_error(drawn, variable):
    sampler, frame = drawn
    expected = sampler.expected_marginals()[variable]
    if variable == "age_band":
        from deeppersona_agents.demographics.tables import AGE_BANDS, band_of

        values = frame["age"].map(lambda a: band_of(int(a), AGE_BANDS))
    else:
        values = frame[variable].dropna()
    assert _chi2_pvalue(values, expected) > 1e-3


def test_a_distorted_sample_fails_the_same_check(drawn):
    sampler, frame = drawn
    skewed = frame[frame["sex"] == "female"].head(len(frame) // 2)
    assert _chi2_pvalue(pd.concat([frame, skewed])["sex"], sampler.expected_marginals()["sex"]) < 1e-6


def test_audit_reports_small_distances(drawn):
    sampler, frame = drawn
    report = audit_sample(frame, sampler.iso3).set_index("variable")
    assert set(report.index) >= {"sex", "age_band", "activity", "isco_major", "education"}
    assert (report["tvd"] < 0.03).all(), report["tvd"]
    assert report.loc["isco_major", "n"] == frame["isco_major"].notna().sum()


def test_joint_constraints_hold(drawn):
    _, frame = drawn
    assert list(frame.columns) == COLUMNS
    assert frame["age"].between(18, 100).all()
    employed = frame["activity"] == "employed"
    assert frame.loc[employed, "isco_major"].notna().all()
    assert frame.loc[~employed, "isco_major"].isna().all()
    for group, min_age in ISCO_MIN_AGE.items():
        assert not ((frame["isco_major"] == group) & (frame["age"] < min_age)).any()
    titles = occupation_titles().set_index("title")
    worker = frame[employed]
    assert (worker["occupation"].map(titles["min_age"]) <= worker["age"]).all(), "no child surgeons"
    assert (worker["occupation"].map(titles["isco_major"]) == worker["isco_major"]).all()
    old, young = frame[frame["age"] >= 65], frame[frame["age"] < 25]
    assert (old["activity"] == "retired").mean() > (young["activity"] == "retired").mean()
    assert (young["activity"] == "student").mean() > (old["activity"] == "student").mean()
    assert not ((frame["age"] < 21) & (frame["education"] == "tertiary")).any()
    assert frame["urban"].dtype == bool
    assert frame.loc[~frame["urban"], "city"].str.startswith("a rural area near ").all()
    assert frame["name"].str.len().gt(2).all() and frame["language"].str.len().gt(1).all()


def test_same_seed_same_draws_other_seed_other_draws():
    sampler = PopulationSampler("KEN")
    a, b, c = sampler.sample(300, seed=5), sampler.sample(300, seed=5), sampler.sample(300, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_children_down_to_min_age_seven():
    frame = PopulationSampler("IND", min_age=7).sample(3000, seed=2)
    assert frame["age"].min() >= 7 and (frame["age"] < 15).any()
    kids = frame[frame["age"] < 15]
    assert (kids["activity"] == "pupil").all() and (kids["marital_status"] == "never_married").all()
    assert kids["isco_major"].isna().all()
    assert not kids["education"].isin(["upper_secondary", "tertiary"]).any()


def test_min_age_out_of_range_is_refused():
    with pytest.raises(ConfigError, match="min_age=5"):
        PopulationSampler("KEN", min_age=5)


def test_where_draws_a_cohort():
    frame = PopulationSampler("DEU").sample(200, seed=3, where="age>=30 and age<50 and isco_major==2")
    assert len(frame) == 200
    assert frame["age"].between(30, 49).all() and (frame["isco_major"] == 2).all()


def test_where_errors_are_clear():
    sampler = PopulationSampler("DEU")
    with pytest.raises(ConfigError, match="is not a column"):
        sampler.sample(5, seed=1, where="shoe_size > 3")
    with pytest.raises(ConfigError, match="too rare or impossible"):
        sampler.sample(5, seed=1, where="age > 200")
    with pytest.raises(ConfigError, match="at least 1"):
        sampler.sample(0)


def test_uniform_mode_reproduces_the_authors_draws():
    frame = PopulationSampler("JPN", demographics="uniform").sample(N, seed=4)
    counts = frame["age"].value_counts().reindex(range(18, 86), fill_value=0)
    assert frame["age"].between(18, 85).all()
    assert stats.chisquare(counts.to_numpy()).pvalue > 1e-3
    assert abs((frame["sex"] == "female").mean() - 0.5) < 0.02
    census = PopulationSampler("JPN").sample(N, seed=4)
    assert census["age"].mean() > frame["age"].mean() + 2  # Japan's adults are older than uniform 18-85


def test_sample_core_keeps_anchors_and_draws_the_rest():
    rng = np.random.default_rng(1)
    core = sample_core("KEN", rng, {"age": 34, "gender": "female", "occupation": "midwife"})
    assert core["age"] == 34 and core["gender"] == "female" and core["occupation"] == "midwife"
    assert core["country"] == "KEN" and core["city"] and core["name"]
    assert core["demographics"]["activity"] == "employed"
    other = sample_core("KEN", np.random.default_rng(2), {"gender": "non-binary"})
    assert other["gender"] == "non-binary" and other["age"] >= 18
    attrs = table_attributes(core["demographics"])
    assert {a["provenance"] for a in attrs} == {"table"}
    assert any(a["path"].endswith("Highest Completed Level") for a in attrs)


def test_sample_core_ages_follow_the_population():
    rng = np.random.default_rng(0)
    ages = [sample_core("NGA", rng)["age"] for _ in range(400)]
    assert np.median(ages) < 38  # Nigeria's adult population is young; uniform 18-85 would give ~51
