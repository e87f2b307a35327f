"""Where people live and which languages they speak.

Sits in the anchored core (``sampler.py`` -> here): it draws a place of residence and languages per person,
and tells the anchor stage whether a named city is urban (:func:`city_settlement`).

Cities come from ``data/cities.csv.gz``, an extract of GeoNames places over 15,000 inhabitants (CC-BY 4.0)
built by ``scripts/data/build_cities.py``: urban residents get a city drawn in proportion to its population;
rural residents get "a rural area near" a town of under 100,000, drawn in proportion to population.
Languages come from Babel's CLDR territory data: each language is spoken with the probability CLDR gives
for the territory.
"""

from __future__ import annotations

import csv
import gzip
import io
import unicodedata
from importlib import resources
from typing import Literal, NamedTuple

import numpy as np

from deeppersona_agents.caching import load_once
from deeppersona_agents.demographics.countries import alpha2
from deeppersona_agents.errors import ConfigError

#: A named place with at least this many inhabitants is urban; smaller towns anchor rural residents.
URBAN_MIN_POPULATION = 100_000
#: Towns below this population anchor rural residents.
TOWN_MAX_POPULATION = URBAN_MIN_POPULATION
#: How a rural residence is written: ``a rural area near <town>``.
RURAL_PREFIX = "a rural area near "
#: Languages spoken by fewer than this share (per cent) are left out.
MIN_LANGUAGE_PERCENT = 1.0
CITY_FILE = "cities.csv.gz"


class City(NamedTuple):
    """One GeoNames place of the extract."""

    name: str
    region: str  # first-level region; "" where the extract has none for the country
    population: int
    latitude: float
    longitude: float
    alternate_names: tuple[str, ...]  # Latin-script alternate names, places of 100,000 or more only


@load_once
def _extract() -> dict[str, list[City]]:
    """All places of the shipped extract by ISO-2 country code, largest first."""
    raw = resources.files("deeppersona_agents.demographics").joinpath("data", CITY_FILE).read_bytes()
    by_country: dict[str, list[City]] = {}
    for row in csv.DictReader(io.StringIO(gzip.decompress(raw).decode("utf-8"))):
        alternates = tuple(row["alternate_names"].split("|")) if row["alternate_names"] else ()
        city = City(row["name"], row["region"], int(row["population"]), float(row["latitude"]),
                    float(row["longitude"]), alternates)
        by_country.setdefault(row["country"], []).append(city)
    return by_country


def city_records(iso3: str) -> list[City]:
    """The country's places, largest first (ties by name), as in the extract."""
    iso2 = alpha2(iso3)
    rows = _extract().get(iso2)
    if not rows:
        raise ConfigError(f"the city extract {CITY_FILE} has no places for {iso3} ({iso2}); "
                          "rebuild it with scripts/data/build_cities.py from a GeoNames copy that has them")
    return rows


@load_once
def cities(iso3: str) -> tuple[np.ndarray, np.ndarray]:
    """(names, populations) of the country's GeoNames places, largest first."""
    rows = city_records(iso3)
    names = np.array([c.name for c in rows], dtype=object)
    pops = np.array([max(c.population, 1) for c in rows], float)
    return names, pops


def _key(text: str) -> str:
    """A matching key: accents dropped, case folded, spaces collapsed."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


@load_once
def _name_index(iso3: str) -> tuple[dict[str, int], dict[str, int]]:
    """(official name -> population, alternate name -> population); the largest place wins a shared name."""
    official: dict[str, int] = {}
    alternate: dict[str, int] = {}
    for city in city_records(iso3):  # largest first, so setdefault keeps the largest
        official.setdefault(_key(city.name), city.population)
        for alt in city.alternate_names:
            alternate.setdefault(_key(alt), city.population)
    return official, alternate


def city_population(iso3: str, name: str) -> int | None:
    """Population of the place called ``name`` in the country, or None when the extract does not know it.

    Matches the GeoNames name ignoring case and accents ("Sao Paulo" finds "São Paulo"), then the part
    before a comma ("Nairobi, Kenya"), then Latin-script alternate names of large places ("Bombay").
    When several places share a name, the largest is taken.
    """
    official, alternate = _name_index(iso3)
    key = _key(name)
    candidates = [key, _key(name.split(",")[0])]
    for table in (official, alternate):
        for candidate in candidates:
            if candidate in table:
                return table[candidate]
    return None


def city_settlement(iso3: str, name: str) -> Literal["urban", "rural"] | None:
    """Whether a named place of residence is urban, from the city extract.

    ``"urban"`` for a place of at least :data:`URBAN_MIN_POPULATION` inhabitants; ``"rural"`` for the
    sampler's own rural form (``"a rural area near <town>"``); None when the extract cannot tell: the
    place is unknown, or it is a town under 100,000 (urban in most national definitions, rural in
    some), so the caller should draw the settlement from the country's urban share.
    """
    if _key(name).startswith(_key(RURAL_PREFIX)):
        return "rural"
    population = city_population(iso3, name)
    if population is not None and population >= URBAN_MIN_POPULATION:
        return "urban"
    return None


def draw_places(iso3: str, urban: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A place of residence per person: a city when ``urban``, else a rural area near a town."""
    names, pops = cities(iso3)
    out = np.empty(len(urban), dtype=object)
    n_urban = int(urban.sum())
    out[urban] = names[rng.choice(len(names), size=n_urban, p=pops / pops.sum())]
    small = pops < TOWN_MAX_POPULATION
    towns, weights = (names[small], pops[small]) if small.any() else (names, pops)
    picks = towns[rng.choice(len(towns), size=len(urban) - n_urban, p=weights / weights.sum())]
    out[~urban] = [f"{RURAL_PREFIX}{town}" for town in picks]
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
    info = get_territory_language_info(alpha2(iso3))
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


@load_once
def official_languages(iso3: str) -> tuple[str, ...]:
    """English names of the country's national official languages (CLDR ``official`` or ``de_facto_official``)."""
    from babel import Locale
    from babel.languages import get_territory_language_info

    english = Locale("en")
    info = get_territory_language_info(alpha2(iso3))
    ranked = sorted(((float(v["population_percent"]), code) for code, v in info.items()  # type: ignore[arg-type]
                     if v.get("official_status") in ("official", "de_facto_official")), reverse=True)
    names = [str(english.languages.get(code.split("_")[0], code)) for _, code in ranked]
    return tuple(dict.fromkeys(names))


def draw_languages(iso3: str, n: int, rng: np.random.Generator, official: np.ndarray | None = None) -> np.ndarray:
    """Languages spoken per person (``;``-joined, most spoken first); never empty.

    Each CLDR language is spoken with its territory share; people flagged ``official`` (their work or
    schooling needs it) also speak the national official languages. CLDR has no regional shares, so no
    language is tied to a region or to the person's name.
    """
    names, probs = languages(iso3)
    speaks = rng.random((n, len(names))) < probs
    speaks[~speaks.any(axis=1), 0] = True
    if official is not None and official.any():
        for language in official_languages(iso3):
            if language in names:
                speaks[official, names.index(language)] = True
    return np.array([";".join(np.array(names)[row]) for row in speaks], dtype=object)
