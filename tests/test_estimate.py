"""``--dry-run`` estimates: placeholders fit their schemas, counts match a real run, nothing is called."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field
from typer.testing import CliRunner

from deeppersona_agents import GenerationConfig, generate_persona
from deeppersona_agents.cli import app
from deeppersona_agents.dry_runs import persona_estimate, survey_estimate
from deeppersona_agents.estimate import CHARS_PER_TOKEN, Estimate, placeholder
from deeppersona_agents.generation.attitude import LifeAttitude
from deeppersona_agents.generation.hobbies import Hobbies
from deeppersona_agents.llm import resolve_chat_model
from deeppersona_agents.simulation.run import run_survey
from tests.fakes import FakeChatModel, realistic_answer
from tests.openai_stub import Reply, StubEndpoint, _prompt, requested_schema

ITEMS = ["Q1", "Q2", "Q3", "Q45", "Q57", "Q184"]


class Story(BaseModel):
    story: str = Field(min_length=40, description="one episode, 60-150 words")
    summary: str = Field(description="at most 250 words, third person")
    places: list[str] = Field(min_length=1, max_length=5)
    year: int = Field(ge=1990, le=2020)
    note: str | None = Field(max_length=100)


def test_placeholders_fit_their_schema_at_the_length_it_asks_for():
    value = Story.model_validate(placeholder(Story.model_json_schema()))
    assert len(value.story.split()) == 105 and len(value.summary.split()) == 200
    assert len(value.places) == 3 and len(set(value.places)) == 3 and 1990 <= value.year <= 2020
    assert value.note is not None and len(value.note) <= 50
    for schema in (LifeAttitude, Hobbies):
        schema.model_validate(placeholder(schema.model_json_schema()))


def test_cost_is_tokens_times_price_per_million():
    estimate = Estimate(10, 2_000_000, 500_000, "rule", "scope", price_in=0.5, price_out=2.0)
    assert estimate.cost == pytest.approx(2.0) and "$2.0000" in "\n".join(estimate.lines())
    assert Estimate(1, 1, 1, "rule", "scope").cost is None


def _stub_tokens(stub: StubEndpoint) -> tuple[int, int, int]:
    """Prompt and completion tokens as the stub reported them (len(text) // 4, the estimate's rule), and calls."""
    assert CHARS_PER_TOKEN == 4
    replies = [json.dumps(realistic_answer(requested_schema(body), _prompt(body))) for body in stub.requests]
    return (sum(len(_prompt(body)) // 4 for body in stub.requests), sum(len(text) // 4 for text in replies),
            len(stub.requests))


def _close(estimated: int, counted: int) -> bool:
    return abs(estimated - counted) <= 0.10 * counted


def test_a_persona_estimate_is_within_ten_percent_of_a_real_run(embeddings):
    config = GenerationConfig(attributes=200)
    estimate = persona_estimate("stub", config=config, seed=2, anchors={"age": "45"}, country="MEX")
    with StubEndpoint() as stub:
        persona = generate_persona({"age": "45"}, country="MEX", seed=2, embeddings=embeddings, config=config,
                                   model=resolve_chat_model("stub", base_url=stub.url))
    m = persona.manifest
    assert estimate.calls == m.llm_calls == len(stub.requests)
    assert _close(estimate.prompt_tokens, m.prompt_tokens), (estimate, m)
    assert _close(estimate.completion_tokens, m.completion_tokens), (estimate, m)
    assert "4 characters per token" in estimate.token_rule


@pytest.fixture(scope="module")
def people(embeddings):
    return [generate_persona(country="IND", seed=s, model=FakeChatModel(), embeddings=embeddings,
                             config=GenerationConfig(attributes=30)) for s in range(5)]


@pytest.mark.parametrize("options", [{"items": ITEMS, "samples": 2},
                                     {"instrument": "ipip50", "mode": "questionnaire"}])
def test_a_survey_estimate_is_within_ten_percent_of_a_real_run(people, embeddings, tmp_path, options):
    estimate = survey_estimate(people, "stub", rng=3, **options)
    assert "scaled from the first 3" in estimate.scope
    with StubEndpoint() as stub:
        run = run_survey(people, resolve_chat_model("stub", base_url=stub.url), out=tmp_path, model_name="stub",
                         embeddings=embeddings, progress=False, rng=3, **options)
    prompt, completion, calls = _stub_tokens(stub)
    assert estimate.calls == calls == run.llm_calls
    assert _close(estimate.prompt_tokens, prompt), (estimate, prompt)
    assert _close(estimate.completion_tokens, completion), (estimate, completion)


def test_the_embedded_tokenizer_counts_what_llama_cpp_counts():
    pytest.importorskip("llama_cpp")
    from deeppersona_agents.embedded import EmbeddedChatModel
    from deeppersona_agents.estimate import embedded_counter

    model, counter = EmbeddedChatModel(n_ctx=1024), embedded_counter()
    for messages in ([HumanMessage("Tell me about Nairobi in one line.")],
                     [SystemMessage("You answer as a nurse from Mombasa."), HumanMessage("What do you do on Sunday?")]):
        reply = model.invoke(messages, max_tokens=1)
        assert counter.count(counter.chat_format(messages)) == reply.usage_metadata["input_tokens"]


@pytest.fixture
def refusing():
    """An endpoint that fails every request: a dry run must never reach it."""
    with StubEndpoint(lambda n, body, text: Reply(status=500)) as stub:
        yield stub


def _dry(args: list[str]):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "dry run: nothing was sent" in result.output and "model calls:" in result.output
    return result.output


def test_generate_dry_run_calls_nothing_and_writes_nothing(refusing, tmp_path):
    out = _dry(["generate", "--country", "KEN", "--attributes", "20", "--model", "stub", "--base-url", refusing.url,
                "--out", str(tmp_path / "p.json"), "--dry-run", "--price-in", "1", "--price-out", "4"])
    assert refusing.requests == [] and list(tmp_path.iterdir()) == []
    assert "cost: $" in out and "4 characters per token" in out


def test_survey_and_qa_dry_runs_call_nothing(refusing, tmp_path, people):
    path = tmp_path / "people.jsonl"
    path.write_text("".join(p.model_dump_json() + "\n" for p in people))
    out = _dry(["survey", str(path), "--out", str(tmp_path / "run"), "--items", ",".join(ITEMS), "--model", "stub",
                "--base-url", refusing.url, "--dry-run"])
    assert "5 personas" in out
    out = _dry(["evaluate", "qa", str(path), "--out", str(tmp_path / "qa"), "--responder", "stub", "--evaluator",
                "judge", "--base-url", refusing.url, "--dry-run"])
    assert "responder and evaluator" in out
    assert refusing.requests == [] and sorted(p.name for p in tmp_path.iterdir()) == ["people.jsonl"]


def test_one_price_without_the_other_is_refused(tmp_path):
    result = CliRunner().invoke(app, ["generate", "--country", "KEN", "--dry-run", "--price-in", "1"])
    assert result.exit_code == 1 and "--price-out" in result.output


def test_population_dry_run_calls_nothing_and_creates_no_folder(refusing, tmp_path):
    out = _dry(["population", "--country", "KEN", "-n", "50", "--attributes", "20", "--model", "stub",
                "--base-url", refusing.url, "--out", str(tmp_path / "ke"), "--dry-run"])
    assert "50 personas, scaled from the first 3" in out
    assert refusing.requests == [] and list(tmp_path.iterdir()) == []


def test_schemas_sent_beside_the_prompt_are_counted_apart():
    def estimate(method):
        return persona_estimate("stub", config=GenerationConfig(attributes=30, structured_method=method), seed=1,
                                country="KEN")

    beside, inside = estimate("json_schema"), estimate("json_mode")
    assert beside.schema_tokens > 0 and inside.schema_tokens == 0
    assert "schemas:" in "\n".join(beside.lines()) and "schemas:" not in "\n".join(inside.lines())
    # json_mode carries each schema in the prompt (plus one sentence asking for it)
    assert abs(inside.prompt_tokens - (beside.prompt_tokens + beside.schema_tokens)) <= 0.05 * inside.prompt_tokens
