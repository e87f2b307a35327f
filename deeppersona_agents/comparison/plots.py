"""Plots of a comparison: per-item shares, variance, subgroup gaps (paired bars), correlation differences (heat map).

Last step of the data flow, beside :mod:`~deeppersona_agents.comparison.report`. Simulated shares are the
same person-weighted shares the metrics use (a log-probability row of weight 0.9 draws as 0.9).
matplotlib's ``Figure`` is used without pyplot, so a notebook's backend is left alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from deeppersona_agents.comparison.units import Panel

if TYPE_CHECKING:
    from deeppersona_agents.comparison.compare import Comparison

MAX_GAP_BARS = 20


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text)  # trait:EXT -> trait_EXT


def _save(fig: Any, folder: Path, *name: object) -> Path:
    """Lay out ``fig`` and write it as ``folder/<name parts joined by _>.png``."""
    fig.tight_layout()
    path = folder / ("_".join(_safe(str(part)) for part in name) + ".png")
    fig.savefig(path, dpi=100)
    return path


def item_shares(panels: dict[tuple[str, str], Panel], country: str, item: str) -> dict[str, np.ndarray]:
    """Each method's simulated shares of ``item`` in ``country`` (what the per-item plot draws)."""
    out = {}
    for (p_country, method), panel in sorted(panels.items()):
        shares = panel.shares(item) if p_country == country and item in panel.matrices else None
        if shares is not None:
            out[method] = shares
    return out


def plot_items(panels: dict[tuple[str, str], Panel], reference: pd.DataFrame, folder: Path) -> list[Path]:
    """One bar chart per country x item: real shares next to each method's simulated shares."""
    from matplotlib.figure import Figure

    written = []
    fig = Figure(figsize=(6, 3.5))  # one figure redrawn per item: much faster than a new figure each time
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.15, top=0.9)
    ax = fig.subplots()
    for (country, item), ref in reference.groupby(["country", "item"], sort=True):
        simulated = item_shares(panels, str(country), str(item))
        if not simulated:
            continue
        ref = ref.sort_values("value")
        codes = ref["value"].to_numpy(float)
        width = 0.8 / (len(simulated) + 1)
        ax.clear()
        ax.bar(np.arange(len(codes)), ref["share"], width, label="real", color="black")
        for i, (method, shares) in enumerate(simulated.items(), 1):
            ax.bar(np.arange(len(codes)) + i * width, shares, width, label=method)
        ax.set_xticks(np.arange(len(codes)) + width * len(simulated) / 2, [f"{c:g}" for c in codes])
        ax.set(xlabel="answer code", ylabel="share", title=f"{item} — {country}")
        ax.legend(fontsize=8)
        path = folder / f"{_safe(str(country))}_{_safe(str(item))}.png"
        fig.savefig(path, dpi=100)
        written.append(path)
    return written


def plot_variance(metrics: pd.DataFrame, folder: Path) -> list[Path]:
    """Per country: sd_ratio per ordered item and method (1 = real spread)."""
    from matplotlib.figure import Figure

    written = []
    for country, rows in metrics.dropna(subset=["sd_ratio"]).groupby("country", sort=True):
        table = rows.pivot_table(index="item", columns="method", values="sd_ratio")
        fig = Figure(figsize=(max(6, 0.25 * len(table)), 3.5))
        ax = fig.subplots()
        width = 0.8 / max(1, table.shape[1])
        for i, method in enumerate(table.columns):
            ax.bar(np.arange(len(table)) + i * width, table[method], width, label=str(method))
        ax.axhline(1.0, color="black", lw=0.8)
        ax.set_xticks(np.arange(len(table)), table.index, rotation=90, fontsize=7)
        ax.set(ylabel="simulated SD / real SD", title=f"Spread of answers — {country}")
        ax.legend(fontsize=8)
        written.append(_save(fig, folder, "variance", country))
    return written


