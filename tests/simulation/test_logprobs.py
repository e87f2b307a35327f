"""Answer distributions from token log-probabilities (endpoints that return them)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from deeppersona_agents import GenerationConfig, generate_persona
from deeppersona_agents.comparison.compare import compare_answers
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.simulation import load_instrument
from deeppersona_agents.simulation.asking import option_probabilities
from deeppersona_agents.simulation.survey import SurveyModel
from tests.fakes import FakeChatModel


def _alt(token: str, p: float) -> dict[str, Any]:
    return {"token": token, "logprob": math.log(p), "bytes": list(token.encode())}


#: The first answer token's alternatives as an OpenAI-compatible server reports them: a valid code
#: with leading space, an off-scale number and a word mixed in.
TOP = [_alt("2", 0.5), _alt(" 1", 0.2), _alt("9", 0.1), _alt("Very", 0.1), _alt("4", 0.1)]


class LogprobFake(FakeChatModel):
    """Answers with a number and OpenAI-format log-probabilities when asked for them."""

    seen: list[dict[str, Any]] = []

    def _generate(self, messages: list, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        self.seen.append(kwargs)
        meta = {"logprobs": {"content": [_alt(" ", 0.99) | {"top_logprobs": [_alt(" ", 0.99)]},
                                         _alt("2", 0.5) | {"top_logprobs": TOP}]}} if kwargs.get("logprobs") else {}
        message = AIMessage(content=" 2", response_metadata=meta,
                            usage_metadata={"input_tokens": 50, "output_tokens": 1, "total_tokens": 51})
        return ChatResult(generations=[ChatGeneration(message=message)])


@pytest.fixture(scope="module")
def personas(embeddings):
    return [generate_persona(country="IND", seed=s, model=FakeChatModel(), embeddings=embeddings,
                             config=GenerationConfig(attributes=10)) for s in range(3)]


def test_option_probabilities_keep_valid_codes_only():
    item = load_instrument("wvs7").item("Q46")  # codes 1-4
    first = _alt("2", 0.5) | {"top_logprobs": TOP}
    message = AIMessage(content="2", response_metadata={"logprobs": {"content": [first]}})
    probs = option_probabilities(message, item)
    assert probs is not None and list(probs) == [1, 2, 4]
    assert probs[2] == pytest.approx(0.5 / 0.8) and probs[1] == pytest.approx(0.2 / 0.8)
    assert sum(probs.values()) == pytest.approx(1.0)
    words = AIMessage(content="x", response_metadata={"logprobs": {"content": [_alt("Very", 1.0) | {"top_logprobs": [
        _alt("Very", 0.9), _alt("Quite", 0.1)]}]}})
    assert option_probabilities(words, item) is None
    with pytest.raises(ConfigError, match="log-probabilities"):
        option_probabilities(AIMessage(content="2"), item)


def test_survey_records_each_answer_distribution_as_weighted_rows(personas):
    model = LogprobFake()
    sim = SurveyModel(personas, model, items=["Q46", "Q57"], logprobs=True, concurrency=2)
    sim.step()
    assert all(k.get("logprobs") is True and k.get("top_logprobs", 0) >= 5 for k in model.seen)
    rows = pd.DataFrame(sim.rows)
    per_answer = rows.groupby(["persona_id", "item"])["weight"].sum()
    assert len(per_answer) == 6 and per_answer.to_numpy() == pytest.approx(1.0)
    q46 = rows[rows["item"] == "Q46"]
    assert set(q46["answer"]) == {1, 2, 4}
    q57 = rows[rows["item"] == "Q57"]  # binary item: only codes 1 and 2 survive
    assert set(q57["answer"]) == {1, 2}
    assert q57.groupby("answer")["weight"].mean().to_dict() == pytest.approx({1: 0.2 / 0.7, 2: 0.5 / 0.7})
    agent = sim.agents.to_list()[0]
    assert agent.answers["Q46"] == [2] and agent.distributions["Q46"][2] == pytest.approx(0.625)
    assert sim.usage.llm_calls == 6

    reference = pd.DataFrame({"country": "IND", "item": "Q46", "value": [1, 2, 3, 4],
                              "share": [0.25, 0.625, 0.0, 0.125], "n_valid": 100})
    metrics = compare_answers(rows.assign(method="deep"), reference, n_boot=20)
    # simulated shares are the mean distribution (0.25, 0.625, 0, 0.125): identical to the reference
    assert metrics.iloc[0]["js_divergence"] == pytest.approx(0.0, abs=1e-9)
    assert metrics.iloc[0]["ks"] == pytest.approx(0.0, abs=1e-9)


def test_logprobs_need_a_backend_that_returns_them(personas):
    sim = SurveyModel(personas[:1], FakeChatModel(), items=["Q46"], logprobs=True)
    with pytest.raises(ConfigError, match="log-probabilities"):
        sim.step()
    with pytest.raises(ConfigError, match="samples"):
        SurveyModel(personas[:1], LogprobFake(), items=["Q46"], logprobs=True, samples=3)
