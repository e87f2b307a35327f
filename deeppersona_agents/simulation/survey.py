"""Mesa agents that answer survey items: ``PersonaAgent`` holds a persona, ``SurveyModel`` runs waves.

One ``step()`` is one survey wave: every agent answers every selected item (``samples`` times).
LLM calls are batched across agents with one concurrency cap; answers are constrained to the item's
valid codes, retried when invalid, then recorded as missing (``None``) — never invented.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from deeppersona_agents.errors import ConfigError, EndpointRateLimitError, StructuredOutputError
from deeppersona_agents.persona import Persona
from deeppersona_agents.seeding import derive_seed
from deeppersona_agents.simulation.instruments import Instrument, Item, load_instrument, parse_answer
from deeppersona_agents.simulation.respondents import METHODS, describe, nationality
from deeppersona_agents.structured import Usage, ask_structured
from deeppersona_agents.usage import invoke_counted


def answer_schema(item: Item) -> dict[str, Any]:
    """JSON schema of one answer: exactly one of the item's valid codes."""
    return {"title": "SurveyAnswer", "type": "object", "additionalProperties": False, "required": ["answer"],
            "properties": {"answer": {"type": "integer", "enum": item.codes}}}


def _invalid(reply: dict[str, Any], item: Item) -> list[str]:
    if parse_answer(reply.get("answer"), item) is None:
        return [f"answer must be exactly one of {item.codes}"]
    return []


#: Alternatives asked for per answer token when reading the option distribution.
TOP_LOGPROBS = 20


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
            "(OpenAI, vLLM, llama.cpp server) or answer by sampling (drop --logprobs, use --samples)"
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


def with_seed(model: BaseChatModel, seed: int) -> BaseChatModel:
    """A copy of ``model`` sampling with ``seed`` (models without a seed setting are returned as is)."""
    return model.model_copy(update={"seed": seed}) if "seed" in type(model).model_fields else model


@dataclass(frozen=True)
class Question:
    """One call: who asks what, which sample."""

    agent: PersonaAgent
    item: Item
    sample: int


class PersonaAgent(mesa.Agent):
    """A survey respondent initialised from a persona."""

    def __init__(self, model: SurveyModel, persona: Persona, method: str = "deep", depth: int | None = None) -> None:
        super().__init__(model)
        self.persona = persona
        self.method = method
        self.depth = depth
        self.answers: dict[str, list[int | None]] = {}
        #: With ``logprobs``: the answer distribution per item (code -> probability).
        self.distributions: dict[str, dict[int, float]] = {}
        self._who: tuple[Persona, str] | None = None

    def description(self) -> str:
        """Who the respondent is, as put before each item (rendered once per persona)."""
        if self._who is None or self._who[0] is not self.persona:
            self._who = (self.persona, describe(self.persona, self.method, self.depth))
        return self._who[1]

    def messages(self, item: Item, instrument: Instrument) -> list[Any]:
        """The prompt for one item."""
        system = f"{self.description()}\n\n{instrument.instructions}".strip()
        return [SystemMessage(system), HumanMessage(item.prompt(nationality(self.persona.core.country)))]


