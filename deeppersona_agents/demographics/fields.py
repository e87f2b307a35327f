"""The fields drawn after age and sex: activity, occupation, education, marital status, religion, language, place.

Part of the anchored core's draw (``sampler.py`` draws age x sex, then calls :func:`fill_census` or
:func:`fill_uniform` for the rest). Every function works on plain numpy columns, one array per field.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deeppersona_agents.caching import load_once
from deeppersona_agents.demographics import places
from deeppersona_agents.demographics.occupations import (
    ACTIVITY_TITLES,
    EDUCATION_FLOOR,
    EDUCATION_MIN_AGE,
    isco_shares,
    occupation_titles,
)
from deeppersona_agents.demographics.tables import (
    ACTIVITIES,
    ACTIVITY_BANDS,
    EDUCATION_BANDS,
    EDUCATION_LEVELS,
    MARITAL_STATUSES,
    OCCUPATION_BANDS,
    RELIGIONS,
    SEXES,
    band_of,
    band_range,
)

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


def shares(d: dict[str, float], keys: list[str]) -> np.ndarray:
    """``d``'s values in ``keys`` order, normalised to sum to 1."""
    arr = np.array([d[k] for k in keys], float)
    return arr / arr.sum()


def repeat(value: Any, n: int) -> np.ndarray:
    """An object array of ``n`` copies of ``value``."""
    out = np.empty(n, dtype=object)
    out[:] = [value] * n
    return out


def floored_shares(shares_by_level: dict[str, float], floor: str) -> np.ndarray:
    """Education shares with levels below ``floor`` removed, renormalised (all on ``floor`` when none is left)."""
    p = shares(shares_by_level, EDUCATION_LEVELS).copy()
    p[: EDUCATION_LEVELS.index(floor)] = 0.0
    if p.sum() == 0:
        p[EDUCATION_LEVELS.index(floor)] = 1.0
    return p / p.sum()


def occupation_shares(table: dict[str, Any], sex: str, age: int) -> np.ndarray:
    """ISCO major-group shares among the employed of this sex and age band (the sex's row without ``by_age``).

    Raw table shares: callers close the groups the person's age or education rules out (``isco_shares``).
    """
    occupation = table["occupation"]
    by_age = occupation.get("by_age")
    row = by_age[sex][band_of(max(age, 15), OCCUPATION_BANDS)] if by_age else occupation[sex]
    return shares(row, ISCO_KEYS)


def fill_census(cols: dict[str, np.ndarray], table: dict[str, Any], iso3: str, rng: np.random.Generator,
                fixed: dict[str, Any] | None = None) -> None:
    """Add every field after age and sex to ``cols``, each conditioned on those before it; ``fixed`` fields kept."""
    t, fixed = table, fixed or {}
    ages, sexes = cols["age"], cols["sex"]
    n = len(ages)
    adult = ages >= 15
    act_band = np.array([band_of(max(a, 15), ACTIVITY_BANDS) for a in ages], dtype=object)
    if "activity" in fixed:
        activity = repeat(fixed["activity"], n)
    else:
        activity = _by_group(sexes, act_band, t["activity"], ACTIVITIES, rng)
        activity[~adult] = "pupil"
    cols["activity"] = activity
    education = fixed.get("education")
    if "isco_major" in fixed:
        isco = repeat(fixed["isco_major"], n)
        isco[activity != "employed"] = None
    else:
        isco = np.full(n, None, dtype=object)
        for i in np.flatnonzero(activity == "employed"):
            p = isco_shares(occupation_shares(t, sexes[i], int(ages[i])), int(ages[i]), education)
            isco[i] = int(rng.choice(10, p=p))
    cols["isco_major"] = isco
    if "occupation" in fixed:
        cols["occupation"] = repeat(fixed["occupation"], n)
    else:
        cols["occupation"] = np.array([_title(a, -1 if g is None else g, age, rng)
                                       for a, g, age in zip(activity, isco, ages, strict=True)], dtype=object)
    if education is not None:
        cols["education"] = repeat(education, n)
    else:
        group = isco if "floor_group" not in fixed else repeat(fixed["floor_group"], n)
        cols["education"] = _education(t, sexes, ages, group, rng)
    if "marital_status" in fixed:
        cols["marital_status"] = repeat(fixed["marital_status"], n)
    else:
        marital = _by_group(sexes, act_band, t["marital_status"], MARITAL_STATUSES, rng)
        marital[~adult] = "never_married"
        cols["marital_status"] = marital
    if "religion" in fixed:
        cols["religion"] = repeat(fixed["religion"], n)
    else:
        rel = shares(t["religion"]["shares"], RELIGIONS)
        cols["religion"] = np.array(RELIGIONS, dtype=object)[rng.choice(len(RELIGIONS), size=n, p=rel)]
    if "language" in fixed:
        cols["language"] = repeat(fixed["language"], n)
    else:
        needs = np.array([g in WORK_LANGUAGE_GROUPS for g in isco]) | (cols["education"] == "tertiary")
        cols["language"] = places.draw_languages(iso3, n, rng, official=needs)
    if "urban" in fixed:
        urban = repeat(fixed["urban"], n)
    else:
        urban = rng.random(n) < float(t["urban"]["share"])
    cols["urban"] = urban
    if "city" in fixed:
        cols["city"] = repeat(fixed["city"], n)
    else:
        cols["city"] = places.draw_places(iso3, np.asarray(urban, dtype=bool), rng)


