"""The persistent response cache against a real HTTP endpoint: what it reuses, what it must not."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from deeppersona_agents import GenerationConfig, generate_persona
from deeppersona_agents.embedded import EmbeddedChatModel
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.llm import resolve_chat_model
from deeppersona_agents.response_cache import ResponseCache, seeded, with_cache
from deeppersona_agents.simulation.asking import with_seed
from deeppersona_agents.simulation.run import run_survey
from deeppersona_agents.structured import ask_structured
from deeppersona_agents.usage import Usage
from tests.openai_stub import StubEndpoint


class Colour(BaseModel):
    colour: str


class Number(BaseModel):
    number: int


@pytest.fixture
def stub():
    with StubEndpoint() as endpoint:
        yield endpoint


def _persona(url, embeddings, cache, seed=2):
    return generate_persona({"age": "45"}, country="MEX", seed=seed, model=resolve_chat_model("stub", base_url=url),
                            embeddings=embeddings, config=GenerationConfig(attributes=30), cache=cache)


def test_a_rerun_with_the_cache_makes_no_request_and_gives_the_same_persona(stub, embeddings, tmp_path):
    first = _persona(stub.url, embeddings, tmp_path / "cache.sqlite")
    sent = len(stub.requests)
    assert sent == first.manifest.llm_calls > 0 and first.manifest.calls_cached == 0
    again = _persona(stub.url, embeddings, tmp_path / "cache.sqlite")
    assert len(stub.requests) == sent  # nothing billed the second time
    assert again.manifest.llm_calls == 0 and again.manifest.calls_cached == sent
    assert again.model_dump(exclude={"manifest", "id", "created_at"}) == first.model_dump(
        exclude={"manifest", "id", "created_at"})


def test_another_seed_misses_the_cache(stub, embeddings, tmp_path):
    _persona(stub.url, embeddings, tmp_path / "cache.sqlite", seed=2)
    sent = len(stub.requests)
    other = _persona(stub.url, embeddings, tmp_path / "cache.sqlite", seed=3)
    assert other.manifest.calls_cached == 0 and len(stub.requests) == sent + other.manifest.llm_calls


def _ask(model, schema, text="Pick one."):
    usage = Usage()
    ask_structured(model, schema, [HumanMessage(text)], stage="test", usage=usage)
    return usage


def test_the_key_covers_prompt_schema_model_and_seed(stub, tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    model = with_cache(resolve_chat_model("stub", base_url=stub.url), cache)
    assert _ask(model, Colour).llm_calls == 1
    assert _ask(model, Colour).calls_cached == 1  # same everything: a hit
    assert _ask(model, Number).llm_calls == 1  # another schema
    assert _ask(model, Colour, "Pick another.").llm_calls == 1  # another prompt
    other_model = with_cache(resolve_chat_model("stub-2", base_url=stub.url), cache)
    assert _ask(other_model, Colour).llm_calls == 1  # another model
    assert _ask(with_seed(model, 9), Colour).llm_calls == 1  # another sampling seed (a survey's samples)
    with seeded(5):
        assert _ask(model, Colour).llm_calls == 1  # another run seed
        assert _ask(model, Colour).calls_cached == 1
    assert _ask(model, Colour).calls_cached == 1 and len(stub.requests) == 6


def test_the_embedded_model_key_holds_its_settings():
    base = EmbeddedChatModel()
    keys = {m._get_llm_string() for m in (base, base.model_copy(update={"seed": 1}),
                                          base.model_copy(update={"temperature": 0.1}),
                                          base.model_copy(update={"model_path": "/other.gguf"}))}
    assert len(keys) == 4


def test_the_cache_survives_a_new_process_object(stub, tmp_path):
    model = resolve_chat_model("stub", base_url=stub.url)
    _ask(with_cache(model, tmp_path / "c.sqlite"), Colour)
    assert len(ResponseCache(tmp_path / "c.sqlite")) == 1
    assert _ask(with_cache(model, tmp_path / "c.sqlite"), Colour).calls_cached == 1


def test_an_unusable_cache_path_says_how_to_fix_it(tmp_path):
    (tmp_path / "dir").mkdir()
    with pytest.raises(ConfigError, match="writable file path") as info:
        ResponseCache(tmp_path / "dir")
    assert info.value.param == "cache"


def test_every_call_of_a_persona_is_keyed_with_its_seed(stub, embeddings, tmp_path, monkeypatch):
    from deeppersona_agents import response_cache

    seen: list[str] = []
    key = response_cache.ResponseCache._key

    def spy(self, prompt, llm_string):
        seen.append(response_cache._SEED.get())
        return key(self, prompt, llm_string)

    monkeypatch.setattr(response_cache.ResponseCache, "_key", spy)
    _persona(stub.url, embeddings, tmp_path / "cache.sqlite", seed=7)
    assert seen and set(seen) == {"7"}  # graph nodes run in other threads: the seed travels with the context


def test_a_survey_rerun_with_the_cache_bills_nothing_and_samples_stay_apart(stub, embeddings, tmp_path):
    from tests.fakes import FakeChatModel

    people = [generate_persona(country="IND", seed=s, model=FakeChatModel(), embeddings=embeddings,
                               config=GenerationConfig(attributes=8)) for s in range(2)]
    model = resolve_chat_model("stub", base_url=stub.url)
    options = {"items": ["Q1", "Q2", "Q57"], "samples": 2, "rng": 4, "embeddings": embeddings, "progress": False,
               "model_name": "stub", "cache": tmp_path / "replies.sqlite"}
    first = run_survey(people, model, out=tmp_path / "a", **options)
    assert first.calls_cached == 0 and first.llm_calls == len(stub.requests) == 2 * 3 * 2  # samples never share
    second = run_survey(people, model, out=tmp_path / "b", **options)
    assert second.llm_calls == 0 and second.calls_cached == first.llm_calls and len(stub.requests) == 12
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())["summary"]
    assert manifest["calls_billed_this_run"] == 0 and manifest["calls_cached_this_run"] == 12
    assert first.answers.equals(second.answers)
