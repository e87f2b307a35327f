"""Persona quality: intrinsic metrics, personalised Q&A (rubric, runner, report) and Elo from blind pairs.

Independent of :mod:`deeppersona_agents.comparison` (survey answers vs real distributions).
"""

from deeppersona_agents.quality.elo import Match, elo_from_files, elo_ratings, elo_table, matches_from_judgements
from deeppersona_agents.quality.intrinsic import evaluate_intrinsic, summarize_intrinsic
from deeppersona_agents.quality.qa import DEFAULT_DEPTHS, QAResult, run_ablation, run_qa
from deeppersona_agents.quality.report import aggregate, export_pairs, plot_metric_vs_depth
from deeppersona_agents.quality.rubric import CREATIVE_DIMENSION_IDS, DIMENSIONS, REQUESTS
from deeppersona_agents.quality.sources import EvalPersona, detect_format, load_source, truncate

__all__ = [
    "CREATIVE_DIMENSION_IDS",
    "DEFAULT_DEPTHS",
    "DIMENSIONS",
    "REQUESTS",
    "EvalPersona",
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
]
