"""Draw people from a country's population structure.

``census`` demographics (default) draw jointly: sex -> age -> activity / occupation -> education -> marital
status -> religion -> language -> place -> name, each conditioned on what came before as the tables
allow, and on every fact fixed in advance (``facts.py`` normalises them): an occupation sets the
education floor (``occupations.EDUCATION_FLOOR``) and the youngest age, an education closes the
occupations that need more, a settlement picks a city or a rural area. ``uniform`` reproduces
the authors' behaviour for ablations: age uniform, sex 50/50, any occupation, any city, other fields
uniform over their categories.

This module draws age x sex and keeps cohorts (``where``); ``fields.py`` draws the other fields and
``marginals.py`` gives the shares the tables imply (for audits).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from deeppersona_agents.demographics.cohort import Cohort, parse_cohort
from deeppersona_agents.demographics.fields import fill_census, fill_uniform, floored_shares, repeat
from deeppersona_agents.demographics.marginals import expected_marginals
from deeppersona_agents.demographics.names import person_name
from deeppersona_agents.demographics.occupations import ISCO_MIN_AGE, occupation_titles
from deeppersona_agents.demographics.tables import AGE_BANDS, SEXES, band_range, load_table
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.seeding import derive

#: How the core is drawn: ``census`` (the tables) or ``uniform`` (the authors' draws, for ablations).
Demographics = Literal["census", "uniform"]
MIN_AGE_FLOOR = 7
MAX_AGE = 100
#: Yearly decline of the population within the open 85+ band.
OPEN_BAND_DECAY = 0.82
#: Columns of a drawn sample, in order.
COLUMNS = [
    "age", "sex", "activity", "isco_major", "occupation", "education", "marital_status",
    "religion", "language", "city", "urban", "name",
]
#: A ``where`` cohort is given up as impossible after this many draws per requested person
#: (and at least WHERE_MIN_DRAWS): prevalence below about 1 in 500 is refused.
WHERE_DRAWS_PER_PERSON, WHERE_MIN_DRAWS = 500, 200_000
__all__ = ["COLUMNS", "Demographics", "ISCO_MIN_AGE", "PopulationSampler", "floored_shares", "occupation_titles"]


@dataclass
class PopulationSampler:
    """Draws people for one country.

    Args:
        country: ISO-3 code, ISO-2 code or English name.
        demographics: ``census`` (tables) or ``uniform`` (the authors' behaviour), as ``GenerationConfig.demographics``.
        min_age: youngest age drawn (7-85; default 18, adults).
        tables_dir: folder of rebuilt tables that take precedence over the shipped ones.
    """

    country: str
    demographics: Demographics = "census"
    min_age: int = 18
    tables_dir: str | Path | None = None

    def __post_init__(self) -> None:
        from deeppersona_agents.demographics.countries import resolve_country

        self.iso3 = resolve_country(self.country, self.tables_dir)
        if self.demographics not in ("census", "uniform"):
            raise ConfigError(f"demographics={self.demographics!r} is unknown; use 'census' or 'uniform'",
                              param="demographics")
        if not MIN_AGE_FLOOR <= int(self.min_age) <= 85:
            raise ConfigError(f"min_age={self.min_age} is out of range; use an age between {MIN_AGE_FLOOR} and 85")
        self.min_age = int(self.min_age)
        self.table = load_table(self.iso3, self.tables_dir)

    # ---- joint age x sex -------------------------------------------------------------------
    @cached_property
    def ages(self) -> np.ndarray:
        """Single years of age that can be drawn."""
        return np.arange(self.min_age, MAX_AGE + 1)

    @cached_property
    def age_sex_weights(self) -> np.ndarray:
        """Population weights, shape (2, ages): rows male, female; sums to 1."""
        weights = np.zeros((2, len(self.ages)))
        if self.demographics == "uniform":
            top = 85
            weights[:, self.ages <= top] = 1.0
            return weights / weights.sum()
        for s, sex in enumerate(SEXES):
            for band, count in zip(AGE_BANDS, self.table["age_sex"][sex], strict=True):
                low, high = band_range(band, MAX_AGE)
                years = np.arange(low, high + 1)
                spread = OPEN_BAND_DECAY ** (years - low) if band.endswith("+") else np.ones(len(years))
                spread = spread / spread.sum() * count
                for year, w in zip(years, spread, strict=True):
                    if year >= self.min_age:
                        weights[s, year - self.min_age] += w
        return weights / weights.sum()

    # ---- public API --------------------------------------------------------------------------
    def sample(self, n: int, seed: int | np.random.Generator = 0, where: str | Cohort | None = None) -> pd.DataFrame:
        """Draw ``n`` people; ``where`` keeps only draws in a cohort (see :mod:`.cohort`).

        Raises:
            ConfigError: ``n`` < 1, a bad ``where`` expression, or a condition nobody meets.
        """
        cohort = parse_cohort(where, COLUMNS) if where else None
        if int(n) < 1:
            raise ConfigError(f"n={n} draws requested; ask for at least 1")
        rng = seed if isinstance(seed, np.random.Generator) else derive(seed)
        if cohort is None:
            return _frame(self._columns(int(n), rng))
        return self._draw_where(int(n), rng, cohort)

    def draw_person(self, rng: np.random.Generator, fixed: dict[str, Any] | None = None,
                    where: str | Cohort | None = None) -> dict[str, Any]:
        """Draw one person, keeping the fields in ``fixed`` (``sex``/``gender``, ``age``, ``city``, ...).

        ``where`` restricts the draw to a cohort (``"age>=30 and isco_major==2"``).
        """
        fixed = dict(fixed or {})
        if "gender" in fixed and "sex" not in fixed:
            fixed["sex"] = fixed.pop("gender")
        if where:
            given = {"age": None if fixed.get("age") is None else int(fixed["age"]),
                     "sex": fixed.get("sex") if fixed.get("sex") in SEXES else None}
            rest = {k: v for k, v in fixed.items() if k not in ("age", "sex")}
            cohort = parse_cohort(where, COLUMNS)
            equal = {k: v for k, v in given.items() if v is not None}
            return self._draw_where(1, rng, cohort, fixed=rest, equal=equal).iloc[0].to_dict()
        age = None if fixed.get("age") is None else int(fixed["age"])
        weights = self.age_sex_weights if age is not None else self._weights_from(int(fixed.get("age_at_least") or 0))
        sex = fixed.get("sex") if fixed.get("sex") in SEXES else None
        if sex is None:
            in_range = age is not None and self.ages[0] <= age <= self.ages[-1]
            p = weights[:, age - self.min_age] if in_range else weights.sum(axis=1)  # type: ignore[operator,index]
            sex = SEXES[int(rng.choice(2, p=p / p.sum()))]
        if age is None:
            row = weights[SEXES.index(sex)]
            age = int(self.ages[int(rng.choice(len(row), p=row / row.sum()))])
        cols = self._columns(1, rng, sexes=np.array([sex]), ages=np.array([age]), fixed=fixed)
        return {c: _plain(cols[c][0]) for c in COLUMNS}

    def _weights_from(self, youngest: int) -> np.ndarray:
        """Age x sex weights with ages below ``youngest`` removed (an occupation's or education's floor)."""
        if youngest <= self.min_age:
            return self.age_sex_weights
        if youngest > self.ages[-1]:
            raise ConfigError(f"the fixed facts need an age of at least {youngest}; nobody that old is drawn")
        weights = self.age_sex_weights.copy()
        weights[:, self.ages < youngest] = 0
        return weights / weights.sum()

    # ---- drawing ----------------------------------------------------------------------------
    def _draw_where(self, n: int, rng: np.random.Generator, cohort: Cohort,
                    fixed: dict[str, Any] | None = None, equal: dict[str, Any] | None = None) -> pd.DataFrame:
        """Draw batches until ``n`` rows are in ``cohort`` (and equal ``equal``'s fields)."""
        kept: list[pd.DataFrame] = []
        got, drawn, batch = 0, 0, max(2 * n, 2000)
        while got < n:
            if drawn >= max(WHERE_DRAWS_PER_PERSON * n, WHERE_MIN_DRAWS):
                raise ConfigError(
                    f"only {got} of {drawn} draws satisfied where={cohort.text!r}; the cohort is too rare or "
                    "impossible for this country; loosen the condition", param="where"
                )
            frame = _frame(self._columns(batch, rng, fixed=fixed, names=False))
            drawn += batch
            mask = cohort.mask(frame)
            for column, value in (equal or {}).items():
                mask &= (frame[column] == value).to_numpy(dtype=bool, na_value=False)
            hit = frame[mask]
            kept.append(hit)
            got += len(hit)
            batch = min(batch * 2, 50_000)
        frame = pd.concat(kept).head(n).reset_index(drop=True)
        if not (fixed and "name" in fixed):
            frame["name"] = [person_name(self.iso3, s, rng) for s in frame["sex"]]
        return frame

    def _columns(
        self,
        n: int,
        rng: np.random.Generator,
        sexes: np.ndarray | None = None,
        ages: np.ndarray | None = None,
        fixed: dict[str, Any] | None = None,
        names: bool = True,
    ) -> dict[str, np.ndarray]:
        """The draw as one array per column (plain numpy: a one-person draw skips pandas entirely)."""
        fixed = fixed or {}
        if sexes is None or ages is None:
            flat = self._weights_from(int(fixed.get("age_at_least") or 0)).ravel()
            cells = rng.choice(flat.size, size=n, p=flat)
            sexes = np.array(SEXES)[cells // len(self.ages)]
            ages = self.ages[cells % len(self.ages)]
        cols: dict[str, np.ndarray] = {"age": ages.astype(int), "sex": np.asarray(sexes, dtype=object)}
        if self.demographics == "uniform":
            fill_uniform(cols, self.iso3, rng)
            for key, value in fixed.items():
                if key in cols and key not in ("age", "sex"):
                    cols[key] = repeat(value, n)
        else:
            fill_census(cols, self.table, self.iso3, rng, fixed)
        if "name" in fixed or not names:
            cols["name"] = repeat(fixed.get("name"), n)
        else:
            cols["name"] = np.array([person_name(self.iso3, s, rng) for s in cols["sex"]], dtype=object)
        return cols

    # ---- expected marginals (for audits) -----------------------------------------------------
    def expected_marginals(self, min_age: int | None = None, max_age: int = MAX_AGE) -> dict[str, pd.Series]:
        """Each variable's share distribution implied by the tables for ages ``min_age``..``max_age``.

        Education is the mixture the draw makes: per age x sex cell, each occupation group's floored shares.
        """
        return expected_marginals(self, min_age, max_age)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value; missing as None."""
    if value is None or value is pd.NA:
        return None
    return value.item() if isinstance(value, np.generic) else value


def _frame(cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """Columns as a DataFrame: ISCO group as nullable Int64, urban as nullable boolean when unknown."""
    data = dict(cols)
    data["isco_major"] = pd.array(list(cols["isco_major"]), dtype="Int64")
    if cols["urban"].dtype == object:
        data["urban"] = pd.array(list(cols["urban"]), dtype="boolean")
    return pd.DataFrame({c: data[c] for c in COLUMNS})
