"""Fidelity beyond marginals: subgroup shares and gaps, and item-pair correlations, simulated vs real.

Sits after the marginals in the data flow (:func:`~deeppersona_agents.comparison.compare.compare_all` calls it):
persons' answers (:class:`~deeppersona_agents.comparison.units.Panel`, raked or not) + their subgroup levels
(from the personas file) + the reference's subgroup shares and pairwise correlations -> ``subgroups.csv``
and ``associations.csv``.

A subgroup gap is a level's difference from the group's base level (the first level in
:func:`~deeppersona_agents.comparison.subgroups.levels` order present on both sides: ``male``, ``18-29``,
``less_than_primary``, ``urban``, ``christian``): the difference of means for ordered items (``gap_kind``
``mean_diff``; e.g. 50+ minus 18-29) and the total variation distance between the two levels' share
distributions for nominal items (``total_variation``). ``gap_diff`` is simulated minus real.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from deeppersona_agents.comparison.associations import pairwise_spearman
from deeppersona_agents.comparison.metrics import js_divergence, total_variation
from deeppersona_agents.comparison.subgroups import levels
from deeppersona_agents.comparison.units import Panel

SUBGROUP_RESULT_COLUMNS = [
    "country", "method", "item", "scale", "group", "group_value", "base_value", "n_real", "n_simulated",
    "js_divergence", "total_variation", "mean_real", "mean_sim", "gap_kind", "gap_real", "gap_sim", "gap_diff"]
ASSOCIATION_RESULT_COLUMNS = ["country", "method", "item_a", "item_b", "rho_real", "rho_sim", "diff", "abs_diff",
                              "n_real", "n_simulated"]


def _reference_index(reference: pd.DataFrame) -> dict[tuple[str, str, str, str], tuple[dict[float, float], int]]:
    out = {}
    keys = ["country", "item", "group", "group_value"]
    for key, rows in reference.groupby(keys, sort=False):
        shares = dict(zip(rows["value"].astype(float), rows["share"].astype(float), strict=True))
        n = int(rows["n_valid"].iloc[0]) if "n_valid" in rows.columns else 0
        out[tuple(str(k) for k in key)] = (shares, n)
    return out  # type: ignore[return-value]


def compare_subgroups(panels: dict[tuple[str, str], Panel], personas: pd.DataFrame, reference: pd.DataFrame,
                      groups: Sequence[str], cuts: Sequence[int], scale_of: Callable[[str], str]) -> pd.DataFrame:
    """Per item, subgroup level and method: JS and total variation within the level, means and gaps."""
    index = _reference_index(reference)
    rows = []
    for (country, method), panel in panels.items():
        levels_of = personas.reindex(panel.persons.astype(str))
        for item, support in panel.supports.items():
            scale = scale_of(item)
            valid = panel.valid(item)
            for group in groups:
                if group not in levels_of.columns:
                    continue
                cells = []
                for level in levels(group, cuts):
                    ref = index.get((country, item, group, level))
                    mask = (levels_of[group] == level).to_numpy()
                    sim = panel.shares(item, mask)
                    if ref is None or sim is None:
                        continue
                    real = np.array([ref[0].get(float(c), 0.0) for c in support])
                    if real.sum() <= 0:
                        continue
                    real = real / real.sum()
                    cells.append((level, real, sim, ref[1], int((mask & valid).sum())))
                rows += _gap_rows(country, method, item, scale, group, support, cells)
    return pd.DataFrame(rows, columns=SUBGROUP_RESULT_COLUMNS)


def _gap_rows(country: str, method: str, item: str, scale: str, group: str, support: np.ndarray,
              cells: list[tuple[str, np.ndarray, np.ndarray, int, int]]) -> list[dict]:
    if not cells:
        return []
    base, base_real, base_sim = cells[0][:3]
    ordered = scale != "nominal"
    out = []
    for level, real, sim, n_real, n_sim in cells:
        mean_real, mean_sim = (float(real @ support), float(sim @ support)) if ordered else (np.nan, np.nan)
        if level == base:
            gap_real = gap_sim = np.nan
        elif ordered:
            gap_real, gap_sim = mean_real - float(base_real @ support), mean_sim - float(base_sim @ support)
        else:
            gap_real, gap_sim = total_variation(real, base_real), total_variation(sim, base_sim)
        out.append({"country": country, "method": method, "item": item, "scale": scale, "group": group,
                    "group_value": level, "base_value": base, "n_real": n_real, "n_simulated": n_sim,
                    "js_divergence": js_divergence(sim, real), "total_variation": total_variation(sim, real),
                    "mean_real": mean_real, "mean_sim": mean_sim,
                    "gap_kind": "mean_diff" if ordered else "total_variation",
                    "gap_real": gap_real, "gap_sim": gap_sim, "gap_diff": gap_sim - gap_real})
    return out


def _pair_key(frame: pd.DataFrame) -> pd.DataFrame:
    a, b = frame["item_a"].astype(str), frame["item_b"].astype(str)
    swap = a > b
    return frame.assign(item_a=a.where(~swap, b), item_b=b.where(~swap, a))


def compare_associations(panels: dict[tuple[str, str], Panel], reference: pd.DataFrame,
                         scale_of: Callable[[str], str]) -> pd.DataFrame:
    """Weighted Spearman per ordered item pair, real vs simulated (nominal items are left out)."""
    ref = _pair_key(reference)
    ordered = ref["item_a"].map(scale_of).ne("nominal") & ref["item_b"].map(scale_of).ne("nominal")
    ref = ref[ordered].rename(columns={"rho": "rho_real", "n_valid": "n_real"})
    ref = ref.assign(country=ref["country"].astype(str))
    parts = []
    for (country, method), panel in panels.items():
        items = sorted(item for item in panel.matrices if scale_of(item) != "nominal")
        if len(items) < 2:
            continue
        assert panel.weights is not None  # Panel sets ones when none are given
        sim = pairwise_spearman({item: panel.matrices[item] for item in items}, panel.weights)
        sim = sim.rename(columns={"rho": "rho_sim", "n_valid": "n_simulated"}).assign(country=country, method=method)
        merged = sim.merge(ref[ref["country"] == country], on=["country", "item_a", "item_b"], how="inner")
        parts.append(merged)
    if not parts:
        return pd.DataFrame(columns=ASSOCIATION_RESULT_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["diff"] = out["rho_sim"] - out["rho_real"]
    out["abs_diff"] = out["diff"].abs()
    return out[ASSOCIATION_RESULT_COLUMNS]
