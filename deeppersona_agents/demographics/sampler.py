"""Draw people from a country's population structure.

``census`` mode (default) draws jointly: sex -> age -> activity / occupation -> education -> marital
status -> religion -> language -> place -> name, each conditioned on what came before as the tables
allow. ``uniform`` mode reproduces the authors' behaviour for ablations: age uniform, sex 50/50,
any occupation, any city, other fields uniform over their categories.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from deeppersona_agents.caching import load_once
from deeppersona_agents.demographics import places
from deeppersona_agents.demographics.cohort import Cohort, parse_cohort
from deeppersona_agents.demographics.names import person_name
from deeppersona_agents.demographics.tables import (
    ACTIVITIES,
    ACTIVITY_BANDS,
    AGE_BANDS,
    EDUCATION_BANDS,
    EDUCATION_LEVELS,
    MARITAL_STATUSES,
    RELIGIONS,
    SEXES,
    band_of,
    band_range,
    load_table,
)
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.seeding import derive

Mode = Literal["census", "uniform"]
MIN_AGE_FLOOR = 7
MAX_AGE = 100
#: Yearly decline of the population within the open 85+ band.
OPEN_BAND_DECAY = 0.82
#: Columns of a drawn sample, in order.
COLUMNS = [
    "age", "sex", "activity", "isco_major", "occupation", "education", "marital_status",
    "religion", "language", "city", "urban", "name",
]
#: What a person not in paid work gives as occupation.
ACTIVITY_TITLES = {
    "unemployed": "unemployed, looking for work",
    "student": "student",
    "retired": "retired",
    "homemaker": "homemaker",
    "other_inactive": "not in paid work",
    "pupil": "school pupil",
}
#: ISCO major groups nobody under this age is drawn into (managers, professionals, armed forces).
ISCO_MIN_AGE = {0: 18, 1: 21, 2: 21}
#: A ``where`` cohort is given up as impossible after this many draws per requested person
#: (and at least WHERE_MIN_DRAWS): prevalence below about 1 in 500 is refused.
WHERE_DRAWS_PER_PERSON, WHERE_MIN_DRAWS = 500, 200_000


@load_once
def occupation_titles() -> pd.DataFrame:
    """Authored occupation titles with ISCO-08 major group and minimum age."""
    ref = resources.files("deeppersona_agents.demographics") / "data" / "occupations.json"
    rows = json.loads(ref.read_text(encoding="utf-8"))["occupations"]
    return pd.DataFrame([r for r in rows if r["isco_major"] >= 0])


def _shares(d: dict[str, float], keys: list[str]) -> np.ndarray:
    arr = np.array([d[k] for k in keys], float)
    return arr / arr.sum()


@dataclass
class PopulationSampler:
    """Draws people for one country.

    Args:
        country: ISO-3 code, ISO-2 code or English name.
        mode: ``census`` (tables) or ``uniform`` (the authors' behaviour).
        min_age: youngest age drawn (7-85; default 18, adults).
        tables_dir: folder of rebuilt tables that take precedence over the shipped ones.
    """

    country: str
    mode: Mode = "census"
    min_age: int = 18
    tables_dir: str | Path | None = None

    def __post_init__(self) -> None:
        from deeppersona_agents.demographics.countries import resolve_country

        self.iso3 = resolve_country(self.country)
        if self.mode not in ("census", "uniform"):
            raise ConfigError(f"unknown sampling mode {self.mode!r}; use 'census' or 'uniform'")
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
        if self.mode == "uniform":
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

        ``where`` restricts the draw to a cohort (``"age>=30 and occupation_group==2"``).
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
        weights = self.age_sex_weights
        age = None if fixed.get("age") is None else int(fixed["age"])
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

    # ---- drawing ----------------------------------------------------------------------------
    def _draw_where(self, n: int, rng: np.random.Generator, cohort: Cohort,
                    fixed: dict[str, Any] | None = None, equal: dict[str, Any] | None = None) -> pd.DataFrame:
        """Draw batches until ``n`` rows are in ``cohort`` (and equal ``equal``'s fields)."""
        kept: list[pd.DataFrame] = []
        got, drawn, batch = 0, 0, max(2 * n, 2000)
        while got < n:
            if drawn >= max(WHERE_DRAWS_PER_PERSON * n, WHERE_MIN_DRAWS):
                raise ConfigError(
                    f"only {got} of {drawn} draws satisfied --where {cohort.text!r}; the cohort is too rare or "
                    "impossible for this country; loosen the condition"
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
            flat = self.age_sex_weights.ravel()
            cells = rng.choice(flat.size, size=n, p=flat)
            sexes = np.array(SEXES)[cells // len(self.ages)]
            ages = self.ages[cells % len(self.ages)]
        cols: dict[str, np.ndarray] = {"age": ages.astype(int), "sex": np.asarray(sexes, dtype=object)}
        if self.mode == "uniform":
            self._fill_uniform(cols, rng)
        else:
            self._fill_census(cols, rng)
        for key, value in fixed.items():
            if key in cols and key not in ("age", "sex"):
                cols[key] = _repeat(value, n)
        if "occupation" in fixed and "activity" not in fixed:
            cols["activity"] = _repeat("employed", n)
            cols["isco_major"] = _repeat(None, n)
        if "city" in fixed and "urban" not in fixed:
            cols["urban"] = _repeat(None, n)
        if "name" in fixed or not names:
            cols["name"] = _repeat(fixed.get("name"), n)
        else:
            cols["name"] = np.array([person_name(self.iso3, s, rng) for s in cols["sex"]], dtype=object)
        return cols

    def _by_group(self, sexes: np.ndarray, groups: np.ndarray, table: dict, levels: list[str],
                  rng: np.random.Generator) -> np.ndarray:
        """Draw one level per row from ``table[sex][group]`` shares."""
        out = np.empty(len(sexes), dtype=object)
        choices = np.array(levels, dtype=object)
        for sex in np.unique(sexes):  # sorted (sex, group) order, as a pandas groupby would visit them
            of_sex = sexes == sex
            for key in np.unique(groups[of_sex]):
                idx = np.flatnonzero(of_sex & (groups == key))
                p = _shares(table[sex][key], levels)
                out[idx] = choices[rng.choice(len(levels), size=len(idx), p=p)]
        return out

    def _fill_census(self, cols: dict[str, np.ndarray], rng: np.random.Generator) -> None:
        t = self.table
        ages, sexes = cols["age"], cols["sex"]
        adult = ages >= 15
        act_band = np.array([band_of(max(a, 15), ACTIVITY_BANDS) for a in ages], dtype=object)
        activity = self._by_group(sexes, act_band, t["activity"], ACTIVITIES, rng)
        activity[~adult] = "pupil"
        cols["activity"] = activity
        isco = np.full(len(ages), None, dtype=object)
        for i in np.flatnonzero(activity == "employed"):
            p = _isco_shares(_shares(t["occupation"][sexes[i]], [str(g) for g in range(10)]), int(ages[i]))
            isco[i] = int(rng.choice(10, p=p))
        cols["isco_major"] = isco
        cols["occupation"] = np.array(
            [self._title(a, -1 if g is None else g, age, rng) for a, g, age in zip(activity, isco, ages, strict=True)],
            dtype=object)
        edu_band = np.array([band_of(max(a, 25), EDUCATION_BANDS) for a in ages], dtype=object)
        education = self._by_group(sexes, edu_band, t["education"], EDUCATION_LEVELS, rng)
        cols["education"] = np.array([_cap_education(level, age) for level, age in zip(education, ages, strict=True)],
                                     dtype=object)
        marital = self._by_group(sexes, act_band, t["marital_status"], MARITAL_STATUSES, rng)
        marital[~adult] = "never_married"
        cols["marital_status"] = marital
        rel = _shares(t["religion"]["shares"], RELIGIONS)
        cols["religion"] = np.array(RELIGIONS, dtype=object)[rng.choice(len(RELIGIONS), size=len(ages), p=rel)]
        cols["language"] = places.draw_languages(self.iso3, len(ages), rng)
        urban = rng.random(len(ages)) < float(t["urban"]["share"])
        cols["urban"] = urban
        cols["city"] = places.draw_places(self.iso3, urban, rng)

    def _fill_uniform(self, cols: dict[str, np.ndarray], rng: np.random.Generator) -> None:
        n = len(cols["age"])
        titles = occupation_titles()
        pick = rng.integers(len(titles), size=n)
        cols["activity"] = _repeat("employed", n)
        cols["isco_major"] = titles["isco_major"].to_numpy().astype(object)[pick]
        cols["occupation"] = titles["title"].to_numpy().astype(object)[pick]
        cols["education"] = np.array(EDUCATION_LEVELS, dtype=object)[rng.integers(5, size=n)]
        cols["marital_status"] = np.array(MARITAL_STATUSES, dtype=object)[rng.integers(4, size=n)]
        cols["religion"] = np.array(RELIGIONS, dtype=object)[rng.integers(len(RELIGIONS), size=n)]
        cols["language"] = places.draw_languages(self.iso3, n, rng)
        cols["urban"] = np.ones(n, dtype=bool)
        cols["city"] = places.draw_uniform_cities(self.iso3, n, rng)

    def _title(self, activity: str, isco: int, age: int, rng: np.random.Generator) -> str:
        if activity != "employed":
            return ACTIVITY_TITLES[activity]
        titles, entry_ages = _titles_by_group()[int(isco)]
        open_to_age = max(1, int(np.searchsorted(entry_ages, age, side="right")))
        return str(titles[int(rng.integers(open_to_age))])

    # ---- expected marginals (for audits) -----------------------------------------------------
    def expected_marginals(self, min_age: int | None = None, max_age: int = MAX_AGE) -> dict[str, pd.Series]:
        """Each variable's share distribution implied by the tables for ages ``min_age``..``max_age``."""
        lo = self.min_age if min_age is None else max(min_age, self.min_age)
        w = self.age_sex_weights.copy()
        w[:, (self.ages < lo) | (self.ages > max_age)] = 0
        w = w / w.sum()
        out: dict[str, pd.Series] = {"sex": pd.Series(w.sum(axis=1), index=list(SEXES))}
        band5 = [band_of(int(a), AGE_BANDS) for a in self.ages]
        out["age_band"] = pd.Series(w.sum(axis=0), index=band5).groupby(level=0, sort=False).sum()
        if self.mode == "uniform":
            return out
        t = self.table
        acc: dict[str, dict[str, float]] = {k: {} for k in ("activity", "education", "marital_status")}
        isco = np.zeros(10)
        for s, sex in enumerate(SEXES):
            occ = _shares(t["occupation"][sex], [str(g) for g in range(10)])
            for j, age in enumerate(self.ages):
                weight = w[s, j]
                if weight == 0:
                    continue
                if age < 15:
                    acc["activity"]["pupil"] = acc["activity"].get("pupil", 0) + weight
                    acc["marital_status"]["never_married"] = acc["marital_status"].get("never_married", 0) + weight
                else:
                    band = band_of(int(age), ACTIVITY_BANDS)
                    for k, v in t["activity"][sex][band].items():
                        acc["activity"][k] = acc["activity"].get(k, 0) + weight * v
                    isco += weight * t["activity"][sex][band]["employed"] * _isco_shares(occ, int(age))
                    for k, v in t["marital_status"][sex][band].items():
                        acc["marital_status"][k] = acc["marital_status"].get(k, 0) + weight * v
                erow = t["education"][sex][band_of(max(int(age), 25), EDUCATION_BANDS)]
                for k, v in erow.items():
                    k = _cap_education(k, int(age))
                    acc["education"][k] = acc["education"].get(k, 0) + weight * v
        for key, d in acc.items():
            out[key] = pd.Series(d) / sum(d.values())
        out["isco_major"] = pd.Series(isco / isco.sum(), index=range(10))
        out["urban"] = pd.Series([t["urban"]["share"], 1 - t["urban"]["share"]], index=[True, False])
        out["religion"] = pd.Series(_shares(t["religion"]["shares"], RELIGIONS), index=RELIGIONS)
        return out


def _repeat(value: Any, n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out[:] = [value] * n
    return out


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


@load_once
def _titles_by_group() -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per ISCO major group: its titles and their minimum ages, sorted by minimum age."""
    out = {}
    for group, rows in occupation_titles().sort_values(["min_age", "title"]).groupby("isco_major"):
        out[int(group)] = (rows["title"].to_numpy(), rows["min_age"].to_numpy())
    return out


@load_once
def isco_entry_ages() -> dict[int, int]:
    """Youngest age each ISCO major group is open to: the policy floor or its youngest title, whichever is older."""
    youngest = occupation_titles().groupby("isco_major")["min_age"].min()
    return {int(g): max(int(a), ISCO_MIN_AGE.get(int(g), 0)) for g, a in youngest.items()}


def _isco_shares(shares: np.ndarray, age: int) -> np.ndarray:
    """Occupation shares for someone of ``age``: groups closed to that age removed, renormalised."""
    p = shares.copy()
    for group, min_age in isco_entry_ages().items():
        if age < min_age:
            p[group] = 0.0
    if p.sum() == 0:  # nobody this young works in any group; keep the most junior ones
        youngest = min(isco_entry_ages().values())
        p = np.array([shares[g] if a == youngest else 0.0 for g, a in sorted(isco_entry_ages().items())])
    return p / p.sum()


def _cap_education(level: str, age: int) -> str:
    """Move a level down to what someone of ``age`` can already have completed."""
    order = EDUCATION_LEVELS
    if age < 12:
        ceiling = "less_than_primary"
    elif age < 15:
        ceiling = "primary"
    elif age < 18:
        ceiling = "lower_secondary"
    elif age < 21:
        ceiling = "upper_secondary"
    else:
        return level
    return order[min(order.index(level), order.index(ceiling))]
