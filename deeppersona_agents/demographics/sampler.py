"""Draw people from a country's population structure.

``census`` mode (default) draws jointly: sex -> age -> activity / occupation -> education -> marital
status -> religion -> language -> place -> name, each conditioned on what came before as the tables
allow, and on every fact fixed in advance (``facts.py`` normalises them): an occupation sets the
education floor (``occupations.EDUCATION_FLOOR``) and the youngest age, an education closes the
occupations that need more, a settlement picks a city or a rural area. ``uniform`` mode reproduces
the authors' behaviour for ablations: age uniform, sex 50/50, any occupation, any city, other fields
uniform over their categories.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from deeppersona_agents.caching import load_once
from deeppersona_agents.demographics import places
from deeppersona_agents.demographics.cohort import Cohort, parse_cohort
from deeppersona_agents.demographics.names import person_name
from deeppersona_agents.demographics.occupations import (
    ACTIVITY_TITLES,
    EDUCATION_FLOOR,
    EDUCATION_MIN_AGE,
    ISCO_MIN_AGE,
    cap_education,
    education_floor,
    isco_shares,
    occupation_titles,
)
from deeppersona_agents.demographics.tables import (
    ACTIVITIES,
    ACTIVITY_BANDS,
    AGE_BANDS,
    EDUCATION_BANDS,
    EDUCATION_LEVELS,
    MARITAL_STATUSES,
    OCCUPATION_BANDS,
    RELIGIONS,
    SEXES,
    band_of,
    band_range,
    load_table,
)
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.seeding import derive

Mode = Literal["census", "uniform"]
ISCO_KEYS = [str(g) for g in range(10)]
#: ISCO major groups whose work needs the country's official language(s) (managers, professionals,
#: technicians, clerks); people with tertiary education speak them too.
WORK_LANGUAGE_GROUPS = (1, 2, 3, 4)
#: Per single year of age: rank of the highest education level complete by then.
_REACHABLE = np.array([max(i for i, lv in enumerate(EDUCATION_LEVELS) if EDUCATION_MIN_AGE[lv] <= a)
                       for a in range(121)])
#: Per ISCO major group: rank of its education floor.
_FLOOR_RANK = {g: EDUCATION_LEVELS.index(level) for g, level in EDUCATION_FLOOR.items()}
_EDU_BAND_STARTS = np.array([band_range(b)[0] for b in EDUCATION_BANDS])
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
__all__ = ["COLUMNS", "ISCO_MIN_AGE", "Mode", "PopulationSampler", "occupation_titles"]


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
            flat = self._weights_from(int(fixed.get("age_at_least") or 0)).ravel()
            cells = rng.choice(flat.size, size=n, p=flat)
            sexes = np.array(SEXES)[cells // len(self.ages)]
            ages = self.ages[cells % len(self.ages)]
        cols: dict[str, np.ndarray] = {"age": ages.astype(int), "sex": np.asarray(sexes, dtype=object)}
        if self.mode == "uniform":
            self._fill_uniform(cols, rng)
            for key, value in fixed.items():
                if key in cols and key not in ("age", "sex"):
                    cols[key] = _repeat(value, n)
        else:
            self._fill_census(cols, rng, fixed)
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

    def _fill_census(self, cols: dict[str, np.ndarray], rng: np.random.Generator,
                     fixed: dict[str, Any] | None = None) -> None:
        t, fixed = self.table, fixed or {}
        ages, sexes = cols["age"], cols["sex"]
        n = len(ages)
        adult = ages >= 15
        act_band = np.array([band_of(max(a, 15), ACTIVITY_BANDS) for a in ages], dtype=object)
        if "activity" in fixed:
            activity = _repeat(fixed["activity"], n)
        else:
            activity = self._by_group(sexes, act_band, t["activity"], ACTIVITIES, rng)
            activity[~adult] = "pupil"
        cols["activity"] = activity
        education = fixed.get("education")
        if "isco_major" in fixed:
            isco = _repeat(fixed["isco_major"], n)
            isco[activity != "employed"] = None
        else:
            isco = np.full(n, None, dtype=object)
            for i in np.flatnonzero(activity == "employed"):
                p = isco_shares(self._occupation_shares(sexes[i], int(ages[i])), int(ages[i]), education)
                isco[i] = int(rng.choice(10, p=p))
        cols["isco_major"] = isco
        if "occupation" in fixed:
            cols["occupation"] = _repeat(fixed["occupation"], n)
        else:
            cols["occupation"] = np.array([self._title(a, -1 if g is None else g, age, rng)
                                           for a, g, age in zip(activity, isco, ages, strict=True)], dtype=object)
        if education is not None:
            cols["education"] = _repeat(education, n)
        else:
            group = isco if "occupation_group" not in fixed else _repeat(fixed["occupation_group"], n)
            cols["education"] = self._education(sexes, ages, group, rng)
        if "marital_status" in fixed:
            cols["marital_status"] = _repeat(fixed["marital_status"], n)
        else:
            marital = self._by_group(sexes, act_band, t["marital_status"], MARITAL_STATUSES, rng)
            marital[~adult] = "never_married"
            cols["marital_status"] = marital
        if "religion" in fixed:
            cols["religion"] = _repeat(fixed["religion"], n)
        else:
            rel = _shares(t["religion"]["shares"], RELIGIONS)
            cols["religion"] = np.array(RELIGIONS, dtype=object)[rng.choice(len(RELIGIONS), size=n, p=rel)]
        if "language" in fixed:
            cols["language"] = _repeat(fixed["language"], n)
        else:
            needs = np.array([g in WORK_LANGUAGE_GROUPS for g in isco]) | (cols["education"] == "tertiary")
            cols["language"] = places.draw_languages(self.iso3, n, rng, official=needs)
        if "urban" in fixed:
            urban = _repeat(fixed["urban"], n)
        else:
            urban = rng.random(n) < float(t["urban"]["share"])
        cols["urban"] = urban
        if "city" in fixed:
            cols["city"] = _repeat(fixed["city"], n)
        else:
            cols["city"] = places.draw_places(self.iso3, np.asarray(urban, dtype=bool), rng)

    def _education(self, sexes: np.ndarray, ages: np.ndarray, groups: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
        """Education per row from the age x sex shares, zeroed below the row's occupation floor."""
        t = self.table["education"]
        ages = np.asarray(ages, dtype=int)
        reach = _REACHABLE[np.minimum(ages, len(_REACHABLE) - 1)]
        floor = np.minimum(np.array([_FLOOR_RANK.get(g, 0) for g in groups], dtype=int), reach)
        if len(ages) == 1:  # one person (the anchor stage): no grouping
            row = t[sexes[0]][band_of(max(int(ages[0]), 25), EDUCATION_BANDS)]
            level = rng.choice(len(EDUCATION_LEVELS), p=floored_shares(row, EDUCATION_LEVELS[int(floor[0])]))
            return np.array([EDUCATION_LEVELS[min(int(level), int(reach[0]))]], dtype=object)
        band = np.searchsorted(_EDU_BAND_STARTS, np.maximum(ages, 25), side="right") - 1
        code = (np.asarray(sexes) == SEXES[1]) * 100 + band * 10 + floor
        out = np.empty(len(ages), dtype=int)
        for key in np.unique(code):
            idx = np.flatnonzero(code == key)
            sex, band_i, floor_i = SEXES[key // 100], EDUCATION_BANDS[(key // 10) % 10], EDUCATION_LEVELS[key % 10]
            out[idx] = rng.choice(len(EDUCATION_LEVELS), size=len(idx), p=floored_shares(t[sex][band_i], floor_i))
        return np.array(EDUCATION_LEVELS, dtype=object)[np.minimum(out, reach)]

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

    def _occupation_shares(self, sex: str, age: int) -> np.ndarray:
        """ISCO major-group shares among the employed of this sex and age band (the sex's row without ``by_age``).

        Raw table shares: callers close the groups the person's age or education rules out (``isco_shares``).
        """
        occupation = self.table["occupation"]
        by_age = occupation.get("by_age")
        row = by_age[sex][band_of(max(age, 15), OCCUPATION_BANDS)] if by_age else occupation[sex]
        return _shares(row, ISCO_KEYS)

    def _title(self, activity: str, isco: int, age: int, rng: np.random.Generator) -> str:
        if activity != "employed":
            return ACTIVITY_TITLES[activity]
        titles, entry_ages = _titles_by_group()[int(isco)]
        open_to_age = max(1, int(np.searchsorted(entry_ages, age, side="right")))
        return str(titles[int(rng.integers(open_to_age))])

    # ---- expected marginals (for audits) -----------------------------------------------------
    def expected_marginals(self, min_age: int | None = None, max_age: int = MAX_AGE) -> dict[str, pd.Series]:
        """Each variable's share distribution implied by the tables for ages ``min_age``..``max_age``.

        Education is the mixture the draw makes: per age x sex cell, each occupation group's floored shares.
        """
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
            for j, age in enumerate(self.ages):
                weight = w[s, j]
                if weight == 0:
                    continue
                erow = t["education"][sex][band_of(max(int(age), 25), EDUCATION_BANDS)]
                mix = {None: 1.0}  # education floor group -> share of this age x sex cell
                if age < 15:
                    acc["activity"]["pupil"] = acc["activity"].get("pupil", 0) + weight
                    acc["marital_status"]["never_married"] = acc["marital_status"].get("never_married", 0) + weight
                else:
                    band = band_of(int(age), ACTIVITY_BANDS)
                    for k, v in t["activity"][sex][band].items():
                        acc["activity"][k] = acc["activity"].get(k, 0) + weight * v
                    employed = t["activity"][sex][band]["employed"]
                    groups = isco_shares(self._occupation_shares(sex, int(age)), int(age))
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


def floored_shares(shares: dict[str, float], floor: str) -> np.ndarray:
    """Education shares with levels below ``floor`` removed, renormalised (all on ``floor`` when none is left)."""
    p = _shares(shares, EDUCATION_LEVELS).copy()
    p[: EDUCATION_LEVELS.index(floor)] = 0.0
    if p.sum() == 0:
        p[EDUCATION_LEVELS.index(floor)] = 1.0
    return p / p.sum()
