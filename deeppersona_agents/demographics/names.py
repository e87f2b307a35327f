"""Personal names by locale and sex.

Sits in the anchored core (``sampler.py`` -> here): one full name per drawn person. Each country maps to
one or more locales (:data:`NAME_LOCALES`); a locale's names come from ``Faker`` when Faker has person names
of its own for it, else from the sourced lists in ``data/names.json`` (built by
``scripts/data/build_names.py``: Amharic, Egyptian Arabic, Australian and Philippine names). A locale with
neither raises :class:`~deeppersona_agents.errors.ConfigError`; nothing falls back to US English silently
(Faker itself answers ``am_ET``, ``ar_EG``, ``en_AU`` and ``en_PH`` with US names). Family name first for
East Asian locales.
"""

from __future__ import annotations

import json
import threading
from importlib import resources
from typing import Any

import numpy as np

from deeppersona_agents.caching import load_once
from deeppersona_agents.demographics.countries import alpha2
from deeppersona_agents.errors import ConfigError

#: ISO-3 -> locale(s) for names. Several locales: each person draws one, weighted by the share of the
#: population speaking the locale's language (CLDR territory data, via Babel).
NAME_LOCALES: dict[str, str | tuple[str, ...]] = {
    "ARG": "es_AR", "AUS": "en_AU", "BGD": "bn_BD", "BRA": "pt_BR", "CAN": ("en_US", "fr_CA"), "CHN": "zh_CN",
    "COL": "es_CO", "DEU": "de_DE", "EGY": "ar_EG", "ESP": "es_ES", "ETH": "am_ET", "FRA": "fr_FR",
    "GBR": "en_GB", "IDN": "id_ID", "IND": "en_IN", "IRN": "fa_IR", "ITA": "it_IT", "JPN": "ja_JP",
    "KEN": "en_KE", "KOR": "ko_KR", "MEX": "es_MX", "NGA": "en_NG", "PAK": "en_PK", "PHL": "en_PH",
    "POL": "pl_PL", "RUS": "ru_RU", "TUR": "tr_TR", "USA": "en_US", "VNM": "vi_VN", "ZAF": "zu_ZA",
}
_FAMILY_NAME_FIRST = {"ja_JP", "zh_CN", "ko_KR", "vi_VN"}
_FAKER_LOCK = threading.Lock()


@load_once
def _faker(locale: str) -> Any:
    from faker import Faker

    try:
        return Faker(locale)
    except AttributeError as exc:  # Faker's answer to a locale it does not know
        raise ConfigError(f"Faker has no locale {locale!r}; fix NAME_LOCALES in demographics/names.py") from exc


@load_once
def shipped_names() -> dict[str, dict[str, Any]]:
    """The sourced name lists of ``data/names.json``, by locale."""
    text = resources.files("deeppersona_agents.demographics").joinpath("data", "names.json").read_text("utf-8")
    return json.loads(text)


@load_once
def faker_has_names(locale: str) -> bool:
    """True when Faker has person names of its own for ``locale`` (not another locale's borrowed ones)."""
    from faker import config

    if locale not in config.AVAILABLE_LOCALES:
        return False
    person = [p for p in _faker(locale).providers if type(p).__module__.startswith("faker.providers.person")]
    return bool(person) and type(person[0]).__module__ == f"faker.providers.person.{locale}"


def has_names(locale: str) -> bool:
    """True when names can be drawn for ``locale`` (a shipped list or Faker's own)."""
    return locale in shipped_names() or faker_has_names(locale)


@load_once
def name_locales(iso3: str) -> tuple[tuple[str, ...], np.ndarray]:
    """(locales, probabilities) a person of ``iso3`` draws a name from.

    A country missing from :data:`NAME_LOCALES` (one added with ``demographics import``) takes the
    ``<language>_<territory>`` locale of its most spoken language that has names (CLDR order).

    Raises:
        ConfigError: a locale has no names, or the country has no locale with names.
    """
    from babel.languages import get_territory_language_info

    iso2 = alpha2(iso3)
    spoken = {code.split("_")[0]: float(v["population_percent"])  # type: ignore[arg-type]
              for code, v in get_territory_language_info(iso2).items()}
    mapped = NAME_LOCALES.get(iso3)
    if mapped is None:
        candidates = [f"{lang}_{iso2}" for lang, _ in sorted(spoken.items(), key=lambda kv: -kv[1])]
        found = next((loc for loc in candidates if has_names(loc)), None)
        if found is None:
            raise ConfigError(f"no person names for {iso3}: none of the locales {candidates[:5]} has names; "
                              "add the country to NAME_LOCALES or a list with scripts/data/build_names.py")
        return (found,), np.ones(1)
    locales = (mapped,) if isinstance(mapped, str) else mapped
    for locale in locales:
        if not has_names(locale):
            raise ConfigError(f"no person names for locale {locale} ({iso3}): Faker has none of its own and "
                              "data/names.json has no list; add one with scripts/data/build_names.py")
    if len(locales) == 1:
        return locales, np.ones(1)
    missing = [loc for loc in locales if loc.split("_")[0] not in spoken]
    if missing:
        raise ConfigError(f"CLDR has no speaker share for {missing} in {iso3}; fix NAME_LOCALES")
    weights = np.array([spoken[loc.split("_")[0]] for loc in locales])
    return locales, weights / weights.sum()


def _faker_given(locale: str, sex: str, seed: int) -> tuple[str, str]:
    """(given, family) from Faker, seeded; one Faker per locale is shared, so seeding and drawing are locked."""
    fake = _faker(locale)
    with _FAKER_LOCK:
        fake.seed_instance(seed)
        if sex == "female":  # gendered family names (ru_RU, pl_PL) where the locale has them
            first, last = fake.first_name_female(), fake.last_name_female()
        elif sex == "male":
            first, last = fake.first_name_male(), fake.last_name_male()
        else:
            first, last = fake.first_name(), fake.last_name()
    return first, last


def _from_list(entry: dict[str, Any], sex: str, seed: int) -> tuple[str, str]:
    """(given, family) from a shipped list; given names from Faker where the list says ``given_from``."""
    rng = np.random.default_rng(seed)
    if "given_from" in entry:
        first, _ = _faker_given(entry["given_from"], sex, seed)
    else:
        pool = entry[sex] if sex in ("female", "male") else entry["female"] + entry["male"]
        first = pool[int(rng.integers(len(pool)))]
    family = entry["family"] if "family" in entry else entry[entry["family_from"]]
    return first, family[int(rng.integers(len(family)))]


def person_name(iso3: str, sex: str, rng: np.random.Generator) -> str:
    """A plausible full name for a person of ``sex`` in country ``iso3``.

    Takes exactly one draw from ``rng`` whatever the source, so other fields' draws do not shift.
    """
    locales, probs = name_locales(iso3)
    seed = int(rng.integers(2**31))
    pick = 0 if len(locales) == 1 else int(np.random.default_rng(seed).choice(len(locales), p=probs))
    locale = locales[pick]
    listed = shipped_names().get(locale)
    first, last = _from_list(listed, sex, seed) if listed else _faker_given(locale, sex, seed)
    full = f"{last} {first}" if locale in _FAMILY_NAME_FIRST else f"{first} {last}"
    return " ".join(full.split())  # some locale data carry stray spaces ("Valentina  Martinez")
