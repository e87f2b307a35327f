"""Associations between items: weighted Spearman correlations, real microdata vs simulated persons.

Sits after the marginals in the data flow: items that go together in real life (religious importance and
views on abortion) must go together in the simulated population too. Only ordered items (scale
``ordinal`` or ``binary``) enter; nominal codes have no order to rank.

Weighted Spearman correlation, as computed here: each code's rank is its weighted mid-rank (the weight
of all answers below it plus half the weight of the answers equal to it), and rho is the weighted
Pearson correlation of the two items' ranks over respondents who answered both. With unit weights this
is the usual tie-corrected Spearman rho. Everything is computed from the pair's weighted contingency
table: a real respondent adds their weight to one cell; a simulated person with several samples (or
log-probability rows) adds their weight spread over cells as the product of their two answer
distributions.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

ASSOCIATION_COLUMNS = ["country", "item_a", "item_b", "rho", "n_valid"]


def spearman_from_table(table: np.ndarray) -> float:
    """Weighted Spearman rho from a contingency table (rows: codes of item a ascending; columns: item b)."""
    t = np.asarray(table, float)
    total = t.sum()
    if total <= 0:
        return float("nan")
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    rank_a, rank_b = np.cumsum(rows) - rows / 2, np.cumsum(cols) - cols / 2
    da, db = rank_a - rows @ rank_a / total, rank_b - cols @ rank_b / total
    var_a, var_b = rows @ da**2, cols @ db**2
    if var_a <= 1e-12 * total**3 or var_b <= 1e-12 * total**3:
        return float("nan")  # one item is constant among these respondents
    return float(da @ t @ db / np.sqrt(var_a * var_b))


def weighted_spearman(x: Sequence[float], y: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """Weighted Spearman rho of two answer vectors (pairs with a missing value are left out)."""
    a, b = np.asarray(x, float), np.asarray(y, float)
    w = np.ones(len(a)) if weights is None else np.asarray(weights, float)
    keep = np.isfinite(a) & np.isfinite(b) & (w > 0)
    a, b, w = a[keep], b[keep], w[keep]
    codes_a, ia = np.unique(a, return_inverse=True)
    codes_b, ib = np.unique(b, return_inverse=True)
    table = np.zeros((len(codes_a), len(codes_b)))
    np.add.at(table, (ia, ib), w)
    return spearman_from_table(table)


def pairwise_spearman(matrices: dict[str, np.ndarray], weights: np.ndarray) -> pd.DataFrame:
    """Rho for every pair of items from person matrices (rows: persons' code shares; all-zero = missing).

    Returns:
        Rows ``item_a, item_b, rho, n_valid`` (items in the order given; ``n_valid`` persons answered both).
    """
    items = list(matrices)
    weighted = {item: matrices[item] * weights[:, None] for item in items}
    valid = {item: matrices[item].sum(axis=1) > 0 for item in items}
    rows = []
    for a, b in combinations(items, 2):
        both = valid[a] & valid[b]
        table = weighted[a][both].T @ matrices[b][both]
        rows.append((a, b, spearman_from_table(table), int(both.sum())))
    return pd.DataFrame(rows, columns=["item_a", "item_b", "rho", "n_valid"])


def one_hot(values: np.ndarray, support: Sequence[float]) -> np.ndarray:
    """Respondents x codes indicator matrix (all-zero rows for missing or off-scale answers)."""
    codes = np.asarray(support, float)
    on = np.isin(values, codes)
    out = np.zeros((len(values), len(codes)))
    out[np.flatnonzero(on), np.searchsorted(codes, values[on])] = 1.0
    return out


def microdata_associations(frame: pd.DataFrame, supports: dict[str, list[int]], country_col: str,
                           weight_col: str | None) -> pd.DataFrame:
    """Pairwise weighted Spearman per country from respondent-level data (rows in :data:`ASSOCIATION_COLUMNS`)."""
    parts = []
    for country, group in frame.groupby(country_col, sort=True):
        w = group[weight_col].astype(float).to_numpy() if weight_col else np.ones(len(group))
        matrices = {item: one_hot(pd.to_numeric(group[item], errors="coerce").to_numpy(float), support)
                    for item, support in supports.items()}
        pairs = pairwise_spearman(matrices, w)
        pairs.insert(0, "country", str(country))
        parts.append(pairs)
    if not parts:
        return pd.DataFrame(columns=ASSOCIATION_COLUMNS)
    return pd.concat(parts, ignore_index=True)[ASSOCIATION_COLUMNS]