def plot_subgroup_gaps(subgroups: pd.DataFrame, folder: Path) -> list[Path]:
    """Per country x method x group: real and simulated gaps as paired bars (the largest errors first)."""
    from matplotlib.figure import Figure

    written = []
    gaps = subgroups.dropna(subset=["gap_real", "gap_sim"])
    for (country, method, group), rows in gaps.groupby(["country", "method", "group"], sort=True):
        top = rows.assign(err=rows["gap_diff"].abs()).nlargest(MAX_GAP_BARS, "err").iloc[::-1]
        labels = [f"{r.item} {r.group_value}−{r.base_value}" for r in top.itertuples()]
        fig = Figure(figsize=(6, 1.5 + 0.3 * len(top)))
        ax = fig.subplots()
        y = np.arange(len(top))
        ax.barh(y + 0.2, top["gap_real"], 0.4, label="real", color="black")
        ax.barh(y - 0.2, top["gap_sim"], 0.4, label=str(method))
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, labels, fontsize=7)
        ax.set(xlabel="gap (mean difference; total variation for nominal items)",
               title=f"{group} gaps — {country}, {method}")
        ax.legend(fontsize=8)
        written.append(_save(fig, folder, "subgroups", country, method, group))
    return written


def plot_association_differences(associations: pd.DataFrame, folder: Path) -> list[Path]:
    """Per country x method: heat map of simulated minus real Spearman rho over item pairs."""
    from matplotlib.figure import Figure

    written = []
    for (country, method), rows in associations.groupby(["country", "method"], sort=True):
        items = sorted(set(rows["item_a"]) | set(rows["item_b"]))
        pos = {item: i for i, item in enumerate(items)}
        grid = np.full((len(items), len(items)), np.nan)
        for r in rows.itertuples():
            grid[pos[r.item_a], pos[r.item_b]] = grid[pos[r.item_b], pos[r.item_a]] = r.diff
        size = max(4, 0.18 * len(items))
        fig = Figure(figsize=(size + 1.5, size))
        ax = fig.subplots()
        image = ax.imshow(grid, cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_xticks(range(len(items)), items, rotation=90, fontsize=6)
        ax.set_yticks(range(len(items)), items, fontsize=6)
        ax.set_title(f"Spearman rho, simulated − real — {country}, {method}")
        fig.colorbar(image, ax=ax, shrink=0.8)
        written.append(_save(fig, folder, "associations", country, method))
    return written


def plot_fidelity_by_method(summary: pd.DataFrame, folder: Path) -> list[Path]:
    """One panel per fidelity measure, methods side by side (``fidelity_by_method.png``)."""
    from matplotlib.figure import Figure

    measures = [m for m in ("js_divergence", "sd_ratio", "subgroup_gap_error", "association_error")
                if summary[m].notna().any()]
    fig = Figure(figsize=(3 * len(measures), 3.2))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.3, top=0.85, wspace=0.35)
    for ax, measure in zip(fig.subplots(1, len(measures), squeeze=False)[0], measures, strict=True):
        ax.bar(summary["method"].astype(str), summary[measure].to_numpy(float), color="tab:blue")
        if measure == "sd_ratio":
            ax.axhline(1.0, color="black", lw=0.8, ls="--")  # the real spread
        ax.set_title(measure, fontsize=9)
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    fig.suptitle("Fidelity by method (lower is better; sd_ratio: 1 = real spread)", fontsize=10)
    path = folder / "fidelity_by_method.png"
    fig.savefig(path, dpi=100)
    return [path]


def write_plots(comparison: Comparison, reference: pd.DataFrame, folder: Path,
                items: bool = True) -> dict[str, list[Path]]:
    """Every plot of a comparison, by report section."""
    from deeppersona_agents.comparison.report import fidelity_by_method

    out = {"marginals": plot_items(comparison.panels, reference, folder) if items else [],
           "variance": plot_variance(comparison.metrics, folder)}
    if comparison.metrics["method"].nunique() > 1:
        out["fidelity"] = plot_fidelity_by_method(fidelity_by_method(comparison), folder)
    if not comparison.subgroups.empty:
        out["subgroups"] = plot_subgroup_gaps(comparison.subgroups, folder)
    if not comparison.associations.empty:
        out["associations"] = plot_association_differences(comparison.associations, folder)
    return out
