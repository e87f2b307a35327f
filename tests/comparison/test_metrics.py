"""Metrics against scipy, hand-computed values, properties, and a real reference distribution."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp, wasserstein_distance

from deeppersona_agents.comparison.metrics import (
    compare_item,
    js_distance,
    js_divergence,
    ks_statistic,
    mean_difference,
    shares,
    wasserstein,
)
from deeppersona_agents.errors import ConfigError


def test_hand_computed_values():
    p, q, support = [0.5, 0.5], [1.0, 0.0], [1, 2]
    assert ks_statistic(p, q) == pytest.approx(0.5)
    assert wasserstein(p, q, support) == pytest.approx(0.5)
    assert mean_difference(p, q, support) == pytest.approx(0.5)
    kl_p = 0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)
    kl_q = math.log(1 / 0.75)
    assert js_divergence(p, q) == pytest.approx((kl_p + kl_q) / 2)
    assert js_distance(p, q) == pytest.approx(math.sqrt((kl_p + kl_q) / 2))


def test_against_scipy():
    rng = np.random.default_rng(3)
    support = np.array([1, 2, 3, 4, 10])  # uneven gaps matter for Wasserstein
    for _ in range(50):
        p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
        assert wasserstein(p, q, support) == pytest.approx(wasserstein_distance(support, support, p, q))
        assert js_distance(p, q) == pytest.approx(jensenshannon(p, q))
        assert js_divergence(p, q) == pytest.approx(jensenshannon(p, q) ** 2)


def test_ks_matches_scipy_on_samples():
    a = np.repeat([1, 2, 3, 4], [3, 5, 2, 10])
    b = np.repeat([1, 2, 3, 4], [7, 1, 6, 6])
    p, q = shares(a, [1, 2, 3, 4]), shares(b, [1, 2, 3, 4])
    assert ks_statistic(p, q) == pytest.approx(ks_2samp(a, b).statistic)


def test_weighted_shares_ignore_missing_codes():
    answers = [1, 1, 2, -1, -2, 5]
    weights = [1.0, 3.0, 2.0, 9.0, 9.0, 9.0]
    assert shares(answers, [1, 2, 3, 4], weights) == pytest.approx([4 / 6, 2 / 6, 0, 0])
    with pytest.raises(ConfigError, match="weights"):
        shares(answers, [1, 2], weights[:2])
    with pytest.raises(ConfigError, match="no valid answers"):
        shares([-1, -2], [1, 2])


dists = st.lists(st.floats(0, 1), min_size=4, max_size=4).filter(lambda v: sum(v) > 1e-3)


@settings(max_examples=200, deadline=None)
@given(p=dists, q=dists)
def test_properties(p, q):
    support = [1, 2, 3, 4]
    for metric in (ks_statistic, js_divergence, js_distance):
        assert metric(p, p) == pytest.approx(0, abs=1e-9)
        assert metric(p, q) == pytest.approx(metric(q, p))
    assert wasserstein(p, q, support) == pytest.approx(wasserstein(q, p, support))
    assert 0 <= ks_statistic(p, q) <= 1 + 1e-12
    assert 0 <= js_divergence(p, q) <= math.log(2) + 1e-12
    assert 0 <= wasserstein(p, q, support) <= 3 + 1e-12
    assert mean_difference(p, q, support) <= wasserstein(p, q, support) + 1e-9


def india_reference(shared: Path, item: str) -> tuple[list[int], list[float]]:
    with (shared / "wvs7_six_items_marginals.csv").open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["country"] == "IND" and r["item"] == item]
    return [int(float(r["value"])) for r in rows], [float(r["weighted_share"]) for r in rows]


def test_comparison_with_the_real_india_reference(shared_data):
    support, ref = india_reference(shared_data, "Q46")  # feeling of happiness, 4 codes, weighted shares
    assert support == [1, 2, 3, 4] and sum(ref) == pytest.approx(1, abs=1e-3)
    same = np.repeat(support, np.round(np.array(ref) * 10_000).astype(int))
    close = compare_item(same, ref, support, n_boot=200)
    assert close.metrics["ks"] < 1e-3 and close.metrics["js_divergence"] < 1e-5 and close.n_simulated == len(same)
    everyone_very_happy = compare_item([1] * 500, ref, support, n_boot=200)
    assert everyone_very_happy.metrics["ks"] == pytest.approx(1 - ref[0], abs=1e-9)
    assert everyone_very_happy.metrics["mean_diff"] == pytest.approx(float(np.dot(ref, support)) - 1)
    low, high = everyone_very_happy.ci["ks"]
    assert low == pytest.approx(high)  # no variation in the simulated answers
    mixed = compare_item(np.random.default_rng(0).choice(support, 300), ref, support, n_boot=300)
    low, high = mixed.ci["js_divergence"]
    assert low <= mixed.metrics["js_divergence"] <= high


def test_rowwise_metrics_match_the_scalar_functions():
    from deeppersona_agents.comparison.metrics import ORDERED_METRICS, rowwise_metrics, total_variation

    rng = np.random.default_rng(11)
    support = np.array([1.0, 2.0, 3.0, 5.0])
    shares_ = rng.dirichlet(np.ones(4), 200)
    shares_[:20, 0] = 0  # zero shares, as resamples often have
    shares_ /= shares_.sum(axis=1, keepdims=True)
    ref = np.array([0.1, 0.0, 0.6, 0.3])
    scalar = {"ks": lambda s: ks_statistic(s, ref), "wasserstein": lambda s: wasserstein(s, ref, support),
              "js_divergence": lambda s: js_divergence(s, ref), "js_distance": lambda s: js_distance(s, ref),
              "total_variation": lambda s: total_variation(s, ref),
              "mean_diff": lambda s: mean_difference(s, ref, support)}
    for name, values in rowwise_metrics(shares_, ref, support, ORDERED_METRICS).items():
        assert values == pytest.approx([scalar[name](s) for s in shares_], abs=1e-12), name
