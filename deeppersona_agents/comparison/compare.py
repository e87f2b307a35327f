"""Compare simulated answers with reference marginals: metrics table, Markdown report, plots.

The last step of the data flow: ``answers.csv`` (from ``deeppersona survey``) + reference
marginals -> ``metrics.csv``, ``report.md`` (methods x metrics per country, like the paper's
Tables 2-3) and one PNG per item (simulated vs real shares).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from deeppersona_agents._read import numeric_column, read_user_csv
from deeppersona_agents.comparison.metrics import compare_item
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.seeding import derive

METRICS = ["ks", "wasserstein", "js_divergence", "js_distance", "mean_diff"]


def read_answers(path: str | Path) -> pd.DataFrame:
    """An answers CSV (``persona_id,country,item,answer,method`` and optional ``weight``)."""
    frame = read_user_csv(path, "answers file")
    missing = {"persona_id", "country", "item", "answer", "method"} - set(frame.columns)
    if missing:
        raise ConfigError(f"{path} lacks columns {sorted(missing)}; write it with `deeppersona survey`")
    for column in ("answer", "weight"):
        if column in frame.columns:
            frame[column] = numeric_column(frame, column, path)
    return frame


def compare_answers(answers: pd.DataFrame, reference: pd.DataFrame, *, n_boot: int = 500,
                    seed: int = 0) -> pd.DataFrame:
    """One row per country x item x method with every metric and its bootstrap CI."""
    rows = []
    rng = derive(seed)
    for (country, item, method), group in answers.groupby(["country", "item", "method"], sort=True):
        ref = reference[(reference["country"] == country) & (reference["item"] == item)].sort_values("value")
        if ref.empty:
            continue
        support = ref["value"].to_numpy(float)
        valid = group["answer"].dropna()
        weights = group.loc[valid.index, "weight"] if "weight" in group.columns else None
        if not np.isin(valid.to_numpy(float), support).any():
            continue
        result = compare_item(valid.to_numpy(float), ref["share"].to_numpy(float), support,
                              weights=None if weights is None else weights.to_numpy(float), n_boot=n_boot, rng=rng)
        row = {"country": country, "item": item, "method": method, "n_simulated": result.n_simulated,
               "n_missing": int(group["answer"].isna().sum()),
               "n_reference": int(ref["n_valid"].iloc[0]) if "n_valid" in ref.columns else None}
        for name in METRICS:
            row[name] = getattr(result, name)
            if name in result.ci:
                row[f"{name}_low"], row[f"{name}_high"] = result.ci[name]
        rows.append(row)
    if not rows:
        raise ConfigError("no country x item in the answers has reference marginals; check countries and items")
    return pd.DataFrame(rows)


def markdown_report(metrics: pd.DataFrame) -> str:
    """Methods x metrics per country (mean over items), then the average over countries."""
    lines = ["# Simulated vs real answer distributions", ""]
    header = "| country | method | items | " + " | ".join(METRICS) + " |"
    rule = "|" + "---|" * (3 + len(METRICS))
    lines += [header, rule]
    by = metrics.groupby(["country", "method"], sort=True)
    for (country, method), group in by:
        cells = " | ".join(f"{group[m].mean():.3f}" for m in METRICS)
        lines.append(f"| {country} | {method} | {len(group)} | {cells} |")
    for method, group in metrics.groupby("method", sort=True):
        cells = " | ".join(f"**{group[m].mean():.3f}**" for m in METRICS)
        lines.append(f"| average | {method} | {len(group)} | {cells} |")
    lines += ["", "Lower is better for every metric. JS divergence uses natural logarithms (0 to ln 2 ≈ 0.693); "
              "js_distance is its square root. Per-item values with bootstrap CIs are in metrics.csv."]
    return "\n".join(lines) + "\n"


def plot_items(answers: pd.DataFrame, reference: pd.DataFrame, folder: Path) -> list[Path]:
    """One bar chart per country x item: real shares next to each method's simulated shares."""
    from matplotlib.figure import Figure  # no pyplot: leaves the caller's backend (notebook inline) alone

    written = []
    for (country, item), group in answers.groupby(["country", "item"], sort=True):
        ref = reference[(reference["country"] == country) & (reference["item"] == item)].sort_values("value")
        if ref.empty:
            continue
        codes = ref["value"].to_numpy(float)
        methods = sorted(group["method"].unique())
        width = 0.8 / (len(methods) + 1)
        fig = Figure(figsize=(6, 3.5))
        ax = fig.subplots()
        ax.bar(np.arange(len(codes)), ref["share"], width, label="real", color="black")
        for i, method in enumerate(methods, 1):
            valid = group[group["method"] == method]["answer"].dropna().to_numpy(float)
            shares = np.array([(valid == c).mean() if len(valid) else 0 for c in codes])
            ax.bar(np.arange(len(codes)) + i * width, shares, width, label=method)
        ax.set_xticks(np.arange(len(codes)) + width * len(methods) / 2, [f"{c:g}" for c in codes])
        ax.set_xlabel("answer code")
        ax.set_ylabel("share")
        ax.set_title(f"{item} — {country}")
        ax.legend(fontsize=8)
        fig.tight_layout()
        safe = [re.sub(r"[^A-Za-z0-9_-]+", "_", str(v)) for v in (country, item)]  # trait:EXT, ../X: data, not paths
        path = folder / f"{safe[0]}_{safe[1]}.png"
        fig.savefig(path, dpi=100)
        written.append(path)
    return written
