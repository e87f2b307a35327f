"""The share distributions a sampler's tables imply, for audits (``audit.py`` compares a sample with them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from deeppersona_agents.demographics.fields import floored_shares, occupation_shares, shares
from deeppersona_agents.demographics.occupations import cap_education, education_floor, isco_shares
from deeppersona_agents.demographics.tables import (
    ACTIVITY_BANDS,
    AGE_BANDS,
    EDUCATION_BANDS,
    EDUCATION_LEVELS,
    RELIGIONS,
    SEXES,
    band_of,
)

if TYPE_CHECKING:
    from deeppersona_agents.demographics.sampler import PopulationSampler


def expected_marginals(sampler: PopulationSampler, min_age: int | None, max_age: int) -> dict[str, pd.Series]:
    """Each variable's share distribution implied by the tables for ages ``min_age``..``max_age``.

    Education is the mixture the draw makes: per age x sex cell, each occupation group's floored shares.
    """
    ages = sampler.ages
    lo = sampler.min_age if min_age is None else max(min_age, sampler.min_age)
    w = sampler.age_sex_weights.copy()
    w[:, (ages < lo) | (ages > max_age)] = 0
    w = w / w.sum()
    out: dict[str, pd.Series] = {"sex": pd.Series(w.sum(axis=1), index=list(SEXES))}
    band5 = [band_of(int(a), AGE_BANDS) for a in ages]
    out["age_band"] = pd.Series(w.sum(axis=0), index=band5).groupby(level=0, sort=False).sum()
    if sampler.demographics == "uniform":
        return out
    t = sampler.table
    acc: dict[str, dict[str, float]] = {k: {} for k in ("activity", "education", "marital_status")}
    isco = np.zeros(10)
    for s, sex in enumerate(SEXES):
        for j, age in enumerate(ages):
            weight = w[s, j]
            if weight == 0:
                continue
            erow = t["education"][sex][band_of(max(int(age), 25), EDUCATION_BANDS)]
            mix: dict[int | None, float] = {None: 1.0}  # education floor group -> share of this age x sex cell
            if age < 15:
                acc["activity"]["pupil"] = acc["activity"].get("pupil", 0) + weight
                acc["marital_status"]["never_married"] = acc["marital_status"].get("never_married", 0) + weight
            else:
                band = band_of(int(age), ACTIVITY_BANDS)
                for k, v in t["activity"][sex][band].items():
                    acc["activity"][k] = acc["activity"].get(k, 0) + weight * v
                employed = t["activity"][sex][band]["employed"]
                groups = isco_shares(occupation_shares(t, sex, int(age)), int(age))
                isco += weight * employed * groups
                mix = {None: 1 - employed, **{g: employed * groups[g] for g in range(10) if groups[g] > 0}}
                for k, v in t["marital_status"][sex][band].items():
                    acc["marital_status"][k] = acc["marital_status"].get(k, 0) + weight * v
            for group, share in mix.items():
                p = floored_shares(erow, education_floor(group, int(age)))
                for level, v in zip(EDUCATION_LEVELS, p, strict=True):
                    level = cap_education(level, int(age))
                    acc["education"][level] = acc["education"].get(level, 0) + weight * share * v
    for key, d in acc.items():
        out[key] = pd.Series(d) / sum(d.values())
    out["isco_major"] = pd.Series(isco / isco.sum(), index=range(10))
    out["urban"] = pd.Series([t["urban"]["share"], 1 - t["urban"]["share"]], index=[True, False])
    out["religion"] = pd.Series(shares(t["religion"]["shares"], RELIGIONS), index=RELIGIONS)
    return out
