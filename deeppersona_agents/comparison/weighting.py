"""Post-stratify simulated respondents to the country's census margins before comparing (``--weight-to census``).

Sits between the persons (:mod:`~deeppersona_agents.comparison.units`, subgroups from the personas file)
and every metric: the raking weights become person weights. Targets come from the shipped country tables
(:mod:`~deeppersona_agents.demographics.tables`), the same tables personas are drawn from:

* ``sex*age_band``: adult population by sex and age band (UN WPP counts; the 15-19 band counts 2/5 for
  ages 18-19, the open 85+ band lies in the top age band);
* ``sex*education``: attainment by sex, the age bands' shares averaged with their population counts
  (the tables give education for ages 25+, applied to all adults).

Target levels no simulated respondent has are dropped and the rest renormalised (reported in ``dropped``).
A sample too small to meet the crossed margins is raked to the one-way sex, age band and education margins
instead (``margins`` says which); if even those cannot be met, the comparison stops with that message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from deeppersona_agents.comparison.subgroups import AGE_CUTS, MIN_AGE, age_labels
from deeppersona_agents.demographics.raking import rake, variable_values
from deeppersona_agents.demographics.tables import EDUCATION_BANDS, EDUCATION_LEVELS, SEXES, band_range, load_table
from deeppersona_agents.errors import ConfigError

CENSUS_VARIABLES = ("sex", "age_band", "education")


def effective_sample_size(weights: Sequence[float] | np.ndarray) -> float:
    """Kish's effective sample size, (sum w)^2 / sum w^2."""
    w = np.asarray(weights, float)
    return float(w.sum() ** 2 / (w**2).sum()) if (w**2).sum() > 0 else 0.0


def census_targets(country: str, cuts: Sequence[int] = AGE_CUTS,
                   tables_dir: str | Path | None = None) -> dict[str, dict[str, float]]:
    """Raking targets (``sex*age_band`` and ``sex*education``) for adults of ``country``.

    ``tables_dir``: a folder of rebuilt country tables (as for generation); the shipped tables otherwise.
    """
    table = load_table(country, tables_dir)
    age_sex = table["age_sex"]
    labels = age_labels(cuts)
    edges = [MIN_AGE, *cuts, 200]
    by_age: dict[str, float] = {}
    for sex in SEXES:
        for band, count in zip(age_sex["bands"], age_sex[sex], strict=True):
            low, high = band_range(band, top=199)
            for label, a, b in zip(labels, edges, edges[1:], strict=False):
                overlap = min(high + 1, b) - max(low, a)
                if overlap > 0:
                    key = f"{sex}*{label}"
                    by_age[key] = by_age.get(key, 0.0) + count * overlap / (high + 1 - low)
    by_education: dict[str, float] = {}
    for sex in SEXES:
        for band in EDUCATION_BANDS:
            low, high = band_range(band, top=199)
            people = sum(c for b, c in zip(age_sex["bands"], age_sex[sex], strict=True)
                         if band_range(b, top=199)[0] >= low and band_range(b, top=199)[1] <= high)
            for level in EDUCATION_LEVELS:
                key = f"{sex}*{level}"
                by_education[key] = by_education.get(key, 0.0) + people * table["education"][sex][band][level]
    return {"sex*age_band": _normalise(by_age), "sex*education": _normalise(by_education)}


def _normalise(counts: dict[str, float]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()}


@dataclass(frozen=True)
class CensusWeights:
    """Raking result: one weight per person (mean 1) and what the report says about it."""

    weights: np.ndarray
    n: int
    ess: float
    dropped: tuple[str, ...]
    margins: str = "crossed"


def census_weights(groups: pd.DataFrame, country: str, cuts: Sequence[int] = AGE_CUTS,
                   tables_dir: str | Path | None = None) -> CensusWeights:
    """Rake persons (rows of ``groups`` with sex, age_band, education) to the census margins of ``country``.

    Persons missing any of the three get weight 0.

    Raises:
        ConfigError: the persons lack a needed column, or the margins cannot be met.
    """
    missing = [c for c in CENSUS_VARIABLES if c not in groups.columns]
    if missing:
        raise ConfigError(f"census weights need {', '.join(missing)} per person; pass the personas the survey ran on",
                          param="personas")
    known = groups[list(CENSUS_VARIABLES)].notna().all(axis=1).to_numpy()
    if not known.any():
        raise ConfigError(f"no {country} respondent has sex, age band and education; cannot rake to the census")
    sample = groups.loc[known, list(CENSUS_VARIABLES)]
    crossed, dropped = _present_targets(census_targets(country, cuts, tables_dir), sample)
    try:
        weights, margins = rake(sample.reset_index(drop=True), crossed, max_iter=1000, tol=1e-9), "crossed"
    except ConfigError:  # a small sample cannot meet the crossed margins: the one-way margins may still be met
        one_way = {"sex": _collapse(crossed["sex*age_band"], 0), "age_band": _collapse(crossed["sex*age_band"], 1),
                   "education": _collapse(crossed["sex*education"], 1)}
        try:
            weights, margins = rake(sample.reset_index(drop=True), one_way, max_iter=1000, tol=1e-9), "one-way"
        except ConfigError:
            raise ConfigError(f"cannot rake {len(sample)} {country} respondents to the census margins (sex, age band "
                              "and education cannot all be met); simulate more respondents or drop weight_to",
                              param="weight_to") from None
    full = np.zeros(len(groups))
    full[known] = weights
    full *= len(groups) / full.sum()
    return CensusWeights(full, int(known.sum()), effective_sample_size(full), tuple(dropped), margins)


def _present_targets(targets: dict[str, dict[str, float]], sample: pd.DataFrame
                     ) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Targets restricted to levels the sample has (renormalised), with consistent sex shares; and the dropped."""
    kept, dropped = {}, []
    for variable, shares in targets.items():
        present = set(variable_values(sample, variable))
        kept[variable] = _normalise({k: v for k, v in shares.items() if k in present and v > 0})
        dropped += [f"{variable}={k}" for k, v in shares.items() if k not in present and v > 0]
    # Both margins cross sex: give the education margin the age margin's sex shares, or raking cannot converge.
    sex_share = _collapse(kept["sex*age_band"], 0)
    education = kept["sex*education"]
    for sex in SEXES:
        keys = [k for k in education if k.startswith(f"{sex}*")]
        within = sum(education[k] for k in keys)
        for k in keys:
            education[k] = education[k] / within * sex_share.get(sex, 0.0)
    return kept, dropped


def _collapse(crossed: dict[str, float], part: int) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, share in crossed.items():
        level = key.split("*")[part]
        out[level] = out.get(level, 0.0) + share
    return out
