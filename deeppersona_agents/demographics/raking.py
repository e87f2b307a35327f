"""Raking (iterative proportional fitting) of a sample to target marginals.

Targets name a column (``education``) or a cross of columns joined by ``*`` (``age_band*sex``,
values joined the same way: ``25-34*female``). Each target is a share distribution over that
variable's values. Raking returns one weight per row such that the weighted shares match every
target; :func:`resample` turns weights into a new sample of any size.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from deeppersona_agents._read import numeric_column, read_user_csv
from deeppersona_agents.errors import ConfigError


def variable_values(frame: pd.DataFrame, variable: str) -> pd.Series:
    """The values of a (possibly crossed, ``a*b``) variable per row, as strings."""
    parts = variable.split("*")
    missing = [p for p in parts if p not in frame.columns]
    if missing:
        raise ConfigError(
            f"raking target names unknown column(s) {missing}; sample columns: {', '.join(frame.columns)}"
        )
    values = frame[parts[0]].astype(str)
    for part in parts[1:]:
        values = values + "*" + frame[part].astype(str)
    return values


def rake(
    frame: pd.DataFrame,
    targets: dict[str, dict[str, float]],
    *,
    weights: np.ndarray | None = None,
    max_iter: int = 200,
    tol: float = 1e-8,
) -> np.ndarray:
    """Weights (summing to ``len(frame)``) that make the sample's shares match ``targets``.

    Raises:
        ConfigError: a target category has no rows in the sample, a target does not sum to 1, or
            the targets cannot all be met (the fit does not converge).
    """
    if not targets:
        raise ConfigError("no raking targets given; pass at least one variable with its shares")
    w = np.ones(len(frame)) if weights is None else np.asarray(weights, float).copy()
    columns = {}
    for variable, shares in targets.items():
        total = sum(shares.values())
        if abs(total - 1) > 1e-3:
            raise ConfigError(f"raking target {variable!r} sums to {total:.4f}; shares must sum to 1")
        values = variable_values(frame, variable).to_numpy()
        present = set(values)
        empty = [k for k, v in shares.items() if v > 0 and str(k) not in present]
        if empty:
            raise ConfigError(
                f"raking target {variable}={empty[0]!r} has no rows in the sample; draw more or merge categories"
            )
        columns[variable] = (values, {str(k): v / total for k, v in shares.items()})
    for _ in range(max_iter):
        worst = 0.0
        for values, shares in columns.values():
            current = pd.Series(w).groupby(values).sum() / w.sum()
            for category, target in shares.items():
                have = current.get(category, 0.0)
                worst = max(worst, abs(have - target))
                mask = values == category
                w[mask] *= target / have if have > 0 else 0.0
            outside = ~np.isin(values, list(shares))
            w[outside] = 0.0
        if worst < tol:
            break
    else:
        raise ConfigError(f"raking did not converge in {max_iter} iterations; the targets may contradict each other")
    return w * len(frame) / w.sum()


def resample(frame: pd.DataFrame, weights: np.ndarray, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Draw ``n`` rows with probability proportional to ``weights``."""
    p = np.asarray(weights, float)
    idx = rng.choice(len(frame), size=n, p=p / p.sum())
    return frame.iloc[idx].reset_index(drop=True)


def read_targets(path: str) -> dict[str, dict[str, float]]:
    """Read a targets CSV with columns ``variable,value,share``."""
    table = read_user_csv(path, "targets file", dtype={"variable": str, "value": str})
    if not {"variable", "value", "share"} <= set(table.columns):
        raise ConfigError(f"{path} needs columns variable,value,share (got {', '.join(table.columns)})")
    table["share"] = numeric_column(table, "share", path)
    out: dict[str, dict[str, float]] = {}
    for row in table.itertuples():
        out.setdefault(str(row.variable), {})[str(row.value)] = float(row.share)
    return out


def raked_sample(
    sampler: Any, n: int, rng: np.random.Generator, targets: dict[str, dict[str, float]], where: str | None = None
) -> pd.DataFrame:
    """Draw a pool from ``sampler``, rake it to ``targets`` and resample ``n`` rows.

    The pool has at least 5,000 people; targets may use ``age_band`` (the tables' 5-year bands).
    """
    from deeppersona_agents.demographics.tables import AGE_BANDS, band_of

    pool = sampler.sample(max(n, 5000), rng, where)
    pool["age_band"] = pool["age"].map(lambda a: band_of(int(a), AGE_BANDS))
    return resample(pool, rake(pool, targets), n, rng).drop(columns="age_band")
