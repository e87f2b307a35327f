"""The fact ledger in every prompt, not-applicable values swapped for exactly k, bounded numbers."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from deeppersona_agents import GenerationConfig, generate_persona
from deeppersona_agents.embedded import grammar_schema
from deeppersona_agents.generation.leaf_values import (
    NOT_APPLICABLE,
    batch_keys,
    batch_schema,
    clean_value,
    is_age_leaf,
    value_schema,
)
from deeppersona_agents.generation.profile import USER_FIRST
from tests.fakes import STORY, FakeChatModel, realistic_answer

BIO = "Moved to Nairobi after her divorce; raises two children alone."


class Recorder(FakeChatModel):
    """Records (schema title, prompt) of every call; ``blank`` keys of the first fill batch come back null."""

    def __init__(self, blank: int = 0) -> None:
        super().__init__()
        object.__setattr__(self, "seen", [])
        object.__setattr__(self, "blank", blank)
        object.__setattr__(self, "responder", self._respond)

    def _respond(self, schema: dict, prompt: str) -> dict | None:
        self.seen.append((schema.get("title"), prompt, list(schema.get("properties", {}))))
        fills = sum(1 for title, _, _ in self.seen if title == "AttributeValues")
        if schema.get("title") == "AttributeValues" and fills == 1 and self.blank:
            answer = realistic_answer(schema, prompt)
            return {**answer, **dict.fromkeys(list(answer)[: self.blank])}
        return None


@pytest.fixture(scope="module")
def recorded(embeddings):
    model = Recorder()
    persona = generate_persona({"age": "34", "occupation": "nurse"}, bio=BIO, country="KEN", seed=5, model=model,
                               embeddings=embeddings,
                               config=GenerationConfig(attributes=60, batch_size=40, current_year=2031))
    return persona, model.seen


def test_the_stories_call_returns_a_ledger_kept_on_the_persona(recorded):
    persona, _ = recorded
    kinds = Counter(f.kind for f in persona.facts)
    assert set(kinds) <= {"person", "place", "event", "employer", "school"} and kinds["person"] >= 1
    years = [int(f.text.split(":")[0]) for f in persona.facts if f.kind == "event"]
    assert years and all(2031 - 34 <= y <= 2031 for y in years)  # between birth and the configured year


def test_every_later_prompt_shows_year_core_ledger_and_full_stories(recorded):
    persona, seen = recorded
    ledger = [f"- {f.kind}: {f.text}" for f in persona.facts]
    after_stories = [(title, prompt) for title, prompt, _ in seen if title not in ("BioFacts", None)]
    stories_at = next(i for i, (title, _) in enumerate(after_stories) if title.startswith("LifeStories"))
    assert len(after_stories) - stories_at >= 4  # hobbies, fill batches, summary
    for title, prompt in after_stories:
        assert "Current year: 2031" in prompt and "Work status:" in prompt and USER_FIRST in prompt, title
    for title, prompt in after_stories[stories_at + 1:]:
        assert all(line in prompt for line in ledger), title
        assert prompt.count(STORY) == len(persona.stories), title  # each story in full, once


def test_the_hobbies_prompt_has_no_empty_story_lines(recorded):
    _, seen = recorded
    [hobbies] = [prompt for title, prompt, _ in seen if title == "Hobbies"]
    assert not re.search(r"Life story \d+:\s*\.\.\.", hobbies)


def test_fill_batches_follow_strata_and_categories(recorded):
    _, seen = recorded
    batches = [keys for title, _, keys in seen if title == "AttributeValues"]
    assert len(batches) == 2  # 60 values, batch size 40: two even batches, no extra round


def test_not_applicable_values_are_swapped_within_their_stratum(embeddings):
    model = Recorder(blank=3)
    config = GenerationConfig(attributes=40)
    p = generate_persona({"age": "34"}, country="KEN", seed=2, model=model, embeddings=embeddings, config=config)
    sampled = p.sampled_attributes()
    assert len(sampled) == 40 and len({a.path for a in sampled}) == 40
    assert Counter(a.stratum for a in sampled) == {"near": 20, "mid": 12, "far": 8}
    assert len(p.manifest.not_applicable) == 3
    assert not set(p.manifest.not_applicable) & {a.path for a in sampled}
    fills = [keys for title, _, keys in model.seen if title == "AttributeValues"]
    assert [len(k) for k in fills] == [40, 3]  # one extra batch asks exactly the three replacements


@pytest.mark.parametrize("text", ["None; she keeps no livestock", "not applicable", "N/A", "Nothing, she rents"])
def test_a_text_that_only_denies_is_not_applicable(tree, text):
    leaf = tree.leaves[tree.index("Demographic Information > Housing > Housing Condition")]
    assert clean_value(text, leaf, 34, 2026) is NOT_APPLICABLE
    assert clean_value(None, leaf, 34, 2026) is NOT_APPLICABLE
    assert clean_value("a damp two-room flat", leaf, 34, 2026) == "a damp two-room flat"


def test_every_numeric_age_leaf_is_bounded_by_the_persons_age(tree):
    ages = [leaf for leaf in tree.leaves if is_age_leaf(leaf)]
    named_ages = [leaf for leaf in tree.leaves if leaf.type == "number" and leaf.path[-1].startswith("Age ")]
    assert len(ages) >= 50
    own = [leaf for leaf in named_ages if not re.search(r"Should|Ideal|Expected|Planned|Gap", leaf.path[-1])]
    assert own and set(map(id, own)) <= set(map(id, ages))  # every "Age at/of/when..." of their own past
    for leaf in ages:
        schema = value_schema(leaf, 42, 2026)
        assert (schema["minimum"], schema["maximum"]) == (0, 42), leaf.key
        assert clean_value(77.8, leaf, 42, 2026) is None and clean_value(41, leaf, 42, 2026) == 41.0


def test_scales_and_shares_carry_their_range(tree):
    for leaf in tree.leaves:
        unit = (leaf.unit or "").lower()
        if leaf.type == "number" and unit == "1-10 scale":
            assert {k: value_schema(leaf, 30, 2026)[k] for k in ("minimum", "maximum")} == {"minimum": 1,
                                                                                          "maximum": 10}
        if leaf.type == "number" and unit.startswith("percent"):
            assert value_schema(leaf, 30, 2026)["maximum"] == 100


def test_nullable_batch_schema_compiles_for_the_embedded_grammar(tree):
    from llama_cpp import LlamaGrammar

    leaves = [tree.leaves[i] for i in range(0, len(tree.leaves), 97)][:40]
    schema = batch_schema(leaves, batch_keys(leaves), 34, 2026)
    decoded = grammar_schema(schema)
    kinds = Counter(leaf.type for leaf in leaves)
    assert len(kinds) >= 3
    refs = [v["$ref"] for v in decoded["properties"].values() if "$ref" in v]
    assert {"#/$defs/text", "#/$defs/list"} <= set(refs)  # shared value schemas written once
    for key, leaf in zip(schema["required"], leaves, strict=True):
        value = decoded["properties"][key]
        value = decoded["$defs"][value["$ref"].split("/")[-1]] if "$ref" in value else value
        assert value["anyOf"][1] == {"type": "null"} and "null" not in json.dumps(value["anyOf"][0])
        assert value["anyOf"][0]["type"] == {"text": "string", "list": "array", "category": "string"}.get(
            leaf.type, leaf.type), key
    LlamaGrammar.from_json_schema(json.dumps(decoded), verbose=False)


def test_a_spare_whose_condition_the_person_fails_is_never_swapped_in(embeddings, tree):
    from deeppersona_agents.generation.select_attributes import person_facts
    from deeppersona_agents.generation.selection import applicable_mask

    model = Recorder(blank=40)  # nothing of the first batch applies: 40 spares are drawn
    anchors = {"age": "19", "occupation": "student", "marital_status": "never_married"}
    p = generate_persona(anchors, country="KEN", seed=4, model=model, embeddings=embeddings,
                         config=GenerationConfig(attributes=40))
    facts = person_facts({"core": p.core.model_dump(), "facts": [f.model_dump() for f in p.facts]})
    fails = ~applicable_mask(tree, facts)
    assert fails.sum() > 300  # many leaves do not apply to a 19-year-old single student
    swapped_in = [a.path for a in p.sampled_attributes()]
    assert len(p.manifest.not_applicable) == 40 and len(swapped_in) == 40
    assert not [path for path in swapped_in if fails[tree.index(path)]]


def test_no_schema_offers_an_option_that_only_denies(tree):
    offered = [leaf for leaf in tree.leaves if leaf.type == "category" and "not applicable" in (leaf.options or ())]
    assert len(offered) > 20  # the tree has such options; the schema never asks for them
    for leaf in tree.leaves:
        if leaf.type == "category" and leaf.options:
            enum = value_schema(leaf, 40, 2026)["enum"]
            assert "not applicable" not in enum and enum[-1] is None and len(enum) >= 3, leaf.key
    assert clean_value("Not applicable", offered[0], 40, 2026) is NOT_APPLICABLE
