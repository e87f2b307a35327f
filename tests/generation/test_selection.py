from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.generation.selection import PrefixIndex, select_leaves, stratum_quotas
from deeppersona_agents.taxonomy.vectors import leaf_vectors


@pytest.fixture(scope="module")
def vectors(tree, embeddings):
    return leaf_vectors(tree, embeddings)


@pytest.fixture(scope="module")
def core(embeddings):
    return np.asarray(embeddings.embed_query("34-year-old nurse in Nairobi who sings in a church choir"), np.float32)


@pytest.mark.parametrize("k", [1, 10, 50, 200, 250])
def test_exactly_k_distinct_leaves_in_ratio(tree, vectors, core, k):
    picks = select_leaves(tree, vectors, core, k, np.random.default_rng(1))
    assert len(picks) == k and len({i for i, _ in picks}) == k
    counts = Counter(s for _, s in picks)
    for name, share in (("near", 0.5), ("mid", 0.3), ("far", 0.2)):
        assert abs(counts[name] - share * k) <= 1


def test_near_stratum_is_closer_to_the_core_than_far(tree, vectors, core):
    picks = select_leaves(tree, vectors, core, 200, np.random.default_rng(2))
    sims = {s: np.mean([vectors[i] @ core for i, t in picks if t == s]) for s in ("near", "mid", "far")}
    assert sims["near"] > sims["mid"] > sims["far"]


def test_selection_is_deterministic_per_seed(tree, vectors, core):
    a = select_leaves(tree, vectors, core, 100, np.random.default_rng(5))
    b = select_leaves(tree, vectors, core, 100, np.random.default_rng(5))
    c = select_leaves(tree, vectors, core, 100, np.random.default_rng(6))
    assert a == b and a != c


def test_walk_spreads_over_all_categories(tree, vectors, core):
    picks = select_leaves(tree, vectors, core, 200, np.random.default_rng(3))
    cats = Counter(tree.leaves[i].category for i, _ in picks)
    assert len(cats) == 12


def test_include_and_exclude_categories(tree, vectors, core):
    inc = select_leaves(tree, vectors, core, 60, np.random.default_rng(1), include=["Media Consumption and Engagement"])
    assert {tree.leaves[i].category for i, _ in inc} == {"Media Consumption and Engagement"}
    exc = select_leaves(tree, vectors, core, 200, np.random.default_rng(1), exclude=["Demographic Information"])
    assert "Demographic Information" not in {tree.leaves[i].category for i, _ in exc}


def test_taken_leaves_are_never_selected(tree, vectors, core):
    taken = frozenset(leaf.key for leaf in tree.leaves[:500])
    picks = select_leaves(tree, vectors, core, 300, np.random.default_rng(1), taken=taken)
    assert not {tree.leaves[i].key for i, _ in picks} & taken


def test_k_above_candidates_is_a_clear_error(tree, vectors, core):
    with pytest.raises(ConfigError, match="at most"):
        select_leaves(tree, vectors, core, len(tree.leaves) + 1, np.random.default_rng(1))


@settings(max_examples=200, deadline=None)
@given(k=st.integers(0, 400), sizes=st.lists(st.integers(0, 200), min_size=3, max_size=3),
       ratio=st.lists(st.integers(0, 9), min_size=3, max_size=3).filter(lambda r: sum(r) > 0))
def test_quotas_sum_to_k_and_respect_sizes(k, sizes, ratio):
    k = min(k, sum(sizes))
    quotas = stratum_quotas(k, sizes, ratio)
    assert sum(quotas) == k and all(0 <= q <= s for q, s in zip(quotas, sizes, strict=True))


@settings(max_examples=50, deadline=None)
@given(n=st.integers(0, 60), seed=st.integers(0, 2**16))
def test_walk_sample_draws_distinct_items(n, seed):
    paths = [("A", "x", f"l{i}") for i in range(30)] + [("B", f"l{i}") for i in range(5)] + [("C", "y", "z", "w")]
    picks = PrefixIndex(paths).walk(range(len(paths)), n, np.random.default_rng(seed))
    assert len(picks) == min(n, len(paths)) and len(set(picks)) == len(picks)


def test_walk_favours_small_branches_over_leaf_uniform_sampling():
    paths = [("Big", f"l{i}") for i in range(100)] + [("Small", f"s{i}") for i in range(5)]
    index = PrefixIndex(paths)
    small = [sum(paths[p][0] == "Small" for p in index.walk(range(len(paths)), 10, np.random.default_rng(s)))
             for s in range(50)]
    # drawing leaves uniformly would give 10 * 5/105 ~ 0.5 small leaves; the walk visits both branches evenly
    assert np.mean(small) >= 4 and min(small) >= 2
