"""The compiled graph: wiring, determinism, anchors, depth, streaming, use as a subgraph."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph

from deeppersona_agents import GenerationConfig, Persona, create_persona_generator, generate_persona
from deeppersona_agents.errors import ConfigError, GenerationError, StructuredOutputError
from deeppersona_agents.generation import STAGES, PersonaRunContext
from tests.fakes import FakeChatModel

SNAPSHOT = Path(__file__).parents[1] / "snapshots" / "persona_graph.mmd"


@pytest.fixture
def generator(fake_model, embeddings):
    return create_persona_generator(fake_model, embeddings, config=GenerationConfig(attributes=200))


def test_mermaid_drawing_matches_snapshot(generator):
    assert generator.get_graph().draw_mermaid() == SNAPSHOT.read_text()


def test_nodes_run_in_stage_order(generator):
    seen = [name for chunk in generator.stream({"country": "KEN"}, context=PersonaRunContext(seed=1),
                                               stream_mode="updates") for name in chunk]
    assert seen == [name for name, _ in STAGES]


def test_same_seed_same_fake_gives_byte_identical_json(embeddings):
    def make(seed: int) -> bytes:
        p = generate_persona({"age": "34"}, country="KEN", seed=seed, model=FakeChatModel(latency=0.001),
                             embeddings=embeddings, config=GenerationConfig(attributes=120))
        return p.model_dump_json().encode()  # the whole record, manifest included

    first = make(11)
    assert make(11) == first
    assert make(12) != first


def test_persona_keeps_anchors_and_has_exactly_k_in_ratio(generator):
    bio = "A night-shift nurse who moved from Kisumu to Nairobi after her divorce."
    persona = generate_persona({"age": "34", "occupation": "nurse", "Chronotype": "night owl"}, bio=bio,
                               country="KEN", seed=7, generator=generator, config=GenerationConfig(attributes=200))
    assert persona.core.age == 34 and persona.core.occupation == "nurse" and persona.core.country == "KEN"
    assert persona.anchors == {"age": "34", "occupation": "nurse", "Chronotype": "night owl", "bio": bio,
                               "country": "KEN"}
    chrono = [a for a in persona.attributes if a.path.endswith("Sleep > Chronotype")]
    assert [(a.value, a.provenance) for a in chrono] == [("night owl", "anchor")]
    sampled = persona.sampled_attributes()
    assert len(sampled) == 200 and len({a.path for a in sampled}) == 200
    counts = Counter(a.stratum for a in sampled)
    assert abs(counts["near"] - 100) <= 1 and abs(counts["mid"] - 60) <= 1 and abs(counts["far"] - 40) <= 1
    paths = {a.path for a in sampled}
    rewrite = persona.manifest.consistency.fixed > 0 or any(
        r.split(": ")[0] in paths for r in persona.manifest.consistency.remaining)
    # bio facts, values, attitude, stories, hobbies, 3 fill batches, summary (+ one rewrite batch if a rule fired)
    assert persona.manifest.llm_calls == 9 + rewrite
    assert Persona.model_validate_json(persona.model_dump_json()) == persona


def test_progress_events_arrive_through_custom_stream(generator):
    events = [c for c in generator.stream({"country": "DEU"}, context=PersonaRunContext(seed=3),
                                          stream_mode="custom")]
    done = [e["stage"] for e in events if e.get("status") == "done"]
    assert done == [name for name, _ in STAGES]
    fill = [e["done"] for e in events if e.get("stage") == "fill_attributes" and "done" in e]
    assert fill == [67, 134, 200]  # 200 values in three even batches of at most 70


class ChatState(TypedDict, total=False):
    user_message: str
    anchors: dict[str, str]
    country: str
    persona: dict[str, Any]
    reply: str


def test_generator_works_as_a_node_in_a_parent_graph_with_another_schema(generator):
    def plan(state: ChatState) -> dict:
        return {"anchors": {"occupation": "farmer"}, "country": "IND"}

    def respond(state: ChatState) -> dict:
        persona = Persona.model_validate(state["persona"])
        return {"reply": f"As {persona.core.name}, a {persona.core.occupation}: {state['user_message']}"}

    parent = StateGraph(ChatState)
    parent.add_node("plan", plan)
    parent.add_node("make_persona", generator)
    parent.add_node("respond", respond)
    parent.add_edge(START, "plan")
    parent.add_edge("plan", "make_persona")
    parent.add_edge("make_persona", "respond")
    parent.add_edge("respond", END)
    out = parent.compile().invoke({"user_message": "what do you grow?"})
    assert Persona.model_validate(out["persona"]).core.occupation == "farmer"
    assert out["reply"].startswith("As ") and "farmer" in out["reply"]
    assert set(out) == set(ChatState.__annotations__)  # the persona graph's internals do not leak


def test_k_larger_than_tree_fails_at_build_time(fake_model, embeddings, tree):
    with pytest.raises(ConfigError, match="at most"):
        create_persona_generator(fake_model, embeddings, config=GenerationConfig(attributes=len(tree.leaves) + 1))


def test_malformed_answers_are_retried_then_fail_loudly(embeddings):
    broken = FakeChatModel(tamper=lambda n, answer: '{"values": ')  # truncated JSON every time
    with pytest.raises(StructuredOutputError, match="values"):
        generate_persona(country="KEN", model=broken, embeddings=embeddings, config=GenerationConfig(attributes=10))
    assert broken.calls == 3


def test_one_malformed_answer_is_recovered(embeddings):
    flaky = FakeChatModel(tamper=lambda n, answer: "not json at all" if n == 2 else None)
    persona = generate_persona(country="KEN", model=flaky, embeddings=embeddings,
                               config=GenerationConfig(attributes=10))
    assert persona.manifest.llm_calls == flaky.calls == 7


def test_placeholder_values_are_asked_for_again(embeddings):
    def blank_first_fill(n: int, answer: dict) -> str | None:
        if n == 5:  # the first fill batch: blank out two values
            keys = list(answer)[:2]
            return __import__("json").dumps({**answer, keys[0]: "N/A", keys[1]: "not specified"} if keys[0] else answer)
        return None

    model = FakeChatModel(tamper=blank_first_fill)
    persona = generate_persona(country="KEN", model=model, embeddings=embeddings,
                               config=GenerationConfig(attributes=30, batch_size=30))
    values = [a.value for a in persona.sampled_attributes()]
    assert len(values) == 30 and "N/A" not in values and "not specified" not in values  # ("unknown" is a real option)
    assert persona.manifest.llm_calls == 4 + 1 + 1 + 1  # one extra fill call for the two re-asked values


def _collect(left: list | None, right: dict | list | None) -> list:
    return [*(left or []), *(right if isinstance(right, list) else [right])]


class Parent(TypedDict, total=False):
    seeds: list[int]
    persona: Annotated[list, _collect]


def test_send_fan_out_with_seeds_in_the_input_gives_different_people(fake_model, embeddings):
    from langgraph.types import Send

    generator = create_persona_generator(fake_model, embeddings, config=GenerationConfig(attributes=20))
    parent = StateGraph(Parent)
    parent.add_node("persona", generator)
    parent.add_conditional_edges(START, lambda s: [Send("persona", {"country": "KEN", "seed": i}) for i in s["seeds"]])
    parent.add_edge("persona", END)
    out = parent.compile().invoke({"seeds": [1, 2, 3]})
    people = [Persona.model_validate(p) for p in out["persona"]]
    assert sorted(p.seed for p in people) == [1, 2, 3]
    assert len({p.id for p in people}) == 3 and len({p.core.name for p in people}) == 3
    assert all(len(p.sampled_attributes()) == 20 for p in people)  # the generator's own config, not the default


def test_a_foreign_runtime_context_without_a_seed_warns(fake_model, embeddings):
    from dataclasses import dataclass

    @dataclass
    class Theirs:
        user: str = "x"

    generator = create_persona_generator(fake_model, embeddings, config=GenerationConfig(attributes=15))
    with pytest.warns(UserWarning, match="no 'seed' in its input state"):
        out = generator.invoke({"country": "KEN"}, context=Theirs())
    assert len(Persona.model_validate(out["persona"]).sampled_attributes()) == 15


def test_a_config_in_the_input_state_is_checked_and_used(fake_model, embeddings):
    generator = create_persona_generator(fake_model, embeddings, config=GenerationConfig(attributes=15))
    out = generator.invoke({"country": "KEN", "seed": 4, "config": {"attributes": 12}})
    assert len(Persona.model_validate(out["persona"]).sampled_attributes()) == 12
    with pytest.raises(ConfigError, match="attributes=100000 is more than"):
        generator.invoke({"country": "KEN", "seed": 4, "config": {"attributes": 100_000}})


def test_a_value_still_missing_after_every_round_fails_the_persona(embeddings):
    def always_blank(n: int, answer: dict) -> str | None:
        key = next((k for k in answer if k not in ("values", "attitude", "details", "coping", "summary")
                    and not k.startswith("story_") and k not in ("hobbies", "people", "places", "events", "employer",
                                                                 "schools", "contradictions")), None)
        return None if key is None else __import__("json").dumps({**answer, key: "unknown"})

    with pytest.raises(GenerationError, match=r"\[fill_attributes\] only 29 of the 30 attributes"):
        generate_persona(country="KEN", model=FakeChatModel(tamper=always_blank), embeddings=embeddings,
                         config=GenerationConfig(attributes=30, batch_size=30))
