"""Evaluation: survey distributions vs real data; intrinsic persona quality; personalised QA; Elo."""

from deeppersona_agents.evaluation.elo import Match, elo_from_files, elo_ratings, elo_table, matches_from_judgements
from deeppersona_agents.evaluation.intrinsic import evaluate_intrinsic, summarize_intrinsic
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
from deeppersona_agents.evaluation.qa import (
    CREATIVE_DIMENSION_IDS,
    DIMENSIONS,
    REQUESTS,
    QAResult,
    aggregate,
    export_pairs,
    plot_metric_vs_depth,
    run_ablation,
    run_qa,
)
from deeppersona_agents.evaluation.sources import EvalPersona, detect_format, load_source, truncate

__all__ = [
    "CREATIVE_DIMENSION_IDS",
    "DIMENSIONS",
    "REQUESTS",
    "EvalPersona",
    "ItemComparison",
    "Match",
    "QAResult",
    "aggregate",
    "detect_format",
    "elo_from_files",
    "elo_ratings",
    "elo_table",
    "evaluate_intrinsic",
    "export_pairs",
    "load_source",
    "matches_from_judgements",
    "plot_metric_vs_depth",
    "run_ablation",
    "run_qa",
    "summarize_intrinsic",
    "truncate",
    "bootstrap_ci",
    "compare_item",
    "js_distance",
    "js_divergence",
    "ks_statistic",
    "mean_difference",
    "shares",
    "wasserstein",
]
