from __future__ import annotations

import copy

import numpy as np
import pytest

from deeppersona_agents.demographics import check_table, load_table, resolve_country, supported_countries
from deeppersona_agents.demographics.tables import SECTIONS, shipped_countries
from deeppersona_agents.errors import ConfigError
from tests.demographics.fixtures import make_table

REQUIRED = ("ARG AUS DEU IND KEN USA JPN CAN GBR FRA BRA MEX NGA ZAF EGY CHN IDN PAK BGD TUR IRN RUS ITA ESP POL "
            "KOR PHL VNM ETH COL").split()
#: Sections rebuilt from a copy of their source by scripts/data/ (issue 21); the others join as they are rebuilt.
REBUILT = ("age_sex", "education", "urban", "religion")


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
        assert table[section]["source"].strip()
        assert table[section].get("precision") in ("checked", "derived", "estimated")
    male, female = np.array(table["age_sex"]["male"]), np.array(table["age_sex"]["female"])
    # WPP structure: more women than men at 85+, plausible sex ratio at 20-24 (WPP 2024 has 0.848 for
    # Bangladesh, where many young men work abroad)
    assert female[-1] > male[-1]
    assert 0.8 < male[4] / female[4] < 1.25
    for sex in ("male", "female"):
        act = table["activity"][sex]
        assert act["65+"]["retired"] + act["65+"]["other_inactive"] + act["65+"]["homemaker"] > act["25-34"]["retired"]
        assert act["15-19"]["student"] > act["45-54"]["student"]


@pytest.mark.parametrize("iso3", shipped_countries())
@pytest.mark.parametrize("section", REBUILT)
def test_rebuilt_section_names_its_copy(iso3, section):
    body = load_table(iso3)[section]
    assert body["precision"] in ("checked", "derived")
    copies = body["copy"] if isinstance(body["copy"], list) else [body["copy"]]
    for record in copies:
        assert record["repository"].count("/") == 1 and len(record["commit"]) == 40 and len(record["sha256"]) == 64
    notes = body.get("notes", "").lower()
    assert "estimated" not in notes and "memory" not in notes and "recalled" not in notes
    if body["precision"] == "derived":
        assert notes, "a derived section states its inputs and rule"


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
    assert "NZL" in supported_countries(fixture_tables)
    assert resolve_country("New Zealand", fixture_tables) == "NZL"
    assert load_table("NZL", fixture_tables)["age_sex"]["source"] == "synthetic test data"


def test_only_the_config_reads_the_tables_folder_from_the_environment(fixture_tables, monkeypatch):
    from deeppersona_agents.generation import GenerationConfig

    monkeypatch.setenv("DEEPPERSONA_DEMOGRAPHICS_DIR", str(fixture_tables))
    assert "NZL" not in supported_countries()  # library calls use the folder they are given, never the environment
    with pytest.raises(ConfigError, match="no demographic table for 'NZL'"):
        load_table("NZL")
    assert GenerationConfig().tables_dir == str(fixture_tables.resolve())  # read once, into the config


def test_malformed_user_table_is_refused(tmp_path):
    bad = make_table()
    bad["urban"]["share"] = 2
    from tests.demographics.fixtures import write_table

    write_table(tmp_path, bad)
    with pytest.raises(ConfigError, match="malformed: urban.share"):
        load_table("NZL", tmp_path)
