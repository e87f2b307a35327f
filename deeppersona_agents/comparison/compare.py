"""Compare simulated answers with real survey data: marginals, subgroups, associations, census weighting.

The last step of the data flow: ``answers.csv`` (from ``deeppersona survey``) + reference files (from
``deeppersona reference``) [+ the personas file for subgroups and census weights] -> :func:`compare_all`
-> ``metrics.csv``, ``subgroups.csv``, ``associations.csv``, ``weighting.csv`` and the Markdown report
(:mod:`~deeppersona_agents.comparison.report`). Persons are the unit throughout
(:mod:`~deeppersona_agents.comparison.units`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from deeppersona_agents._read import numeric_column, read_user_csv
from deeppersona_agents.comparison.fidelity import compare_associations, compare_subgroups
from deeppersona_agents.comparison.metrics import ORDERED_METRICS, compare_item
from deeppersona_agents.comparison.references import TRAIT_PREFIX
from deeppersona_agents.comparison.report import markdown_report  # noqa: F401  (callers import it from here)
from deeppersona_agents.comparison.subgroups import AGE_CUTS, parse_by
from deeppersona_agents.comparison.units import Panel, build_panels
from deeppersona_agents.comparison.weighting import census_weights
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.seeding import derive

METRICS = list(ORDERED_METRICS)
WEIGHT_TARGETS = ("census",)


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


@lru_cache(maxsize=1)
def _instrument_scales() -> dict[str, str]:
    from deeppersona_agents.simulation.instruments import load_instrument

    return {it.code: it.scale for name in ("wvs7", "ipip50") for it in load_instrument(name).items}


def item_scale(item: str, scales: dict[str, str] | None = None) -> str:
    """An item's scale: ``scales`` first, then the shipped instruments; trait scores and unknown items are ordinal."""
    if scales and item in scales:
        return scales[item]
    return "ordinal" if item.startswith(TRAIT_PREFIX) else _instrument_scales().get(item, "ordinal")


