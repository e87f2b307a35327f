from __future__ import annotations

import copy
import re

import numpy as np
import pytest

from deeppersona_agents.demographics import check_table, load_table, resolve_country, supported_countries
from deeppersona_agents.demographics.tables import SECTIONS, shipped_countries
from deeppersona_agents.errors import ConfigError
from tests.demographics.fixtures import make_table

REQUIRED = ("ARG AUS DEU IND KEN USA JPN CAN GBR FRA BRA MEX NGA ZAF EGY CHN IDN PAK BGD TUR IRN RUS ITA ESP POL "
            "KOR PHL VNM ETH COL").split()


def test_required_countries_are_shipped():
    missing = sorted(set(REQUIRED) - set(shipped_countries()))
    assert not missing, f"no table for {missing}"
    assert len(shipped_countries()) >= 30


@pytest.mark.parametrize("iso3", shipped_countries())
def test_shipped_table_is_sound(iso3):
    table = load_table(iso3)
    assert check_table(table) == []
    assert table["iso3"] == iso3
    for section in SECTIONS:
        part = table[section]
        assert part["source"].strip() and isinstance(part.get("year"), int)
        assert part.get("precision") in ("checked", "derived", "estimated"), f"{iso3} {section}"
        if part["precision"] != "estimated":  # read from a copy by scripts/data: it must say which copy
            copies = part["copy"] if isinstance(part["copy"], list) else [part["copy"]]
            assert copies and all(c["repository"] and c["path"] and re.fullmatch(r"[0-9a-f]{40}", c["commit"])
                                  for c in copies), f"{iso3} {section}: copy provenance incomplete"
    male, female = np.array(table["age_sex"]["male"]), np.array(table["age_sex"]["female"])
    # WPP-like structure: more women than men at 85+, plausible sex ratio at 20-24
    assert female[-1] > male[-1]
    assert 0.85 < male[4] / female[4] < 1.25
    for sex in ("male", "female"):
        act = table["activity"][sex]
        assert act["65+"]["retired"] + act["65+"]["other_inactive"] + act["65+"]["homemaker"] > act["25-34"]["retired"]
        assert act["15-19"]["student"] > act["45-54"]["student"]


def test_sound_fixture_has_no_problems():
    assert check_table(make_table()) == []


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda t: t["activity"]["male"]["25-34"].update(employed=0.99), "activity.male.25-34: shares sum to"),
        (lambda t: t["occupation"].pop("source"), "occupation: missing 'source'"),
        (lambda t: t["age_sex"]["female"].pop(), "age_sex.female: need 18 positive counts"),
        (lambda t: t["education"]["female"].pop("65+"), "education.female: expected bands"),
        (lambda t: t["urban"].update(share=1.4), "urban.share must be a number between 0 and 1"),
        (lambda t: t["religion"]["shares"].pop("jewish"), "religion.shares: expected keys"),
        (lambda t: t["marital_status"]["male"]["65+"].update(widowed=-0.1), "shares must be finite and >= 0"),
        (lambda t: t.pop("urban"), "missing section 'urban'"),
    ],
)
def test_check_table_names_each_problem(mutate, fragment):
    table = copy.deepcopy(make_table())
    mutate(table)
    problems = check_table(table)
    assert any(fragment in p for p in problems), problems


def test_unknown_country_lists_supported_ones():
    with pytest.raises(ConfigError, match="supported countries|use an ISO-3 code from") as info:
        resolve_country("Atlantis")
    assert "KEN" in str(info.value)


def test_user_tables_folder_takes_precedence(fixture_tables):
    assert "NZL" in supported_countries()
    assert resolve_country("New Zealand") == "NZL"
    assert load_table("NZL")["age_sex"]["source"] == "synthetic test data"


def test_malformed_user_table_is_refused(tmp_path, monkeypatch):
    bad = make_table()
    bad["urban"]["share"] = 2
    from tests.demographics.fixtures import write_table

    write_table(tmp_path, bad)
    monkeypatch.setenv("DEEPPERSONA_DEMOGRAPHICS_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="malformed: urban.share"):
        load_table("NZL")
