"""Names come from the country's own locale for every shipped country; never silently from US English."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from faker.providers.person.en_US import Provider as UsNames

from deeppersona_agents.demographics import names
from deeppersona_agents.demographics.names import NAME_LOCALES, name_locales, person_name, shipped_names
from deeppersona_agents.demographics.tables import shipped_countries
from deeppersona_agents.errors import ConfigError

US_WORDS = {w for n in (*UsNames.first_names_male, *UsNames.first_names_female, *UsNames.last_names) for w in n.split()}
SHIPPED = shipped_countries()


def _draw(iso3: str, seed: int, n: int = 50) -> list[str]:
    rng = np.random.default_rng(seed)
    return [person_name(iso3, ("female", "male")[i % 2], rng) for i in range(n)]


def _names(seed: int, iso3: str = "KEN") -> list[str]:
    return _draw(iso3, seed, 40)


@pytest.mark.parametrize("iso3", ["KEN", "ETH", "CAN"])
def test_names_are_the_same_under_threads_as_in_sequence(iso3):
    seeds = list(range(48))
    sequential = [_names(s, iso3) for s in seeds]
    with ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(lambda s: _names(s, iso3), seeds))
    assert threaded == sequential
    assert len({n for batch in sequential for n in batch}) > 100  # real variety, not one fixed name


def test_every_shipped_country_has_a_name_locale():
    assert len(SHIPPED) == 30
    assert sorted(NAME_LOCALES) == SHIPPED


@pytest.mark.parametrize("iso3", SHIPPED)
def test_names_are_deterministic_per_seed(iso3):
    assert _draw(iso3, 11, 10) == _draw(iso3, 11, 10)
    assert _draw(iso3, 11, 10) != _draw(iso3, 12, 10)


@pytest.mark.parametrize("iso3", [c for c in SHIPPED if c != "USA"])  # the USA draws en_US on purpose
def test_names_are_not_all_us_english(iso3):
    drawn = _draw(iso3, 5)
    foreign = [n for n in drawn if not all(w in US_WORDS for w in n.split())]
    assert foreign, f"{iso3}: all 50 names are made of en_US's name lists, e.g. {drawn[:3]}"


@pytest.mark.parametrize(("iso3", "locale"), [("ETH", "am_ET"), ("EGY", "ar_EG")])
def test_ethiopian_and_egyptian_names_come_from_the_shipped_lists(iso3, locale):
    entry = shipped_names()[locale]
    rng = np.random.default_rng(0)
    for sex in ("female", "male") * 25:
        _split(entry, sex, rng, iso3)  # a given name of that sex, then the father's given name


def _split(entry: dict, sex: str, rng: np.random.Generator, iso3: str) -> tuple[str, str]:
    """Split a name whose parts may contain spaces, using the lists themselves."""
    full = person_name(iso3, sex, rng)
    for given in entry[sex]:
        if full.startswith(given + " ") and full[len(given) + 1:] in entry["male"]:
            return given, full[len(given) + 1:]
    raise AssertionError(f"{full!r} is not a {sex} given name and a father's name from the list")


def test_every_mapped_locale_has_names_of_its_own_or_a_list():
    locales = {loc for v in NAME_LOCALES.values() for loc in ((v,) if isinstance(v, str) else v)}
    without_faker = {loc for loc in locales if not names.faker_has_names(loc)}
    assert without_faker == {"am_ET", "ar_EG", "en_AU", "en_PH"}  # Faker answers these with en_US names
    assert without_faker <= set(shipped_names())
    assert not names.faker_has_names("en_CA")  # why CAN maps to en_US + fr_CA, not en_CA


def test_shipped_lists_are_large_enough():
    for locale, entry in shipped_names().items():
        for key in ("male", "female", "family"):
            if key in entry:
                assert len(entry[key]) >= 100, (locale, key)
        assert entry["source"], locale


def test_canada_mixes_english_and_french_canadian_names():
    locales, probs = name_locales("CAN")
    assert locales == ("en_US", "fr_CA")
    assert 0.1 < probs[1] < 0.5 and probs.sum() == pytest.approx(1)


def test_a_locale_without_names_is_an_error(monkeypatch):
    monkeypatch.setattr(names, "shipped_names", lambda: {})
    name_locales.cache_clear()
    try:
        with pytest.raises(ConfigError, match="am_ET"):
            person_name("ETH", "female", np.random.default_rng(0))
    finally:
        name_locales.cache_clear()


def test_an_unmapped_country_takes_its_main_language_or_fails_clearly():
    assert name_locales("NZL")[0] == ("en_NZ",)
    with pytest.raises(ConfigError, match="ERI"):  # Eritrea: no Faker locale for any of its languages
        person_name("ERI", "male", np.random.default_rng(0))
