"""TinyTroupe agent specs and EDSL agent lists: the peer tools' formats, with every value carried over."""

from __future__ import annotations

import json
import keyword

import pytest
from typer.testing import CliRunner

from deeppersona_agents.cli import app
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.export import edsl_agent, export_edsl, export_tinytroupe, tinytroupe_spec
from deeppersona_agents.export.edsl import CORE_TRAITS, trait_key
from deeppersona_agents.persona import Attribute, Fact, format_value
from deeppersona_agents.simulation.respondents import HOUSEHOLD

runner = CliRunner()
#: Persona keys of TinyTroupe's example agents (examples/agents/*.agent.json) that we fill, with their types.
TINYTROUPE_KEYS = {"name": str, "age": int, "gender": str, "nationality": str, "residence": str, "occupation": dict,
                   "personality": dict, "preferences": dict, "beliefs": list, "relationships": list,
                   "other_facts": list}


def sampled(persona):
    return [a for a in persona.sampled_attributes() if a.path not in HOUSEHOLD]


# ---- TinyTroupe ------------------------------------------------------------------------------------------


def test_tinytroupe_folder_has_one_spec_per_persona(population, personas, tmp_path):
    done = runner.invoke(app, ["export", str(population), "--tinytroupe", str(tmp_path / "tt")])
    assert done.exit_code == 0, done.output
    files = sorted((tmp_path / "tt").iterdir())
    assert [f.name.split("_")[0] for f in files] == ["00000", "00001", "00002"]
    assert all(f.name.endswith(".agent.json") for f in files)
    for file, persona in zip(files, personas, strict=True):
        spec = json.loads(file.read_text(encoding="utf-8"))
        assert spec == tinytroupe_spec(persona)
        assert persona.core.name.split()[0] in file.name


@pytest.mark.parametrize("which", [0, 1, 2])
def test_tinytroupe_spec_format_and_values(personas, which):
    persona = personas[which]
    spec = tinytroupe_spec(persona)
    assert set(spec) == {"type", "persona"} and spec["type"] == "TinyPerson"
    body = spec["persona"]
    for key, kind in TINYTROUPE_KEYS.items():
        assert isinstance(body[key], kind), key
    assert (body["name"], body["age"], body["gender"]) == (persona.core.name, persona.core.age, persona.core.gender)
    assert body["nationality"] == "Kenyan" and persona.core.city in body["residence"]
    assert body["occupation"]["title"] == persona.core.occupation
    assert body["preferences"]["interests"] == persona.hobbies and body["beliefs"] == [persona.values]
    assert body["personality"]["traits"][:2] == [persona.attitude.attitude, persona.attitude.details]
    assert body["other_facts"][:len(persona.stories)] == persona.stories
    people = [f.text for f in persona.facts if f.kind == "person"]
    assert [r["description"] for r in body["relationships"]] == people
    assert all(set(r) == {"name", "description"} and r["name"] for r in body["relationships"])
    assert body["attributes"] == {a.path: format_value(a.value) for a in sampled(persona)}
    assert body["summary"] == persona.summary
    json.dumps(spec)  # JSON-ready


def test_tinytroupe_keeps_both_personas_of_a_repeated_index(population, personas, tmp_path):
    source = tmp_path / "joined.jsonl"
    text = (population / "personas.jsonl").read_text()
    source.write_text(text + text.splitlines()[0] + "\n")
    files = export_tinytroupe(source, tmp_path / "tt")
    assert len(files) == 4 and len({f.name for f in files}) == 4 and all(f.exists() for f in files)


def test_tinytroupe_force_replaces_only_agent_folders(population, tmp_path):
    out = tmp_path / "tt"
    export_tinytroupe(population, out)
    with pytest.raises(ConfigError, match="force=True"):
        export_tinytroupe(population, out)
    assert len(export_tinytroupe(population, out, force=True)) == 3
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a TinyTroupe agents folder"):
        export_tinytroupe(population, out, force=True)
    assert (out / "notes.txt").read_text() == "mine"