def fill_uniform(cols: dict[str, np.ndarray], iso3: str, rng: np.random.Generator) -> None:
    """Add every field after age and sex, uniform over its categories (the authors' behaviour, for ablations)."""
    n = len(cols["age"])
    titles = occupation_titles()
    pick = rng.integers(len(titles), size=n)
    cols["activity"] = repeat("employed", n)
    cols["isco_major"] = titles["isco_major"].to_numpy().astype(object)[pick]
    cols["occupation"] = titles["title"].to_numpy().astype(object)[pick]
    cols["education"] = np.array(EDUCATION_LEVELS, dtype=object)[rng.integers(5, size=n)]
    cols["marital_status"] = np.array(MARITAL_STATUSES, dtype=object)[rng.integers(4, size=n)]
    cols["religion"] = np.array(RELIGIONS, dtype=object)[rng.integers(len(RELIGIONS), size=n)]
    cols["language"] = places.draw_languages(iso3, n, rng)
    cols["urban"] = np.ones(n, dtype=bool)
    cols["city"] = places.draw_uniform_cities(iso3, n, rng)


def _by_group(sexes: np.ndarray, groups: np.ndarray, table: dict, levels: list[str],
              rng: np.random.Generator) -> np.ndarray:
    """Draw one level per row from ``table[sex][group]`` shares."""
    out = np.empty(len(sexes), dtype=object)
    choices = np.array(levels, dtype=object)
    for sex in np.unique(sexes):  # sorted (sex, group) order, as a pandas groupby would visit them
        of_sex = sexes == sex
        for key in np.unique(groups[of_sex]):
            idx = np.flatnonzero(of_sex & (groups == key))
            p = shares(table[sex][key], levels)
            out[idx] = choices[rng.choice(len(levels), size=len(idx), p=p)]
    return out


def _education(table: dict[str, Any], sexes: np.ndarray, ages: np.ndarray, groups: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """Education per row from the age x sex shares, zeroed below the row's occupation floor."""
    t = table["education"]
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


def _title(activity: str, isco: int, age: int, rng: np.random.Generator) -> str:
    if activity != "employed":
        return ACTIVITY_TITLES[activity]
    titles, entry_ages = _titles_by_group()[int(isco)]
    open_to_age = max(1, int(np.searchsorted(entry_ages, age, side="right")))
    return str(titles[int(rng.integers(open_to_age))])


@load_once
def _titles_by_group() -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per ISCO major group: its titles and their minimum ages, sorted by minimum age."""
    out = {}
    for group, rows in occupation_titles().sort_values(["min_age", "title"]).groupby("isco_major"):
        out[int(group)] = (rows["title"].to_numpy(), rows["min_age"].to_numpy())
    return out
