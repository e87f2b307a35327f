"""Honest counting: what the manifests and reports call model calls is what the endpoint saw."""

from __future__ import annotations

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.globals import set_llm_cache

from deeppersona_agents import GenerationConfig, generate_persona
from deeppersona_agents.errors import ModelError
from deeppersona_agents.llm import redact, resolve_chat_model
from deeppersona_agents.quality.qa import run_qa
from deeppersona_agents.quality.rubric import REQUESTS
from deeppersona_agents.quality.sources import EvalPersona
from deeppersona_agents.structured import ask_structured
from deeppersona_agents.usage import Usage
from tests.fakes import FakeChatModel
from tests.openai_stub import Reply, StubEndpoint

ANSWER = {"title": "A", "type": "object", "required": ["answer"], "properties": {"answer": {"type": "integer"}}}


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch):
    monkeypatch.setattr("deeppersona_agents.usage.TRANSIENT_BACKOFF", 0.001)


def every(period: int, reply: Reply):
    """Every ``period``-th request gets ``reply``."""
    return lambda n, body, text: reply if n % period == 0 else None


def test_chat_openai_makes_no_hidden_attempts():
    assert resolve_chat_model("m", base_url="http://127.0.0.1:1/v1").max_retries == 0


@pytest.mark.parametrize("status", [500, 429])
def test_a_persona_counts_every_attempt_the_endpoint_saw(status, embeddings):
    faults = {2, 3, 5}  # failed HTTP attempts, then cut replies, all retried

    def script(n, body, text):
        if n in faults:
            return Reply(status=status)
        return Reply(text=text[: len(text) // 2]) if n in (7, 9) else None

    with StubEndpoint(script) as stub:
        model = resolve_chat_model("m", base_url=stub.url)
        persona = generate_persona({"age": "30"}, country="KEN", seed=1, model=model, embeddings=embeddings,
                                   config=GenerationConfig(attributes=10, review=False))
        assert persona.manifest.llm_calls == len(stub.requests) == 6 + 3 + 2  # 6 stage calls, 3 errors, 2 cut
        assert persona.manifest.calls_cached == 0


def test_qa_report_counts_what_the_endpoint_saw():
    personas = [EvalPersona(f"p{i}", "deep", [("A > b", "c")], "A nurse.") for i in range(2)]
    with StubEndpoint(every(4, Reply(status=500))) as stub:
        model = resolve_chat_model("m", base_url=stub.url)
        result = run_qa(personas, model, model, requests=REQUESTS[:3], concurrency=1, progress=False)
        assert result.model_calls == len(stub.requests) > 2 * 2 * 3
        assert stub.statuses.count(500) == len(stub.requests) // 4


def test_cache_hits_are_counted_apart(embeddings):
    set_llm_cache(InMemoryCache())
    try:
        config = GenerationConfig(attributes=10)
        first = generate_persona(country="KEN", seed=4, model=FakeChatModel(), embeddings=embeddings, config=config)
        again = FakeChatModel()
        second = generate_persona(country="KEN", seed=4, model=again, embeddings=embeddings, config=config)
    finally:
        set_llm_cache(None)
    assert first.manifest.llm_calls == 6 and first.manifest.calls_cached == 0
    assert again.calls == 0 and second.manifest.llm_calls == 0 and second.manifest.calls_cached == 6


@pytest.mark.parametrize(("status", "needle"), [(400, "rejected the request"), (403, "refused access"),
                                                 (429, "429 after retries"), (401, "API key")])
def test_permanent_errors_become_model_errors(status, needle):
    with StubEndpoint(lambda n, body, text: Reply(status=status)) as stub:
        usage = Usage()
        with pytest.raises(ModelError, match=needle):
            ask_structured(resolve_chat_model("m", base_url=stub.url), ANSWER, [("user", "hi")], stage="t",
                           usage=usage)
        assert usage.llm_calls == len(stub.requests) == (3 if status == 429 else 1)  # only 429 is worth a retry


@pytest.mark.parametrize(("text", "clean"), [
    ("http://user:sk-123@host:8000/v1", "http://***@host:8000/v1"),
    ("https://api.example.com/v1?api_key=abc&model=x", "https://api.example.com/v1?api_key=***&model=x"),
    ("failed: POST https://h/v1/chat?token=t0k#x", "failed: POST https://h/v1/chat?token=***#x"),
    ("http://localhost:8000/v1", "http://localhost:8000/v1"),
])
def test_redact_removes_credentials_from_urls(text, clean):
    assert redact(text) == clean
    assert redact({"base_url": text, "kwargs": {"urls": [text]}}) == {"base_url": clean, "kwargs": {"urls": [clean]}}


def test_a_persistent_rate_limit_costs_one_answer_not_the_survey_or_the_qa_run(embeddings):
    from deeppersona_agents.simulation.survey import SurveyModel

    persona = generate_persona(country="KEN", seed=2, model=FakeChatModel(), embeddings=embeddings,
                               config=GenerationConfig(attributes=5))
    with StubEndpoint(lambda n, body, text: Reply(status=429)) as stub:
        model = resolve_chat_model("m", base_url=stub.url)
        sim = SurveyModel([persona], model, items=["Q46", "Q57"], concurrency=1, rng=0)
        sim.step()
        assert [r["answer"] for r in sim.rows] == [None, None]  # missing, never invented
        assert sim.usage.llm_calls == len(stub.requests) == 2 * 3  # each answer: one try and two retries
        people = [EvalPersona("p", "deep", [("A > b", "c")], "A nurse.")]
        result = run_qa(people, model, model, requests=REQUESTS[:2], concurrency=1, progress=False)
        assert result.failed == 2 and all("429" in r["error"] for r in result.rows)
