"""Audit a sample of anchors against the country's tables: distance per variable, and where each table came from.

Sits after the sampler: ``demographics audit`` reads (or draws) anchors, compares each variable's shares with
the tables they were drawn from, and with ``--source`` names, per section, its precision, source, year and
the copy it was built from (repository, path and commit, or the file a user imported).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from deeppersona_agents.demographics.tables import AGE_BANDS, band_of
from deeppersona_agents.errors import ConfigError

AUDITED = ["sex", "age_band", "activity", "isco_major", "education", "marital_status", "urban", "religion"]
#: The table section each audited variable is drawn from.
SECTION_OF = {"sex": "age_sex", "age_band": "age_sex", "activity": "activity", "isco_major": "occupation",
              "education": "education", "marital_status": "marital_status", "urban": "urban", "religion": "religion"}


def _values(frame: pd.DataFrame, variable: str) -> pd.Series:
    if variable == "age_band":
        values = frame["age"].astype(int).map(lambda a: band_of(a, AGE_BANDS))
    else:
        values = frame[variable].dropna()
    if variable == "isco_major":
        values = values[values.astype(str) != ""].astype(int)
    if variable == "urban":
        values = values.map(lambda v: str(v).lower() in ("true", "1"))
    return values


def audit_sample(frame: pd.DataFrame, country: str, *, tables_dir: str | Path | None = None) -> pd.DataFrame:
    """Compare each variable's shares in ``frame`` with the tables; one row per variable.

    Columns: ``variable``, ``tvd`` (total-variation distance, 0-1), ``n`` (rows with a value),
    ``expected`` and ``observed`` (dicts of shares).
    """
    from deeppersona_agents.demographics.sampler import PopulationSampler

    if "age" not in frame.columns or frame.empty:
        raise ConfigError("the sample has no 'age' column or no rows; audit a file written by `demographics sample`")
    min_age = int(frame["age"].min())
    sampler = PopulationSampler(country, min_age=max(7, min(min_age, 85)), tables_dir=tables_dir)
    expected = sampler.expected_marginals(min_age=min_age, max_age=int(frame["age"].max()))
    rows = []
    for variable in AUDITED:
        if variable not in expected or (variable != "age_band" and variable not in frame.columns):
            continue
        values = _values(frame, variable)
        obs = values.value_counts(normalize=True)
        exp = expected[variable]
        exp.index = exp.index.map(str)
        obs.index = obs.index.map(str)
        keys = sorted(set(exp.index) | set(obs.index))
        e = np.array([exp.get(k, 0.0) for k in keys])
        o = np.array([obs.get(k, 0.0) for k in keys])
        rows.append({
            "variable": variable, "tvd": 0.5 * float(np.abs(e - o).sum()), "n": int(len(values)),
            "expected": dict(zip(keys, np.round(e, 4), strict=True)),
            "observed": dict(zip(keys, np.round(o, 4), strict=True)),
        })
    return pd.DataFrame(rows)


def copy_text(copy: object) -> str:
    """One line per copy a section names: ``repository path @ commit`` (or the imported file and its sha256)."""
    copies = copy if isinstance(copy, list) else [copy] if copy else []
    lines = []
    for item in copies:
        if not isinstance(item, dict):
            lines.append(str(item))
        elif "repository" in item:
            lines.append(f"{item['repository']} {item.get('path', '')} @ {str(item.get('commit', '?'))[:12]}")
        else:
            lines.append(f"file {item.get('file', '?')} sha256 {str(item.get('sha256', '?'))[:12]}")
    return "\n".join(lines) or "none recorded"


def section_sources(country: str, *, tables_dir: str | Path | None = None) -> pd.DataFrame:
    """Per table section: ``section``, ``precision``, ``year``, ``source`` and ``copy`` (text, one line per copy)."""
    from deeppersona_agents.demographics.countries import resolve_country
    from deeppersona_agents.demographics.tables import SECTIONS, load_table

    table = load_table(resolve_country(country, tables_dir), tables_dir)
    rows = []
    for section in SECTIONS:
        body = table[section]
        rows.append({"section": section, "precision": str(body.get("precision", "not recorded")),
                     "year": body.get("year", table["year"]), "source": str(body.get("source", "")),
                     "copy": copy_text(body.get("copy"))})
    return pd.DataFrame(rows)


def plot_audit(report: pd.DataFrame, out: str | Path, title: str) -> Path:
    """Bar charts of expected vs observed shares, one panel per variable; returns the PNG path."""
    from matplotlib.figure import Figure  # no pyplot: leaves the caller's backend (notebook inline) alone

    n = len(report)
    cols = 2
    fig = Figure(figsize=(12, 3.2 * ((n + 1) // cols)))
    axes = fig.subplots((n + 1) // cols, cols, squeeze=False)
    for ax, row in zip(axes.ravel(), report.itertuples(), strict=False):
        keys = list(row.expected)
        x = np.arange(len(keys))
        ax.bar(x - 0.2, [row.expected[k] for k in keys], 0.4, label="tables")
        ax.bar(x + 0.2, [row.observed.get(k, 0) for k in keys], 0.4, label="sample")
        ax.set_xticks(x, keys, rotation=45, ha="right", fontsize=7)
        ax.set_title(f"{row.variable}  (TVD {row.tvd:.3f})", fontsize=9)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    path = Path(out)
    fig.savefig(path, dpi=110)
    return path
