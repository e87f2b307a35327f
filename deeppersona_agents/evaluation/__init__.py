"""Evaluation: compare simulated answer distributions with real survey distributions."""

from deeppersona_agents.evaluation.metrics import (
    ItemComparison,
    bootstrap_ci,
    compare_item,
    js_distance,
    js_divergence,
    ks_statistic,
    mean_difference,
    shares,
    wasserstein,
)

__all__ = [
    "ItemComparison",
    "bootstrap_ci",
    "compare_item",
    "js_distance",
    "js_divergence",
    "ks_statistic",
    "mean_difference",
    "shares",
    "wasserstein",
]