class SurveyModel(mesa.Model):
    """A population of persona agents answering an instrument, one wave per step.

    Args:
        personas: The respondents.
        chat_model: Any LangChain chat model (the embedded model by default, via ``llm.py``).
        instrument: ``"wvs7"``, ``"ipip50"`` or a loaded :class:`Instrument`.
        items: Item codes to ask (default: all).
        method: ``deep``, ``cultural``, ``shallow``, ``oneliner`` or ``bare``.
        depth: For ``deep``, attributes shown to the respondent (None = all).
        samples: Answers drawn per persona and item.
        concurrency: At most this many LLM calls in flight.
        structured_method: ``json_schema``, ``function_calling`` or ``json_mode``.
        attempts: Tries per answer before it is recorded as missing.
        logprobs: Record each persona-item's probability over the valid codes (read from the
            backend's token log-probabilities) instead of one sampled answer; answers.csv then
            has one row per code with that probability as ``weight``.
        rng: What Mesa accepts: an int seed, a ``numpy.random.Generator`` or None (a fresh seed, drawn
            from ``model.rng`` and kept in ``model.seed``). Per-call sampling seeds derive from ``model.seed``.
    """

    def __init__(
        self,
        personas: Sequence[Persona],
        chat_model: BaseChatModel | None = None,
        *,
        instrument: str | Instrument = "wvs7",
        items: Sequence[str] | None = None,
        method: str = "deep",
        depth: int | None = None,
        samples: int = 1,
        concurrency: int = 8,
        structured_method: str = "json_schema",
        attempts: int = 2,
        logprobs: bool = False,
        rng: int | np.random.Generator | None = 0,
    ) -> None:
        super().__init__(rng=rng)
        from deeppersona_agents.llm import resolve_chat_model

        if method not in METHODS:
            raise ConfigError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
        self.chat_model = resolve_chat_model(chat_model)
        self.instrument = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
        self.items = self.instrument.select(list(items) if items else None)
        self.method, self.samples, self.concurrency = method, samples, concurrency
        self.structured_method, self.attempts = structured_method, attempts
        from deeppersona_agents.embedded import EmbeddedChatModel

        if logprobs and samples > 1:
            raise ConfigError("logprobs gives each persona's whole answer distribution; drop samples (or logprobs)")
        if logprobs and isinstance(self.chat_model, EmbeddedChatModel):
            raise ConfigError("the embedded model does not return token log-probabilities; use an endpoint that "
                              "does (--model/--base-url) or answer by sampling (--samples)")
        self.logprobs = logprobs
        self._logprob_model = (self.chat_model.bind(logprobs=True, top_logprobs=TOP_LOGPROBS, max_tokens=4)
                               if logprobs else None)
        self.seed = int(rng) if isinstance(rng, int) else int(self.rng.integers(2**32))
        self.usage = Usage()
        self.rows: list[dict[str, Any]] = []
        for persona in personas:
            PersonaAgent(self, persona, method, depth)
        self.datacollector = mesa.DataCollector(
            model_reporters={"answered": lambda m: sum(r["answer"] is not None for r in m.rows),
                             "missing": lambda m: sum(r["answer"] is None for r in m.rows)},
            agent_reporters={"answers": lambda a: {k: list(v) for k, v in a.answers.items()}},
        )

    def _questions(self) -> list[Question]:
        return [Question(agent, item, s) for agent in self.agents.to_list() for item in self.items
                for s in range(self.samples)]

    def _call_seed(self, q: Question) -> int:
        return derive_seed(self.seed, self.steps, q.agent.persona.id, q.item.code, q.sample)

    def _ask_distribution(self, q: Question) -> tuple[Question, dict[int, float] | None, Usage]:
        assert self._logprob_model is not None
        usage = Usage()
        for _ in range(self.attempts):
            message = invoke_counted(self._logprob_model, q.agent.messages(q.item, self.instrument), usage=usage)
            probabilities = option_probabilities(message, q.item)
            if probabilities:
                return q, probabilities, usage
        return q, None, usage

    def _ask(self, q: Question) -> tuple[Question, Any, Usage]:
        if self.logprobs:
            return self._ask_distribution(q)
        usage = Usage()
        model = with_seed(self.chat_model, self._call_seed(q)) if self.samples > 1 else self.chat_model
        try:
            reply = ask_structured(model, answer_schema(q.item), q.agent.messages(q.item, self.instrument),
                                   stage="survey", method=self.structured_method, attempts=self.attempts,
                                   check=lambda r: _invalid(r, q.item), usage=usage)
            return q, parse_answer(reply.get("answer"), q.item), usage
        except (StructuredOutputError, EndpointRateLimitError):  # recorded as missing, never invented
            return q, None, usage

    def _row(self, q: Question, answer: int | None, **weight: float) -> dict[str, Any]:
        return {"persona_id": q.agent.persona.id, "country": q.agent.persona.core.country, "item": q.item.code,
                "answer": answer, "method": self.method, "sample": q.sample, "wave": self.steps, **weight}

    def _record(self, results: list[tuple[Question, Any, Usage]]) -> None:
        for q, answer, usage in results:
            self.usage += usage
            if isinstance(answer, dict):  # a distribution: one weighted row per code
                q.agent.distributions[q.item.code] = answer
                q.agent.answers.setdefault(q.item.code, []).append(max(answer, key=answer.__getitem__))
                self.rows.extend(self._row(q, code, weight=p) for code, p in answer.items())
                continue
            q.agent.answers.setdefault(q.item.code, []).append(answer)
            self.rows.append(self._row(q, answer, weight=1.0) if self.logprobs else self._row(q, answer))
        self.datacollector.collect(self)

    def step(self) -> None:
        """One survey wave (threads; safe inside Jupyter, no event loop needed)."""
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            results = list(pool.map(self._ask, self._questions()))
        self._record(results)

    async def astep(self) -> None:
        """One survey wave from async code (notebooks): ``await model.astep()``."""
        self.steps += 1  # as Mesa's wrapped step() does before running the user's step
        self.time += 1
        gate = asyncio.Semaphore(self.concurrency)

        async def one(q: Question) -> tuple[Question, Any, Usage]:
            async with gate:
                return await asyncio.to_thread(self._ask, q)

        results = await asyncio.gather(*(one(q) for q in self._questions()))
        self._record(list(results))
