"""Anchor and bio cases across countries: the anchor node must give one coherent core for each.

Each case runs the real anchor node with the schema-aware fake, whose bio-fact answers are scripted per
case (what a careful strong model would extract); the core is then checked for contradictions
(``core_problems``) and for the facts the case fixes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from langgraph.runtime import Runtime

from deeppersona_agents.demographics import occupations
from deeppersona_agents.demographics.core import TABLE_ATTRIBUTE_PATHS
from deeppersona_agents.demographics.facts import core_problems
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.generation import make_deps
from deeppersona_agents.generation.anchor import anchor_node
from tests.conftest import run_ctx
from tests.fakes import FakeChatModel

LOW = ("less_than_primary", "primary", "lower_secondary")


@dataclass
class Case:
    """One person to anchor: country (None = open), anchors, bio, scripted answers, expected core facts."""

    name: str
    country: str | None
    anchors: dict[str, str] = field(default_factory=dict)
    bio: str | None = None
    bio_facts: dict[str, Any] | None = None
    occupation_class: dict[str, Any] | None = None
    expect: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("issue 20: divorced nurse in Nairobi", "KEN", {"age": "34", "occupation": "nurse"},
         "Moved to Nairobi after her divorce; raises two children alone.",
         {"city": "Nairobi", "marital_status": "divorced_separated", "marital_status_quote": "after her divorce",
          "children": 2, "children_quote": "two children", "gender": "female", "gender_quote": "her divorce"},
         expect={"age": 34, "gender": "female", "city": "Nairobi", "education": "tertiary",
                 "marital_status": "divorced_separated", "urban": True, "isco_major": 2, "children": 2}),
    Case("surgeon", "USA", {"occupation": "surgeon", "age": "45"},
         expect={"education": "tertiary", "isco_major": 2, "activity": "employed"}),
    Case("farmer in a rural district", "IND", {"occupation": "smallholder farmer", "urban": "rural"},
         expect={"urban": False, "isco_major": 6, "city_rural": True}),
    Case("farmer by bio", "ETH", {}, "A 52-year-old farmer growing teff in a village near Debre Markos.",
         {"age": 52, "occupation": "farmer", "settlement": "rural", "settlement_quote": "in a village"},
         expect={"age": 52, "occupation": "farmer", "urban": False, "isco_major": 6}),
    Case("retired Kenyan schoolteacher (enrich, open country)", None, {},
         "A retired Kenyan schoolteacher who spends her mornings in her garden.",
         {"country": "Kenya", "country_quote": "Kenyan", "occupation": "retired Kenyan schoolteacher"},
         {"isco_major": 2, "activity": "retired", "min_age": 22},
         expect={"country": "KEN", "activity": "retired", "education": "tertiary", "isco_major": None,
                 "gender": "female"}),
    Case("student", "BRA", {"occupation": "student", "age": "20"},
         expect={"activity": "student", "isco_major": None}),
    Case("divorced parent by tree leaf", "DEU", {"Legal Marital Status": "divorced", "children": "2"},
         expect={"marital_status": "divorced_separated", "children": 2}),
    Case("migrant taxi driver", "DEU", {},
         "Mehmet, 38, moved from Turkey to Berlin twelve years ago and works as a taxi driver.",
         {"name": "Mehmet", "age": 38, "country": "Germany", "country_quote": "to Berlin", "city": "Berlin",
          "occupation": "taxi driver", "gender": "male", "gender_quote": "Mehmet"},
         expect={"country": "DEU", "city": "Berlin", "urban": True, "isco_major": 8, "age": 38}),
    Case("accountant with a degree by leaf", "GBR", {"Highest Completed Level": "university degree",
                                                       "occupation": "accountant"},
         expect={"education": "tertiary", "isco_major": 2}),
    Case("faith by leaf", "NGA", {"Faith Tradition Identified With": "Muslim"}, expect={"religion": "muslim"}),
    Case("languages by leaf", "IND", {"Languages Spoken": "Hindi, English"}, expect={"language": "Hindi;English"}),
    Case("settlement by leaf", "PHL", {"Settlement Type": "rural"}, expect={"urban": False, "city_rural": True}),
    Case("urban waiter", "MEX", {"urban": "urban", "occupation": "waiter"},
         expect={"urban": True, "isco_major": 5, "city_rural": False}),
    Case("homemaker", "EGY", {"activity": "homemaker"}, expect={"activity": "homemaker", "isco_major": None,
                                                                "occupation": "homemaker"}),
    Case("young software developer", "CHN", {"occupation": "software developer", "age": "20"},
         expect={"isco_major": 2, "age": 20}),
    Case("software developer, age drawn", "CHN", {"occupation": "software developer"},
         expect={"isco_major": 2, "education": "tertiary"}),
    Case("unemployed engineer in Lahore", "PAK", {},
         "A 27-year-old unemployed engineer in Lahore, still single.",
         {"age": 27, "city": "Lahore", "occupation": "unemployed engineer", "marital_status": "never_married",
          "marital_status_quote": "still single"},
         expect={"activity": "unemployed", "education": "tertiary", "marital_status": "never_married",
                 "urban": True, "isco_major": None}),
    Case("widow selling vegetables in Soweto", "ZAF", {},
         "Thandi is a 61-year-old widow who sells vegetables at the taxi rank in Soweto; a Zion Christian.",
         {"name": "Thandi", "age": 61, "city": "Soweto", "occupation": "sells vegetables at the taxi rank",
          "marital_status": "widowed", "marital_status_quote": "widow", "religion": "christian",
          "religion_quote": "Zion Christian", "gender": "female", "gender_quote": "widow"},
         {"isco_major": 5, "activity": "employed", "min_age": 16},
         expect={"marital_status": "widowed", "religion": "christian", "isco_major": 5, "age": 61,
                 "gender": "female"}),
    Case("retired at seventy", "IDN", {"age": "70", "occupation": "retired"}, expect={"activity": "retired"}),
    Case("motorcycle taxi rider", "VNM", {"occupation": "motorcycle taxi rider", "age": "19"},
         expect={"isco_major": 8}),
    Case("primary education closes skilled work", "TUR", {"education": "primary", "activity": "employed"},
         expect={"education": "primary", "activity": "employed", "isco_not_in": (1, 2, 3, 4)}),
    Case("widow at eighty", "RUS", {"marital_status": "widowed", "age": "80"},
         expect={"marital_status": "widowed", "age": 80}),
    Case("pharmacist in Lyon", "FRA", {}, "Claire, 41, a pharmacist in Lyon, married with three children.",
         {"name": "Claire", "age": 41, "city": "Lyon", "occupation": "pharmacist", "marital_status": "married",
          "marital_status_quote": "married", "children": 3, "children_quote": "three children"},
         expect={"education": "tertiary", "marital_status": "married", "children": 3, "urban": True}),
    Case("city by another name", "ITA", {"city": "Milan"}, expect={"urban": True}),
    Case("overqualified cleaner", "ESP", {"occupation": "cleaner", "education": "tertiary"},
         expect={"education": "tertiary", "isco_major": 9}),
    Case("bio says nothing the tables need", "KOR", {"occupation": "nurse"}, "Loves hiking on weekends.", {},
         expect={"education": "tertiary", "isco_major": 2}),
    Case("anchor beats bio", "AUS", {"age": "30"}, "A 45-year-old mechanic from Perth.",
         {"age": 45, "occupation": "mechanic", "city": "Perth"},
         expect={"age": 30, "occupation": "mechanic", "isco_major": 7, "city": "Perth"}),
    Case("unsupported bio fact dropped", "COL", {}, "Works nights in Medellín.",
         {"education": "tertiary", "education_quote": "has a PhD", "city": "Medellín"},
         expect={"source_education": "table", "city": "Medellín", "urban": True}),
    Case("rural lawyer", "ARG", {"occupation": "lawyer", "urban": "rural"},
         expect={"education": "tertiary", "urban": False, "city_rural": True}),
    Case("teenage student", "BGD", {"activity": "student", "age": "16"},
         expect={"activity": "student", "education_in": LOW}),
    Case("midwife", "IRN", {"gender": "woman", "occupation": "midwife"}, expect={"gender": "female", "isco_major": 2}),
    Case("trader in Kano", None, {}, "A Nigerian trader in Kano, mother of five.",
         {"country": "Nigeria", "country_quote": "Nigerian", "city": "Kano", "occupation": "trader",
          "children": 5, "children_quote": "mother of five", "gender": "female", "gender_quote": "mother"},
         expect={"country": "NGA", "city": "Kano", "children": 5, "gender": "female", "isco_major": 5}),
    Case("bio country yields to the run's country", "KEN", {}, "A Ugandan-born welder, 33, living in Mombasa.",
         {"country": "Uganda", "country_quote": "Ugandan", "age": 33, "occupation": "welder", "city": "Mombasa"},
         expect={"country": "KEN", "city": "Mombasa", "isco_major": 7}),
    Case("unclassifiable title falls back", "KEN", {"occupation": "chief vibes officer", "age": "30"},
         occupation_class={"isco_major": 42, "activity": "employed", "min_age": 20},
         expect={"occupation": "chief vibes officer", "isco_major": None, "activity": "employed"}),
]


def _run(case: Case, embeddings, tree, seed: int = 7) -> dict[str, Any]:
    scripts = {}
    if case.bio_facts is not None:
        scripts["BioFacts"] = case.bio_facts
    if case.occupation_class is not None:
        scripts["OccupationClass"] = case.occupation_class
    deps = make_deps(FakeChatModel(scripts=scripts), embeddings, tree)
    state: dict[str, Any] = {"anchors": case.anchors}
    if case.country:
        state["country"] = case.country
    if case.bio:
        state["bio"] = case.bio
    return anchor_node(state, Runtime(context=run_ctx(seed=seed)), deps)


def test_the_suite_spans_cases_and_countries():
    assert len(CASES) >= 30
    assert len(({c.country for c in CASES} | {c.expect.get("country") for c in CASES}) - {None}) >= 10


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_gives_one_coherent_core(case, embeddings, tree):
    for seed in (7, 8, 9):
        out = _run(case, embeddings, tree, seed)
        core, demo = out["core"], out["core"]["demographics"]
        assert core_problems(core) == [], (case.name, core)
        for key, want in case.expect.items():
            if key == "city_rural":
                assert str(core["city"]).startswith("a rural area near") == want, core["city"]
            elif key == "isco_not_in":
                assert demo["isco_major"] not in want, demo
            elif key == "education_in":
                assert demo["education"] in want, demo
            elif key.startswith("source_"):
                assert out["core_sources"][key[7:]] == want
            elif key in core and key != "demographics":
                assert core[key] == want, (key, core[key])
            else:
                assert demo.get(key) == want, (key, demo)
        by_path = {a["path"]: a for a in out["anchor_attributes"]}
        for fact, path in TABLE_ATTRIBUTE_PATHS.items():  # the attributes say what the core says
            if demo.get(fact) is None:
                assert path not in by_path or by_path[path]["provenance"] == "anchor"


@pytest.mark.parametrize(
    ("country", "anchors", "needle"),
    [("KEN", {"age": "5", "occupation": "surgeon"}, "nobody younger than 28"),
     ("JPN", {"age": "12", "education": "tertiary"}, "complete at 21"),
     ("USA", {"education": "primary", "occupation": "doctor"}, "needs at least tertiary"),
     ("KEN", {"city": "Nairobi", "urban": "rural"}, "give one"),
     ("DEU", {"marital_status": "complicated"}, "never_married, married, divorced_separated, widowed"),
     ("IND", {"age": "10", "marital_status": "married"}, "from 15"),
     ("BRA", {"Highest Completed Level": "juggling school"}, "less_than_primary, primary"),
     ("FRA", {"age": "9", "activity": "employed"}, "from 15")],
)
def test_impossible_anchor_combinations_are_refused(country, anchors, needle, embeddings, tree):
    with pytest.raises(ConfigError, match=needle):
        _run(Case("impossible", country, anchors), embeddings, tree)


def test_a_new_title_is_classified_once_per_process(embeddings, tree):
    model = FakeChatModel(scripts={"OccupationClass": {"isco_major": 3, "activity": "employed", "min_age": 19},
                                   "BioFacts": {}})
    deps = make_deps(model, embeddings, tree)
    for seed in (1, 2):
        out = anchor_node({"anchors": {"occupation": "drone survey operator"}, "country": "KEN"},
                          Runtime(context=run_ctx(seed=seed)), deps)
        assert out["core"]["demographics"]["isco_major"] == 3
        assert out["core"]["demographics"]["education"] not in LOW
    assert model.calls == 1
    assert occupations.classify_title("Drone Survey Operator").isco_major == 3


def test_enrich_takes_the_country_a_bio_states(tmp_path):
    from deeppersona_agents.generation import GenerationConfig
    from deeppersona_agents.population import load_shallow_personas, spawn_population

    source = tmp_path / "shallow.jsonl"
    source.write_text('{"persona": "A retired Kenyan schoolteacher who restores old bicycles."}\n')
    inputs, digest = load_shallow_personas(source)
    model = FakeChatModel(scripts={
        "BioFacts": {"country": "Kenya", "country_quote": "Kenyan", "occupation": "retired Kenyan schoolteacher"},
        "OccupationClass": {"isco_major": 2, "activity": "retired", "min_age": 22}})
    result = spawn_population(None, None, out=tmp_path / "deep", model=model, config=GenerationConfig(attributes=12),
                              inputs=inputs, inputs_hash=digest, progress=False)
    (persona,) = result.personas
    assert persona.core.country == "KEN"
    assert persona.core.demographics["activity"] == "retired"
    assert persona.core.demographics["education"] == "tertiary"
