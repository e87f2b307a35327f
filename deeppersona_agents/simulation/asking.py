"""One model call of a survey: a respondent's prompt in, valid answer codes (or reasons) out.

Sits under the Mesa model (``survey.py``): a :class:`Call` asks one item (``item`` mode) or a block
of items in one turn (``questionnaire`` mode, one schema holding every answer). Answers are
constrained to each item's valid codes and retried when invalid; an answer that stays invalid, or
a call the endpoint refuses, is recorded as missing with its reason — never invented. Runs in
worker threads: nothing here touches the Mesa model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable

from deeppersona_agents.errors import ConfigError, DeepPersonaError, StructuredOutputError
from deeppersona_agents.llm import model_with, redact
from deeppersona_agents.simulation.instruments import Item, parse_answer
from deeppersona_agents.structured import Usage, ask_structured
from deeppersona_agents.usage import invoke_counted

#: Alternatives asked for per answer token when reading the option distribution.
TOP_LOGPROBS = 20


def answer_schema(item: Item) -> dict[str, Any]:
    """JSON schema of one answer: exactly one of the item's valid codes."""
    return {"title": "SurveyAnswer", "type": "object", "additionalProperties": False, "required": ["answer"],
            "properties": {"answer": {"type": "integer", "enum": item.codes}}}


def block_schema(items: Sequence[Item]) -> dict[str, Any]:
    """JSON schema of a questionnaire block: one valid code per item, keyed by item code."""
    return {"title": "SurveyAnswers", "type": "object", "additionalProperties": False,
            "required": [it.code for it in items],
            "properties": {it.code: {"type": "integer", "enum": it.codes} for it in items}}


@dataclass(frozen=True)
class Call:
    """One model call: who (persona), which items, which sample of which wave, and the prompt."""

    persona_id: str
    items: tuple[Item, ...]
    sample: int
    wave: int
    messages: list[BaseMessage]
    seed: int


@dataclass
class Outcome:
    """What one call gave: an answer (or None and a reason) per item code, distributions with logprobs."""

    call: Call
    answers: dict[str, int | None] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    distributions: dict[str, dict[int, float]] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)


def failure_reason(exc: BaseException) -> str:
    """A short reason for a missing answer: the endpoint's HTTP status, or the parse failure."""
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    text = redact(str(exc))[:300]
    if status:
        return f"HTTP {status}: {text}"
    if isinstance(exc, StructuredOutputError):
        return f"parse failure: {text}"
    if isinstance(exc, DeepPersonaError):
        return text
    return f"{type(exc).__name__}: {text}"


def with_seed(model: BaseChatModel, seed: int) -> BaseChatModel:
    """A copy of ``model`` sampling with ``seed`` (models without a seed setting are returned as is)."""
    return model_with(model, seed=seed) if "seed" in type(model).model_fields else model


def option_probabilities(message: Any, item: Item) -> dict[int, float] | None:
    """Per-code answer probabilities from the first answer token's top log-probabilities.

    Tokens that are not a valid code (words, off-scale numbers) are dropped and the rest
    renormalised. Codes up to 10 are single tokens for the GPT-4 and Llama-3 tokenizers, so the
    first token decides the answer. ``None`` when no valid code is among the alternatives.

    Raises:
        ConfigError: the reply carries no log-probabilities (the backend does not return them).
    """
    logprobs = (getattr(message, "response_metadata", None) or {}).get("logprobs")
    if not logprobs or not logprobs.get("content"):
        raise ConfigError(
            "the chat model returned no token log-probabilities; use an endpoint that returns them "
            "(OpenAI, vLLM, llama.cpp server) or answer by sampling (drop logprobs, use samples)",
            param=("logprobs", "samples"),
        )
    for entry in logprobs["content"]:
        if not str(entry.get("token", "")).strip():
            continue  # leading whitespace
        mass: dict[int, float] = {}
        for alt in entry.get("top_logprobs") or [entry]:
            token = str(alt.get("token", "")).strip()
            if token.isdigit() and int(token) in item.options:
                mass[int(token)] = mass.get(int(token), 0.0) + math.exp(float(alt["logprob"]))
        total = sum(mass.values())
        return {code: p / total for code, p in sorted(mass.items())} if total > 0 else None
    return None


def _problems(reply: dict[str, Any], items: Sequence[Item], single: bool) -> list[str]:
    if single:
        return [] if parse_answer(reply.get("answer"), items[0]) is not None else \
            [f"answer must be exactly one of {items[0].codes}"]
    return [f"{it.code} must be exactly one of {it.codes}" for it in items
            if parse_answer(reply.get(it.code), it) is None]


def ask(call: Call, model: BaseChatModel, *, structured_method: str = "json_schema", attempts: int = 2,
        reseed: bool = False) -> Outcome:
    """Ask ``call``'s items in one turn; every item gets an answer or a reason."""
    outcome = Outcome(call)
    single = len(call.items) == 1
    schema = answer_schema(call.items[0]) if single else block_schema(call.items)
    try:
        reply = ask_structured(with_seed(model, call.seed) if reseed else model, schema, call.messages,
                               stage="survey", structured_method=structured_method, attempts=attempts,
                               check=lambda r: _problems(r, call.items, single), usage=outcome.usage)
    except Exception as exc:  # recorded per answer; the run reports what most answers lacked
        reason = failure_reason(exc)
        for it in call.items:
            outcome.answers[it.code], outcome.reasons[it.code] = None, reason
        return outcome
    for it in call.items:
        outcome.answers[it.code] = parse_answer(reply.get("answer") if single else reply.get(it.code), it)
    return outcome


def ask_distribution(call: Call, model: Runnable[Any, Any], *, attempts: int = 2) -> Outcome:
    """Ask one item and read the answer distribution from token log-probabilities (``model`` bound for them)."""
    outcome = Outcome(call)
    item = call.items[0]
    for _ in range(attempts):
        try:
            message = invoke_counted(model, call.messages, usage=outcome.usage)
        except Exception as exc:  # the endpoint refused: recorded, like a sampled answer's failure
            outcome.answers[item.code], outcome.reasons[item.code] = None, failure_reason(exc)
            return outcome
        probabilities = option_probabilities(message, item)
        if probabilities:
            outcome.distributions[item.code] = probabilities
            outcome.answers[item.code] = max(probabilities, key=probabilities.__getitem__)
            return outcome
    outcome.answers[item.code], outcome.reasons[item.code] = None, "no valid code among the answer token's " \
        "log-probabilities"
    return outcome
