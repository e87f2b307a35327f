"""Each node on its own, called directly with a fake model and the real embeddings."""

from __future__ import annotations

import pytest
from langgraph.runtime import Runtime

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.generation import make_deps
from deeppersona_agents.generation.anchor import anchor_node, split_anchors
from deeppersona_agents.generation.attitude import attitude_node
from deeppersona_agents.generation.capacity import CORE_PATHS
from deeppersona_agents.generation.fill_attributes import fill_attributes_node
from deeppersona_agents.generation.hobbies import hobbies_node
from deeppersona_agents.generation.select_attributes import select_attributes_node
from deeppersona_agents.generation.stories import stories_node
from deeppersona_agents.generation.summarize import summarize_node
from deeppersona_agents.generation.values import TONES, values_node
from deeppersona_agents.persona import Persona
from tests.conftest import run_ctx
from tests.fakes import FakeChatModel


def run_all(deps, state, runtime):
    for node in (anchor_node, values_node, attitude_node, stories_node, hobbies_node, select_attributes_node,
                 fill_attributes_node, summarize_node):
        update = node(state, runtime, deps)
        usage = {**state.get("usage", {})}
        for key, value in update.pop("usage", {}).items():
            usage[key] = usage.get(key, 0) + value
        state = {**state, **update, "usage": usage}
    return state


def test_anchor_keeps_user_anchors_and_fills_core_from_tables(deps):
    runtime = Runtime(context=run_ctx())
    out = anchor_node({"anchors": {"age": "34", "occupation": "nurse"}, "country": "KEN"}, runtime, deps)
    core = out["core"]
    assert core["age"] == 34 and core["occupation"] == "nurse" and core["country"] == "KEN"
    assert out["core_sources"]["age"] == "anchor" and out["core_sources"]["occupation"] == "anchor"
    assert out["core_sources"]["city"] == "table" and out["core_sources"]["name"] == "table"
    assert core["city"] and core["name"] and core["gender"] in ("male", "female")
    assert out["usage"]["llm_calls"] == 0  # no bio, no LLM: the core is never invented by the model


def test_anchor_matches_tree_leaves_and_keeps_unknown_keys(tree):
    fixed, others = split_anchors({"age": "40", "Chronotype": "night owl", "pet": "a grey parrot"}, None, tree)
    assert fixed == {"age": 40}
    paths = {a["path"]: a["value"] for a in others}
    assert paths["Physical and Health Characteristics > Sleep > Chronotype"] == "night owl"
    assert paths["pet"] == "a grey parrot"


@pytest.mark.parametrize(
    ("anchors", "country", "needle"),
    [({"age": "-3"}, None, "age"), ({"age": "old"}, None, "whole number"), ({}, "XYZ", "XYZ"),
     ({"country": "DEU"}, "KEN", "contradicts"), ({"job": ""}, None, "empty")],
)
def test_anchor_rejects_bad_input(tree, anchors, country, needle):
    with pytest.raises(ConfigError, match=needle):
        split_anchors(anchors, country, tree)


def test_bio_facts_are_kept_only_when_the_bio_states_them(deps, embeddings, tree):
    runtime = Runtime(context=run_ctx())
    bio = "She is 52 and has run a tailoring shop in Mombasa since her husband died."
    out = anchor_node({"bio": bio, "country": "KEN"}, runtime, deps)  # the fake claims age 3 and invented places
    assert out["core_sources"]["age"] == "table" and out["core_sources"]["city"] == "table"  # not in the bio
    assert out["usage"]["llm_calls"] == 1
    stated = {"name": None, "age": 52, "gender": "female", "city": "Mombasa", "occupation": None}
    honest = make_deps(FakeChatModel(responder=lambda schema, prompt: stated), embeddings, tree)
    out = anchor_node({"bio": bio, "country": "KEN"}, runtime, honest)
    assert (out["core"]["age"], out["core"]["city"]) == (52, "Mombasa")
    assert out["core_sources"]["age"] == out["core_sources"]["city"] == "anchor"


def test_value_tone_is_drawn_by_the_seed_not_the_model(deps):
    tones = {values_node(anchor_node({"country": "IND", "seed": s}, Runtime(), deps), Runtime(), deps)["value_tone"]
             for s in range(12)}
    assert tones == set(TONES)


def test_story_count_is_between_one_and_three_and_drawn_by_seed(deps):
    counts = set()
    for s in range(15):
        state = anchor_node({"country": "USA", "seed": s}, Runtime(), deps)
        counts.add(len(stories_node(state, Runtime(), deps)["stories"]))
    assert counts == {1, 2, 3}


def test_full_chain_of_nodes_builds_a_valid_persona(deps):
    runtime = Runtime(context=run_ctx(k=45, batch_size=20))
    state = run_all(deps, {"anchors": {"age": "29"}, "country": "BRA"}, runtime)
    persona = Persona.model_validate(state["persona"])
    assert len(persona.sampled_attributes()) == 45
    assert persona.manifest.llm_calls == 4 + 3 + 1  # values, attitude, stories, hobbies + 3 fill batches + summary
    assert {a.path for a in persona.attributes if a.provenance != "llm"} >= set(CORE_PATHS.values())
    assert all(a.value not in ("", None, []) for a in persona.attributes)
