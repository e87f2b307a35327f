"""Personal names by locale and sex.

``Faker`` locale data where the locale exists; family-name-first order for East Asian locales.
Every country maps to a Faker locale (see :data:`NAME_LOCALES`); a country without one falls
back to English-language names of its region, and that fallback is stated in the map.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from deeppersona_agents.caching import load_once

#: ISO-3 -> Faker locale for names.
NAME_LOCALES: dict[str, str] = {
    "ARG": "es_AR", "AUS": "en_AU", "BGD": "bn_BD", "BRA": "pt_BR", "CAN": "en_CA", "CHN": "zh_CN",
    "COL": "es_CO", "DEU": "de_DE", "EGY": "ar_EG", "ESP": "es_ES", "ETH": "am_ET", "FRA": "fr_FR",
    "GBR": "en_GB", "IDN": "id_ID", "IND": "en_IN", "IRN": "fa_IR", "ITA": "it_IT", "JPN": "ja_JP",
    "KEN": "en_KE", "KOR": "ko_KR", "MEX": "es_MX", "NGA": "en_NG", "PAK": "en_PK", "PHL": "en_PH",
    "POL": "pl_PL", "RUS": "ru_RU", "TUR": "tr_TR", "USA": "en_US", "VNM": "vi_VN", "ZAF": "zu_ZA",
}
#: Used when a country has no entry above.
FALLBACK_LOCALE = "en_US"
_FAMILY_NAME_FIRST = {"ja_JP", "zh_CN", "ko_KR", "vi_VN"}
_FAKER_LOCK = threading.Lock()


@load_once
def _faker(locale: str) -> Any:
    from faker import Faker

    return Faker(locale)


def person_name(iso3: str, sex: str, rng: np.random.Generator) -> str:
    """A plausible full name for a person of ``sex`` in country ``iso3``."""
    locale = NAME_LOCALES.get(iso3, FALLBACK_LOCALE)
    fake = _faker(locale)
    seed = int(rng.integers(2**31))
    with _FAKER_LOCK:  # one Faker per locale is shared: seeding and drawing must not interleave
        fake.seed_instance(seed)
        if sex == "female":
            first = fake.first_name_female()
        elif sex == "male":
            first = fake.first_name_male()
        else:
            first = fake.first_name()
        last = fake.last_name()
    return f"{last} {first}" if locale in _FAMILY_NAME_FIRST else f"{first} {last}"
