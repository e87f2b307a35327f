"""Strict structured parsing: cut-off or incomplete JSON is never an answer, for every method and backend."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from pydantic import BaseModel, Field

from deeppersona_agents import EmbeddedChatModel, GenerationConfig, generate_persona
from deeppersona_agents.errors import StructuredOutputError
from deeppersona_agents.llm import resolve_chat_model
from deeppersona_agents.simulation.survey import SurveyModel
from deeppersona_agents.structured import Usage, ask_structured, reply_problem
from tests.fakes import FakeChatModel
from tests.openai_stub import Reply, StubEndpoint

METHODS = ["json_schema", "json_mode", "function_calling"]
ANSWER = {"title": "SurveyAnswer", "type": "object", "additionalProperties": False, "required": ["answer"],
          "properties": {"answer": {"type": "integer", "enum": [1, 2, 3, 4]}}}
#: A reply cut in the middle, with an ordinary stop reason: LangChain's lenient parser reads {"answer": 1}.
CUT = Reply(text='{"answer": 1', finish_reason="stop")
#: A complete object, but the server says it stopped at the token limit.
LENGTH = Reply(text='{"answer": 1}', finish_reason="length")


class Answer(BaseModel):
    answer: int = Field(ge=1, le=4)


def faulty_first(fault: Reply, bad: int = 1):
    """The first ``bad`` requests get ``fault``; later ones a good answer (2)."""
    return lambda n, body, text: fault if n <= bad else Reply(text='{"answer": 2}')


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fault", [CUT, LENGTH], ids=["cut-json", "finish-length"])
@pytest.mark.parametrize("schema", [ANSWER, Answer], ids=["dict", "pydantic"])
def test_an_invalid_reply_is_retried_never_taken(method, fault, schema):
    with StubEndpoint(faulty_first(fault)) as stub:
        model = resolve_chat_model("stub", base_url=stub.url)
        usage = Usage()
        reply = ask_structured(model, schema, [("user", "How much do you trust people? 1-4")], stage="t",
                               structured_method=method, attempts=3, usage=usage)
        answer = reply["answer"] if isinstance(reply, dict) else reply.answer
        assert answer == 2  # the second, complete reply; never the 1 of the broken one
        assert len(stub.requests) == 2


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fault", [CUT, LENGTH], ids=["cut-json", "finish-length"])
def test_a_reply_that_stays_invalid_fails_after_the_attempts(method, fault):
    with StubEndpoint(faulty_first(fault, bad=99)) as stub:
        model = resolve_chat_model("stub", base_url=stub.url)
        with pytest.raises(StructuredOutputError, match="cut off|complete JSON|not valid JSON|Error"):
            ask_structured(model, ANSWER, [("user", "Pick 1-4")], stage="t", structured_method=method, attempts=3)
        assert len(stub.requests) == 3


@pytest.mark.parametrize("method", METHODS)
def test_survey_records_missing_not_the_truncated_answer(method, embeddings):
    persona = generate_persona({"age": "40"}, country="KEN", seed=1, model=FakeChatModel(), embeddings=embeddings,
                               config=GenerationConfig(attributes=10))
    with StubEndpoint(lambda n, body, text: CUT if n % 2 else LENGTH) as stub:
        sim = SurveyModel([persona], resolve_chat_model("stub", base_url=stub.url), items=["Q46", "Q57"],
                          structured_method=method, attempts=2, concurrency=1, rng=0)
        sim.step()
        assert [r["answer"] for r in sim.rows] == [None, None]
        assert len(stub.requests) == 4


class _Llama:
    """Stands in for llama_cpp.Llama: replies with a fixed text and stop reason."""

    def __init__(self, text: str, finish_reason: str) -> None:
        self.text, self.finish_reason, self.calls = text, finish_reason, 0

    def create_chat_completion(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        return {"choices": [{"message": {"content": self.text}, "finish_reason": self.finish_reason}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}}


@pytest.mark.parametrize(("text", "finish_reason"), [('{"answer": 1', "stop"), ('{"answer": 1}', "length")])
def test_embedded_model_refuses_cut_replies(text, finish_reason):
    model = EmbeddedChatModel()
    model._llama = _Llama(text, finish_reason)
    with pytest.raises(StructuredOutputError):
        ask_structured(model, ANSWER, [("user", "Pick 1-4")], stage="t", attempts=2)
    assert model._llama.calls == 2
    model._llama = _Llama('{"answer": 3}', "stop")
    assert ask_structured(model, ANSWER, [("user", "Pick 1-4")], stage="t")["answer"] == 3


@pytest.mark.parametrize(("message", "ok"), [
    (AIMessage('{"a": 1}'), True),
    (AIMessage('```json\n{"a": 1}\n```'), True),
    (AIMessage('{"a": 1'), False),
    (AIMessage('{"a": 1} and more'), False),
    (AIMessage("[1, 2]"), False),
    (AIMessage('{"a": 1}', response_metadata={"finish_reason": "length"}), False),
    (AIMessage('{"a": 1}', response_metadata={"stop_reason": "max_tokens"}), False),
    (AIMessage("", additional_kwargs={"tool_calls": [{"function": {"name": "f", "arguments": '{"a": 1'}}]}), False),
    (AIMessage("", additional_kwargs={"tool_calls": [{"function": {"name": "f", "arguments": json.dumps({"a": 1})}}]}),
     True),
])
def test_reply_problem_reads_the_raw_message(message, ok):
    assert (reply_problem(message) is None) is ok
