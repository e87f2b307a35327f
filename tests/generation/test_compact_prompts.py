"""Compact prompts and schemas: nothing a model needs is lost, repeated blocks are written once."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import ValidationError

from deeppersona_agents.embedded import grammar_schema
from deeppersona_agents.generation.bio import BioFacts
from deeppersona_agents.generation.hobbies import Hobbies
from deeppersona_agents.generation.leaf_values import batch_keys, batch_schema
from deeppersona_agents.generation.profile import compact_schema
from deeppersona_agents.generation.stories import stories_schema


@pytest.mark.parametrize("model_cls", [BioFacts, Hobbies, stories_schema(3, 1990, 2026)])
def test_a_compact_schema_keeps_every_field_and_constraint(model_cls):
    full, compact = model_cls.model_json_schema(), compact_schema(model_cls)
    assert len(json.dumps(compact)) < len(json.dumps(full))
    assert compact["title"] == full["title"] and compact.get("required") == full.get("required")
    assert list(compact["properties"]) == list(full["properties"])
    text = json.dumps(compact)
    assert '"default": null' not in text and '"title"' not in text.replace('"title": "' + full["title"], "")
    for name, prop in full["properties"].items():  # bounds, enums and descriptions survive
        for key in ("maxLength", "minLength", "maxItems", "minItems", "description"):
            if key in prop:
                assert compact["properties"][name][key] == prop[key], (name, key)


def test_optional_enums_stay_nullable_and_compile_for_the_embedded_grammar():
    from llama_cpp import LlamaGrammar

    compact = compact_schema(BioFacts)
    assert compact["properties"]["marital_status"]["type"] == ["string", "null"]
    assert compact["properties"]["marital_status"]["enum"][-1] is None
    for schema in (compact, compact_schema(stories_schema(2, 1990, 2026))):
        LlamaGrammar.from_json_schema(json.dumps(grammar_schema(schema)), verbose=False)


def test_answers_to_a_compact_schema_are_still_validated_by_the_class(deps):
    from deeppersona_agents.generation.profile import StageRun
    from tests.fakes import FakeChatModel

    calls = []

    def respond(schema: dict, prompt: str) -> dict:
        calls.append(schema)
        return {"hobbies": ["x"]} if len(calls) == 1 else {"hobbies": ["chess", "darts"]}

    model = FakeChatModel(responder=respond)
    run = StageRun("hobbies", type(deps)(model, deps.embeddings, deps.tree, deps.leaf_vectors, deps.config),
                   deps.config)
    answer = run.ask(Hobbies, "What does this person do to unwind?")
    assert isinstance(answer, Hobbies) and answer.hobbies == ["chess", "darts"]
    assert len(calls) == 2 and calls[0] == compact_schema(Hobbies)  # one list too short: asked again
    with pytest.raises(ValidationError):
        Hobbies.model_validate({"hobbies": ["x"]})


def test_shared_value_schemas_are_written_once(tree):
    leaves = [leaf for leaf in tree.leaves if leaf.type in ("text", "list")][:30]
    schema = batch_schema(leaves, batch_keys(leaves), 40, 2026)
    assert set(schema["$defs"]) == {"text", "list"}
    assert all(set(v) == {"$ref"} for v in schema["properties"].values())


def test_fill_keys_are_short_explained_once_and_mapped_back_to_their_leaves(embeddings):
    from deeppersona_agents import GenerationConfig, generate_persona
    from tests.fakes import FakeChatModel, realistic_answer

    calls = []

    def respond(schema: dict, prompt: str) -> dict | None:
        if schema.get("title") != "AttributeValues":
            return None
        keys = list(schema["properties"])
        calls.append((keys, prompt))
        named = dict(re.findall(r"^(a\d+): (.+?)(?: \[| \(|$)", prompt, re.M))
        answer = realistic_answer(schema, prompt)  # texts name the leaf the prompt explained under that key
        texts = {k for k, v in schema["properties"].items() if v.get("$ref") == "#/$defs/text"
                 or v.get("type") == ["string", "null"] and "enum" not in v}
        return {**answer, **{k: f"about {named[k]}" for k in texts}}

    p = generate_persona({"age": "34"}, country="KEN", seed=4, model=FakeChatModel(responder=respond),
                         embeddings=embeddings,
                         config=GenerationConfig(attributes=30, batch_size=12, numbered_keys=True))
    assert len(calls) == 3
    for keys, prompt in calls:
        assert keys == [f"a{n}" for n in range(1, len(keys) + 1)]
        assert all(len(re.findall(rf"^{k}: ", prompt, re.M)) == 1 for k in keys)
    texts = [a for a in p.sampled_attributes() if isinstance(a.value, str) and a.value.startswith("about ")]
    assert len(texts) >= 5 and all(a.value == f"about {a.path.split(' > ')[-1]}" for a in texts)


def test_the_fill_prompt_shows_a_topic_only_where_the_name_does_not_say_it(tree):
    from deeppersona_agents.generation.fill_attributes import names_topic

    by_name = {leaf.path[-1]: leaf for leaf in tree.leaves}
    assert names_topic(by_name["Attitude to Grooming Costs"])  # [Grooming Services and Spending]
    assert not names_topic(by_name["Takes Commissions"])  # [Turning Hobbies Into Income] is shown


def test_the_cli_batch_size_defaults_are_the_configs():
    import inspect

    from deeppersona_agents import GenerationConfig
    from deeppersona_agents.cli.generate import generate
    from deeppersona_agents.cli.population import SHARED_OPTIONS

    default = GenerationConfig.model_fields["batch_size"].default
    assert inspect.signature(generate).parameters["batch_size"].default == default
    assert SHARED_OPTIONS["batch_size"][1] == default


def test_fill_keys_are_numbered_for_remote_models_and_names_for_local_decoders():
    from langchain_openai import ChatOpenAI

    from deeppersona_agents import GenerationConfig
    from deeppersona_agents.generation.fill_attributes import numbered_keys
    from tests.fakes import FakeChatModel

    remote = ChatOpenAI(model="x", api_key="not-needed", base_url="http://127.0.0.1:9/v1")
    assert numbered_keys(GenerationConfig(), remote) is True
    assert numbered_keys(GenerationConfig(), FakeChatModel()) is False  # the embedded model's kind
    assert numbered_keys(GenerationConfig(numbered_keys=True), FakeChatModel()) is True
    assert numbered_keys(GenerationConfig(numbered_keys=False), remote) is False


def test_named_fill_keys_are_the_attribute_names(embeddings):
    from deeppersona_agents import GenerationConfig, generate_persona
    from tests.fakes import FakeChatModel

    seen = []

    def respond(schema: dict, prompt: str) -> None:
        if schema.get("title") == "AttributeValues":
            seen.append((list(schema["properties"]), prompt))

    p = generate_persona({"age": "34"}, country="KEN", seed=4, model=FakeChatModel(responder=respond),
                         embeddings=embeddings, config=GenerationConfig(attributes=10))
    keys, prompt = seen[0]
    assert sorted(keys) == sorted(a.path.split(" > ")[-1] for a in p.sampled_attributes())
    assert all(re.search(rf"^- {re.escape(k)}\b", prompt, re.M) for k in keys)