# ---- EDSL ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "key"), [
    ("Age", "age"), ("Preferred Cooking Style", "preferred_cooking_style"), ("2nd Language", "t_2nd_language"),
    ("class", "t_class"), ("Name", "t_name"), ("---", "trait"), ("Café Visits / Week", "caf_visits_week"),
])
def test_trait_keys_are_valid_edsl_keys(text, key):
    assert trait_key(text) == key
    assert key.isidentifier() and not keyword.iskeyword(key) and key != "name"


@pytest.mark.parametrize("which", [0, 1, 2])
def test_edsl_agent_carries_every_value(personas, which):
    persona = personas[which]
    agent = edsl_agent(persona)
    assert set(agent) == {"name", "traits", "codebook", "instruction"} and agent["name"] == persona.core.name
    traits, codebook = agent["traits"], agent["codebook"]
    assert all(k.isidentifier() and not keyword.iskeyword(k) and k != "name" for k in traits)
    assert set(codebook) == set(traits)
    assert traits["age"] == persona.core.age and traits["country"] == "Kenya"
    assert traits["life_stories"] == persona.stories and traits["hobbies"] == persona.hobbies
    assert {k: codebook[k] for k in CORE_TRAITS if k in traits} == {k: CORE_TRAITS[k] for k in CORE_TRAITS
                                                                   if k in traits}
    by_path = {codebook[k]: v for k, v in traits.items()}
    for attribute in sampled(persona):  # each sampled attribute is one trait, its path in the codebook
        expected = attribute.value if isinstance(attribute.value, list) else format_value(attribute.value)
        assert by_path[attribute.path] == expected
    assert len(traits) == len([k for k in CORE_TRAITS if k in traits]) + len(sampled(persona))


def test_edsl_same_leaf_names_get_distinct_keys(personas):
    extra = [Attribute(path=f"{top} > Habits > Routine", value=v, provenance="llm", stratum="far")
             for top, v in (("Health", "walks daily"), ("Work", "starts at six"), ("Home", ["sweeps", "cooks"]))]
    persona = personas[0].model_copy(update={"attributes": [*personas[0].attributes, *extra],
                                             "facts": [Fact(kind="person", text="Amina (sister, age 30)")]})
    agent = edsl_agent(persona)
    keys = [k for k, path in agent["codebook"].items() if path.endswith("> Habits > Routine")]
    assert len(keys) == 3 and len(set(keys)) == 3
    assert ["sweeps", "cooks"] in [agent["traits"][k] for k in keys]


def test_edsl_json_and_jsonl_files(population, personas, tmp_path):
    done = runner.invoke(app, ["export", str(population), "--edsl", str(tmp_path / "agents.json")])
    assert done.exit_code == 0, done.output
    data = json.loads((tmp_path / "agents.json").read_text(encoding="utf-8"))
    assert data == {"agent_list": [edsl_agent(p) for p in personas]}
    export_edsl(population / "personas.jsonl", tmp_path / "agents.jsonl")
    header, *rows = [json.loads(line) for line in (tmp_path / "agents.jsonl").read_text().splitlines()]
    assert header == {"__header__": True, "edsl_class_name": "AgentList", "n_agents": 3}
    assert rows == data["agent_list"]


def test_edsl_force_and_file_checks(population, tmp_path):
    out = export_edsl(population, tmp_path / "agents.json")
    with pytest.raises(ConfigError, match="force=True"):
        export_edsl(population, out)
    assert export_edsl(population, out, force=True) == out
    mine = tmp_path / "mine.json"
    mine.write_text('{"settings": 1}')
    with pytest.raises(ConfigError, match="not an EDSL agents file written by deeppersona"):
        export_edsl(population, mine, force=True)
    with pytest.raises(ConfigError, match=".json"):
        export_edsl(population, tmp_path / "agents.csv")
    assert mine.read_text() == '{"settings": 1}' and not (tmp_path / "agents.csv").exists()


def test_all_formats_in_one_command(population, tmp_path):
    done = runner.invoke(app, ["export", str(population), "--hf", str(tmp_path / "hf"), "--tinytroupe",
                               str(tmp_path / "tt"), "--edsl", str(tmp_path / "agents.jsonl")])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agents.jsonl", "hf", "tt"]
    assert not (population / "personas.parquet").exists()  # Parquet only when asked, once a format is given