def reference_supports(reference: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """The sorted codes of each (country, item) in a marginals frame."""
    groups = reference.groupby(["country", "item"])
    return {(str(c), str(i)): np.sort(g["value"].to_numpy(float)) for (c, i), g in groups}


def marginal_metrics(answers: pd.DataFrame, panels: dict[tuple[str, str], Panel], reference: pd.DataFrame, *,
                     scales: dict[str, str] | None = None, n_boot: int = 500, seed: int = 0) -> pd.DataFrame:
    """One row per country x item x method: the metrics its scale allows, CIs over persons, variance figures."""
    asked = answers.groupby(["country", "method", "item"])["persona_id"].nunique()
    rows = []
    for (country, item), ref in reference.groupby(["country", "item"], sort=True):
        ref = ref.sort_values("value")
        for (p_country, method), panel in panels.items():
            if p_country != str(country) or str(item) not in panel.matrices:
                continue
            scale = item_scale(str(item), scales)
            result = compare_item(panel.matrices[str(item)], ref["share"].to_numpy(float), panel.supports[str(item)],
                                  scale=scale, weights=panel.weights, n_boot=n_boot,
                                  rng=derive(seed, str(country), str(item), str(method)))
            row: dict[str, object] = {
                "country": country, "item": item, "method": method, "scale": scale,
                "metrics_used": " ".join(result.metrics), "n_simulated": result.n_simulated,
                "n_missing": int(asked.get((country, method, item), result.n_simulated)) - result.n_simulated,
                "n_reference": int(ref["n_valid"].iloc[0]) if "n_valid" in ref.columns else None}
            for name in METRICS:
                row[name] = result.metrics.get(name, np.nan)
                row[f"{name}_low"], row[f"{name}_high"] = result.ci.get(name, (np.nan, np.nan))
            row.update(sd_real=result.sd_real, sd_sim=result.sd_sim, sd_ratio=result.sd_ratio,
                       modal_share_real=result.modal_share_real, modal_share_sim=result.modal_share_sim,
                       collapse=result.collapse)
            rows.append(row)
    if not rows:
        raise ConfigError("no country x item in the answers has reference marginals; check countries and items")
    return pd.DataFrame(rows).sort_values(["country", "item", "method"], ignore_index=True)


def compare_answers(answers: pd.DataFrame, reference: pd.DataFrame, *, n_boot: int = 500, seed: int = 0,
                    scales: dict[str, str] | None = None) -> pd.DataFrame:
    """Marginal metrics only (``metrics.csv``); see :func:`compare_all` for every comparison."""
    panels = build_panels(answers, reference_supports(reference))
    return marginal_metrics(answers, panels, reference, scales=scales, n_boot=n_boot, seed=seed)


@dataclass
class Comparison:
    """Every frame a comparison writes (empty frames for comparisons that were not asked for)."""

    metrics: pd.DataFrame
    subgroups: pd.DataFrame = field(default_factory=pd.DataFrame)
    associations: pd.DataFrame = field(default_factory=pd.DataFrame)
    weighting: pd.DataFrame = field(default_factory=pd.DataFrame)
    panels: dict[tuple[str, str], Panel] = field(default_factory=dict, repr=False)

    def frames(self) -> dict[str, pd.DataFrame]:
        """File name -> frame, for the frames that hold rows."""
        named = {"metrics.csv": self.metrics, "subgroups.csv": self.subgroups,
                 "associations.csv": self.associations, "weighting.csv": self.weighting}
        return {name: frame for name, frame in named.items() if not frame.empty}


def compare_all(
    answers: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    personas: pd.DataFrame | None = None,
    by: str | Sequence[str] | None = None,
    reference_subgroups: pd.DataFrame | None = None,
    reference_associations: pd.DataFrame | None = None,
    weight_to: str | None = None,
    age_cuts: Sequence[int] = AGE_CUTS,
    scales: dict[str, str] | None = None,
    tables_dir: str | Path | None = None,
    n_boot: int = 500,
    seed: int = 0,
) -> Comparison:
    """Every comparison of simulated answers with the reference, persons as the unit.

    Args:
        answers: answers frame (:func:`read_answers`); grouped by ``country`` and ``method``.
        reference: marginals (``country,item,value,share[,n_valid]``).
        personas: subgroup levels per persona id (:func:`~deeppersona_agents.comparison.subgroups.read_personas`);
            needed for ``by`` and ``weight_to``.
        by: subgroup variables (``"sex,age_band"`` or a list) for ``subgroups.csv``.
        reference_subgroups: the reference's subgroup shares (``deeppersona reference ... --by``).
        reference_associations: the reference's pairwise correlations (``country,item_a,item_b,rho,n_valid``).
        weight_to: ``"census"`` rakes each country's persons to its age x sex x education margins.
        age_cuts: age band edges (30, 50 -> 18-29, 30-49, 50+); must match the reference's.
        scales: item -> scale overrides (default: the shipped instruments).
        tables_dir: rebuilt country tables for the census margins (default: the shipped tables).
        n_boot: bootstrap resamples of persons for the marginal CIs.
        seed: bootstrap seed.

    Raises:
        ConfigError: a needed input is missing or no item can be compared.
    """
    groups = parse_by(by)
    if (groups or weight_to) and personas is None:
        raise ConfigError("subgroups and census weights need the respondents' demographics; pass personas "
                          "(read_personas('personas.jsonl'))", param="personas")
    if groups and reference_subgroups is None:
        raise ConfigError("subgroup comparisons need the reference's subgroup shares (its loader with by=...)",
                          param="reference_subgroups")
    if weight_to not in (None, *WEIGHT_TARGETS):
        raise ConfigError(f"unknown weighting target {weight_to!r}; use census", param="weight_to")
    panels = build_panels(answers, reference_supports(reference))
    if personas is not None and panels:
        respondents = {str(p) for panel in panels.values() for p in panel.persons}
        if not respondents & set(personas.index.astype(str)):
            raise ConfigError("none of the answers' persona_id values is in the personas given; pass the personas "
                              "file the survey ran on", param="personas")
    weighting = []
    if weight_to == "census":
        assert personas is not None
        for (country, method), panel in list(panels.items()):
            result = census_weights(personas.reindex(panel.persons.astype(str)), country, age_cuts, tables_dir)
            panels[(country, method)] = panel.with_weights(result.weights)
            weighting.append({"country": country, "method": method, "target": "census", "n_persons": len(panel.persons),
                              "n_raked": result.n, "margins": result.margins, "effective_sample_size": result.ess,
                              "dropped_levels": " ".join(result.dropped)})
    metrics = marginal_metrics(answers, panels, reference, scales=scales, n_boot=n_boot, seed=seed)
    subgroups = (compare_subgroups(panels, personas, reference_subgroups, groups, age_cuts,
                                   lambda item: item_scale(item, scales))
                 if groups and personas is not None and reference_subgroups is not None else pd.DataFrame())
    associations = (compare_associations(panels, reference_associations, lambda item: item_scale(item, scales))
                    if reference_associations is not None else pd.DataFrame())
    return Comparison(metrics, subgroups, associations, pd.DataFrame(weighting), panels)
