"""Weighted Spearman: hand-computed, against scipy, from the official file, simulated persons, nominal excluded."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from deeppersona_agents.comparison.associations import pairwise_spearman, weighted_spearman
from deeppersona_agents.comparison.compare import compare_all
from deeppersona_agents.comparison.references import wvs7_reference
from tests.comparison.wvs_fixture import write_official_file


def test_weighted_spearman_by_hand():
    # Q46 x Q1 in the fixture's IND rows with both answered: (q46, q1, weight)
    q46, q1, w = [1, 2, 3, 4], [1, 1, 2, 3], [2.0, 1.0, 1.0, 0.5]
    # weighted mid-ranks (total 4.5): Q46 codes 1..4 -> 1, 2.5, 3.5, 4.25; Q1 codes 1..3 -> 1.5, 3.5, 4.25
    # both weighted means are 10.125 / 4.5 = 2.25; cov = 5.25, var(Q46) = 6.75, var(Q1) = 5.25
    assert weighted_spearman(q46, q1, w) == pytest.approx(5.25 / math.sqrt(6.75 * 5.25), abs=1e-9)
    assert weighted_spearman(q46, q1, w) == pytest.approx(math.sqrt(7) / 3, abs=1e-9)
    assert weighted_spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)
    assert math.isnan(weighted_spearman([1, 1, 1], [1, 2, 3]))  # a constant item has no rank order


@pytest.mark.filterwarnings("ignore:An input array is constant")
@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(1, 4)), min_size=3, max_size=30))
def test_integer_weights_equal_repeated_rows(rows):
    x, y, w = (np.array(c) for c in zip(*rows, strict=True))
    ours = weighted_spearman(x, y, w)
    theirs = spearmanr(np.repeat(x, w), np.repeat(y, w)).statistic
    if np.isnan(theirs):
        assert np.isnan(ours)
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


def test_reference_correlations_from_the_official_file_leave_nominal_items_out(tmp_path):
    ref = wvs7_reference(write_official_file(tmp_path / "wvs.csv"), items=["Q46", "Q57", "Q152", "Q1"])
    assoc = ref["associations"]
    assert list(assoc.columns) == ["country", "item_a", "item_b", "rho", "n_valid"]
    assert "Q152" not in set(assoc["item_a"]) | set(assoc["item_b"])  # nominal: no ranks
    ind = assoc[assoc["country"] == "IND"].set_index(["item_a", "item_b"])
    assert ind.loc[("Q46", "Q1"), "rho"] == pytest.approx(math.sqrt(7) / 3, abs=1e-6)
    assert ind.loc[("Q46", "Q1"), "n_valid"] == 4
    # Q46 x Q57: rows 1-3 (row 4 has Q57 -2, row 5 Q46 -1): (1,1,w2), (2,2,w1), (3,2,w1)
    assert ind.loc[("Q46", "Q57"), "rho"] == pytest.approx(weighted_spearman([1, 2, 3], [1, 2, 2], [2, 1, 1]))
    assert ind.loc[("Q46", "Q57"), "n_valid"] == 3


def test_simulated_persons_with_samples_spread_over_cells():
    # person a: Q46 = 1 twice, Q1 = 1; person b: Q46 = 3, Q1 = 2 (0.5) or 3 (0.5) as log-probability rows
    a_q46, a_q1 = np.array([[1.0, 0, 0, 0]]), np.array([[1.0, 0, 0, 0]])
    b_q46, b_q1 = np.array([[0, 0, 1.0, 0]]), np.array([[0, 0.5, 0.5, 0]])
    pairs = pairwise_spearman({"Q46": np.vstack([a_q46, b_q46]), "Q1": np.vstack([a_q1, b_q1])}, np.ones(2))
    # the same as three respondents (1,1,w1), (3,2,w.5), (3,3,w.5)
    assert pairs["rho"].iloc[0] == pytest.approx(weighted_spearman([1, 3, 3], [1, 2, 3], [1, 0.5, 0.5]))


def test_compare_all_writes_associations_for_ordered_items_only(tmp_path):
    ref = wvs7_reference(write_official_file(tmp_path / "wvs.csv"), items=["Q46", "Q57", "Q152", "Q1"])
    answers = pd.DataFrame({
        "persona_id": ["p1"] * 4 + ["p2"] * 4 + ["p3"] * 4, "country": "IND", "method": "deep",
        "item": ["Q46", "Q57", "Q152", "Q1"] * 3,
        "answer": [1, 1, 1, 1, 2, 2, 2, 2, 4, 2, 3, 3]})
    result = compare_all(answers, ref["marginals"], reference_associations=ref["associations"], n_boot=0)
    assoc = result.associations.set_index(["item_a", "item_b"])
    assert "Q152" not in {i for pair in assoc.index for i in pair}
    assert assoc.loc[("Q1", "Q46"), "rho_real"] == pytest.approx(math.sqrt(7) / 3, abs=1e-6)
    assert assoc.loc[("Q1", "Q46"), "rho_sim"] == pytest.approx(1.0)  # (1,1), (2,2), (4,3)
    assert assoc.loc[("Q1", "Q46"), "diff"] == pytest.approx(1 - math.sqrt(7) / 3, abs=1e-6)
    assert assoc.loc[("Q1", "Q46"), "n_simulated"] == 3
