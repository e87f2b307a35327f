"""The comparison report: one Markdown section per comparison, each with its plot.

Last step of the data flow: a :class:`~deeppersona_agents.comparison.compare.Comparison` (metrics,
subgroups, associations, weighting) -> ``report.md``; the plots are drawn by
:mod:`~deeppersona_agents.comparison.plots`. Averages only combine comparable numbers: a metric is
averaged over the items whose scale allows it, and the report says which items used which metrics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from deeppersona_agents.comparison.metrics import COLLAPSE_RATIO, NOMINAL_METRICS, ORDERED_METRICS

if TYPE_CHECKING:
    from deeppersona_agents.comparison.compare import Comparison


def _fmt(value: float) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.3f}"


def _images(figures: Mapping[str, Sequence[str]], section: str) -> list[str]:
    names = list(figures.get(section, []))
    return [f"![{section}: {name}]({name})" for name in names] + ([""] if names else [])


def marginals_section(metrics: pd.DataFrame) -> list[str]:
    """Methods x metrics per country; each metric averaged over the items it applies to (n in the header)."""
    metric_names = list(ORDERED_METRICS)
    counts = {m: metrics.groupby(["country", "method"])[m].count().max() for m in metric_names}
    lines = ["## Marginals", "",
             "| country | method | items | " + " | ".join(f"{m} (n={counts[m]})" for m in metric_names) + " |",
             "|" + "---|" * (3 + len(metric_names))]
    for (country, method), group in metrics.groupby(["country", "method"], sort=True):
        lines.append(f"| {country} | {method} | {len(group)} | "
                     + " | ".join(_fmt(group[m].mean()) for m in metric_names) + " |")
    for method, group in metrics.groupby("method", sort=True):
        lines.append(f"| average | {method} | {len(group)} | "
                     + " | ".join(f"**{_fmt(group[m].mean())}**" for m in metric_names) + " |")
    lines += ["", "Lower is better for every metric. JS divergence uses natural logarithms (0 to ln 2 ≈ 0.693); "
              "js_distance is its square root; total_variation is half the L1 distance. n counts items per "
              "country and method. Per-item values with bootstrap CIs (persons resampled) are in metrics.csv.", ""]
    for scale, group in metrics.groupby("scale", sort=True):
        used = ", ".join(NOMINAL_METRICS if scale == "nominal" else ORDERED_METRICS)
        items = ", ".join(sorted(group["item"].astype(str).unique()))
        lines.append(f"- {scale} items ({items}): {used}")
    if (metrics["scale"] == "nominal").any():
        lines.append("- nominal codes are unordered, so KS, Wasserstein and mean differences are not computed for "
                     "them and their averages above cover ordered items only.")
    return [*lines, ""]


def variance_section(metrics: pd.DataFrame) -> list[str]:
    """Spread of the simulated answers against the real ones, per country and method."""
    lines = ["## Variance", "", "| country | method | mean sd_ratio | modal share real | modal share simulated | "
             "collapsed items |", "|---|---|---|---|---|---|"]
    for (country, method), group in metrics.groupby(["country", "method"], sort=True):
        flagged = ", ".join(group.loc[group["collapse"].astype(bool), "item"].astype(str)) or "none"
        lines.append(f"| {country} | {method} | {_fmt(group['sd_ratio'].mean())} | "
                     f"{_fmt(group['modal_share_real'].mean())} | {_fmt(group['modal_share_sim'].mean())} | "
                     f"{flagged} |")
    lines += ["", f"sd_ratio is the simulated SD over the real SD on the code scale (ordered items). An item is "
              f"flagged as collapsed when the simulated spread is under {COLLAPSE_RATIO:g} of the real one: "
              f"sd_ratio < {COLLAPSE_RATIO:g}, or for nominal items a non-modal share under {COLLAPSE_RATIO:g} of "
              "the real non-modal share.", ""]
    return lines


def subgroups_section(subgroups: pd.DataFrame) -> list[str]:
    """Mean absolute error of the subgroup gaps and mean within-level JS, per group variable."""
    lines = ["## Subgroups", "", "| country | method | group | items | mean abs gap error, ordered items (mean diff) | "
             "mean abs gap error, nominal items (total variation) | mean JS within levels |",
             "|---|---|---|---|---|---|---|"]
    for (country, method, group), rows in subgroups.groupby(["country", "method", "group"], sort=True):
        error = rows["gap_diff"].abs()
        ordered = rows["gap_kind"] == "mean_diff"
        lines.append(f"| {country} | {method} | {group} | {rows['item'].nunique()} | {_fmt(error[ordered].mean())} | "
                     f"{_fmt(error[~ordered].mean())} | {_fmt(rows['js_divergence'].mean())} |")
    lines += ["", "A gap is a level's difference from the group's base level (its first level): the difference of "
              "means for ordered items, the total variation between the two levels' distributions for nominal "
              "items. Gap error = simulated gap − real gap; per item and level in subgroups.csv.", ""]
    return lines


def associations_section(associations: pd.DataFrame) -> list[str]:
    """Mean absolute difference of pairwise Spearman correlations, per country and method."""
    lines = ["## Associations", "", "| country | method | item pairs | mean abs correlation difference | "
             "correlation of real and simulated rho |", "|---|---|---|---|---|"]
    for (country, method), rows in associations.groupby(["country", "method"], sort=True):
        both = rows.dropna(subset=["rho_real", "rho_sim"])
        agree = both["rho_real"].corr(both["rho_sim"]) if len(both) > 2 else np.nan
        lines.append(f"| {country} | {method} | {len(both)} | {_fmt(both['abs_diff'].mean())} | {_fmt(agree)} |")
    lines += ["", "Weighted Spearman correlations between every pair of ordered items (nominal items excluded); "
              "pairs where either side is constant are left out of the means. Per pair in associations.csv.", ""]
    return lines


def weighting_section(weighting: pd.DataFrame) -> list[str]:
    """Effective sample size of the census raking weights."""
    lines = ["## Census weighting", "", "| country | method | persons | raked | margins | effective sample size | "
             "dropped target levels |", "|---|---|---|---|---|---|---|"]
    for row in weighting.itertuples():
        lines.append(f"| {row.country} | {row.method} | {row.n_persons} | {row.n_raked} | {row.margins} | "
                     f"{row.effective_sample_size:.1f} | {row.dropped_levels or 'none'} |")
    lines += ["", "Simulated respondents were raked to the country's sex x age band and sex x education margins "
              "(shipped census tables) before every comparison above (one-way margins when the sample is too "
              "small for the crossed ones); persons without these fields weigh 0.", ""]
    return lines


def fidelity_by_method(comparison: Comparison) -> pd.DataFrame:
    """One row per method (averaged over countries): marginal, variance, subgroup and association fidelity.

    Columns: ``js_divergence`` and ``sd_ratio`` (means over items), ``collapsed_items`` (share of items flagged),
    ``subgroup_gap_error`` (mean absolute gap error of ordered items), ``association_error`` (mean absolute
    Spearman difference); a comparison that was not asked for leaves its column empty (NaN).
    """
    metrics = comparison.metrics
    out = pd.DataFrame(index=pd.Index(sorted(metrics["method"].astype(str).unique()), name="method"))
    by_method = metrics.groupby("method")
    out["items"] = by_method["item"].nunique()
    out["js_divergence"] = by_method["js_divergence"].mean()
    out["sd_ratio"] = by_method["sd_ratio"].mean()
    out["collapsed_items"] = by_method["collapse"].apply(lambda c: c.astype(bool).mean())
    out["subgroup_gap_error"] = np.nan
    if not comparison.subgroups.empty:
        ordered = comparison.subgroups[comparison.subgroups["gap_kind"] == "mean_diff"]
        out["subgroup_gap_error"] = ordered.groupby("method")["gap_diff"].apply(lambda d: d.abs().mean())
    out["association_error"] = np.nan
    if not comparison.associations.empty:
        out["association_error"] = comparison.associations.groupby("method")["abs_diff"].mean()
    return out.reset_index()


def fidelity_section(summary: pd.DataFrame) -> list[str]:
    """The methods side by side: does a method (or depth) improve more than the marginals?"""
    names = ["js_divergence", "sd_ratio", "collapsed_items", "subgroup_gap_error", "association_error"]
    lines = ["## Fidelity by method", "", "| method | items | " + " | ".join(names) + " |",
             "|" + "---|" * (2 + len(names))]
    for row in summary.itertuples():
        lines.append(f"| {row.method} | {row.items} | " + " | ".join(_fmt(getattr(row, n)) for n in names) + " |")
    lines += ["", "Means over countries and items. Lower is better except sd_ratio (1 is the real spread); "
              "collapsed_items is the share of items whose simulated spread collapsed; subgroup_gap_error is the "
              "mean absolute error of the subgroup gaps of ordered items; association_error the mean absolute "
              "difference of pairwise Spearman correlations. Empty: that comparison was not run.", ""]
    return lines


def markdown_report(comparison: Comparison | pd.DataFrame, figures: Mapping[str, Sequence[str]] | None = None) -> str:
    """The whole report; ``figures`` maps a section (marginals, variance, subgroups, associations) to image files."""
    from deeppersona_agents.comparison.compare import Comparison

    result = comparison if isinstance(comparison, Comparison) else Comparison(comparison)
    figs = figures or {}
    lines = ["# Simulated vs real answer distributions", ""]
    if result.metrics["method"].nunique() > 1:
        lines += fidelity_section(fidelity_by_method(result)) + _images(figs, "fidelity")
    if not result.weighting.empty:
        lines += weighting_section(result.weighting)
    lines += marginals_section(result.metrics)
    if figs.get("marginals"):
        lines += [f"Per-item share plots (real vs each method): {len(figs['marginals'])} files such as "
                  f"[{figs['marginals'][0]}]({figs['marginals'][0]}).", ""]
    lines += variance_section(result.metrics) + _images(figs, "variance")
    if not result.subgroups.empty:
        lines += subgroups_section(result.subgroups) + _images(figs, "subgroups")
    if not result.associations.empty:
        lines += associations_section(result.associations) + _images(figs, "associations")
    return "\n".join(lines).rstrip() + "\n"
