"""Occupation by sex and age band: the optional ``occupation.by_age`` key, validated and drawn."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from deeppersona_agents.demographics import PopulationSampler, check_table
from deeppersona_agents.demographics.tables import ISCO_MAJOR, OCCUPATION_BANDS, band_of
from tests.demographics.fixtures import make_table, write_table

#: The band each test table sends every employed person of that band to.
GROUP_OF_BAND = {"15-24": "5", "25-54": "2", "55-64": "7", "65+": "6"}


def _table_with_by_age() -> dict:
    table = make_table()
    table["occupation"]["by_age"] = {
        sex: {band: {g: float(g == group) for g in ISCO_MAJOR} for band, group in GROUP_OF_BAND.items()}
        for sex in ("male", "female")}
    return table


def test_by_age_is_valid_and_each_problem_is_named():
    table = _table_with_by_age()
    assert check_table(table) == []
    missing_band = copy.deepcopy(table)
    missing_band["occupation"]["by_age"]["male"].pop("65+")
    assert any("occupation.by_age.male: expected bands" in p for p in check_table(missing_band))
    bad_sum = copy.deepcopy(table)
    bad_sum["occupation"]["by_age"]["female"]["25-54"]["3"] = 0.5
    assert any("occupation.by_age.female.25-54: shares sum to" in p for p in check_table(bad_sum))
    wrong_type = copy.deepcopy(table)
    wrong_type["occupation"]["by_age"] = [1, 2]
    assert any("occupation.by_age" in p for p in check_table(wrong_type))


@pytest.fixture
def sampler(tmp_path):
    write_table(tmp_path, _table_with_by_age())
    return PopulationSampler("NZL", tables_dir=tmp_path)


def test_occupation_is_drawn_from_the_persons_age_band(sampler):
    frame = sampler.sample(6000, seed=3)
    worker = frame[frame["activity"] == "employed"]
    assert len(worker) > 1000
    expected = worker["age"].map(lambda a: int(GROUP_OF_BAND[band_of(int(a), OCCUPATION_BANDS)]))
    assert (worker["isco_major"].astype(int) == expected).all()


def test_expected_marginals_weight_the_bands_by_employment(sampler):
    isco = sampler.expected_marginals()["isco_major"]
    assert isco.sum() == pytest.approx(1)
    assert set(isco[isco > 0].index) == {int(g) for g in GROUP_OF_BAND.values()}
    frame = sampler.sample(20000, seed=5)
    observed = frame["isco_major"].dropna().astype(int).value_counts(normalize=True)
    observed = observed.reindex(isco.index, fill_value=0)
    assert 0.5 * np.abs(observed - isco).sum() < 0.02


def test_tables_without_by_age_still_draw_by_sex(tmp_path):
    write_table(tmp_path, make_table())
    frame = PopulationSampler("NZL", tables_dir=tmp_path).sample(3000, seed=1)
    groups = frame["isco_major"].dropna().astype(int)
    assert isinstance(frame, pd.DataFrame) and groups.nunique() >= 8
