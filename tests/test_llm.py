"""Model resolution, and the ChatOpenAI path against a local OpenAI-compatible stub server."""

from __future__ import annotations

import pytest
from langchain_openai import ChatOpenAI

from deeppersona_agents import EmbeddedChatModel, GenerationConfig, MiniLMEmbeddings, generate_persona
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.llm import resolve_chat_model, resolve_embeddings, resolve_structured_method
from tests.openai_stub import StubEndpoint


def test_no_configuration_means_the_embedded_models():
    assert isinstance(resolve_chat_model(), EmbeddedChatModel)
    assert isinstance(resolve_embeddings(), MiniLMEmbeddings)
    assert resolve_structured_method() == "json_schema"


def test_environment_selects_chat_openai_on_the_endpoint(monkeypatch):
    monkeypatch.setenv("DEEPPERSONA_MODEL", "qwen2.5-7b-instruct")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    model = resolve_chat_model()
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "qwen2.5-7b-instruct" and model.openai_api_base == "http://127.0.0.1:8000/v1"


def test_model_name_without_endpoint_or_key_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="needs an endpoint"):
        resolve_chat_model("gpt-4.1-mini")


def test_unknown_structured_method_is_rejected(monkeypatch):
    monkeypatch.setenv("DEEPPERSONA_STRUCTURED_METHOD", "telepathy")
    with pytest.raises(ConfigError, match="telepathy"):
        resolve_structured_method()


@pytest.fixture
def stub():
    with StubEndpoint() as endpoint:
        yield endpoint


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_chat_openai_endpoint_generates_a_persona(stub, embeddings, method):
    model = resolve_chat_model("stub-model", base_url=stub.url)
    persona = generate_persona({"age": "45"}, country="MEX", seed=2, model=model, embeddings=embeddings,
                               config=GenerationConfig(attributes=30, structured_method=method))
    assert len(persona.sampled_attributes()) == 30 and persona.core.age == 45
    # 4 core stages, 1 fill, the review (on for remote models), one rewrite of what it flagged, summary
    assert persona.manifest.consistency.fixed >= 1
    assert persona.manifest.model == "stub-model" and persona.manifest.llm_calls == 8
    assert persona.manifest.prompt_tokens > 0
    sent = stub.requests
    assert len(sent) == 8 and all(r["model"] == "stub-model" for r in sent)
    if method == "json_schema":
        assert all(r["response_format"]["type"] == "json_schema" for r in sent)
    elif method == "json_mode":
        assert all(r["response_format"]["type"] == "json_object" for r in sent)
    else:
        assert all(r["tools"] for r in sent)
