"""Mesa agents that answer survey items: ``PersonaAgent`` holds a persona, ``SurveyModel`` runs waves.

One ``step()`` is one survey wave. The model schedules its agents with ``self.agents.do("step")``;
each agent's ``step()`` builds its prompts (in the model's thread, where attribute ranking and its
caches live) and submits its calls to the model's shared thread pool, so calls of all agents run
concurrently under one cap; the model gathers the results as they arrive, hands each answer to its
agent and to ``on_rows`` (the durable log of ``run.py``), and collects per-wave counts. Prompts are
built before any call, so the calls and their seeds do not depend on thread timing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any

import mesa
import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.persona import Persona
from deeppersona_agents.seeding import derive_seed
from deeppersona_agents.simulation.asking import TOP_LOGPROBS, Call, Outcome, ask, ask_distribution
from deeppersona_agents.simulation.instruments import Instrument, Item, load_instrument
from deeppersona_agents.simulation.respondents import (
    METHODS,
    Relevance,
    join_description,
    nationality,
    persona_block,
    question_details,
)
from deeppersona_agents.structured import Usage

MODES = ("item", "questionnaire")
#: (persona id, item code, sample, wave): one answer of a run.
Key = tuple[str, str, int, int]


class PersonaAgent(mesa.Agent):
    """A survey respondent initialised from a persona; ``step()`` answers the wave's items."""

    def __init__(self, model: SurveyModel, persona: Persona, method: str = "deep", depth: int | None = None) -> None:
        super().__init__(model)
        self.persona = persona
        self.method = method
        self.depth = depth
        self.answers: dict[str, list[int | None]] = {}
        #: With ``logprobs``: the answer distribution per item (code -> probability).
        self.distributions: dict[str, dict[int, float]] = {}
        self.pending: list[Future[Outcome]] = []
        self.wave_answered = self.wave_missing = 0
        self._block: str | None = None  # the persona block, the same for every item

    def messages(self, items: Sequence[Item], instrument: Instrument) -> list[BaseMessage]:
        """The prompt for one item or a questionnaire block: the respondent, then the question(s)."""
        model: SurveyModel = self.model  # type: ignore[assignment]
        texts = [it.text for it in items]
        if self._block is None:
            self._block = persona_block(self.persona, self.method)
        details = question_details(self.persona, self.method, texts, self.depth, model.relevance)
        system = join_description(self._block, details)
        people = nationality(self.persona.core.country)
        if len(items) == 1:
            question = f"{instrument.instructions}\n\n{items[0].prompt(people)}"
        else:
            asked = "\n\n".join(f"[{it.code}] {it.prompt(people)}" for it in items)
            question = (f"{instrument.instructions}\n\nAnswer each of the {len(items)} questions below. Reply with "
                        f"one JSON object mapping each question code in brackets to the number of your answer."
                        f"\n\n{asked}")
        return ([SystemMessage(system)] if system else []) + [HumanMessage(question)]

    def calls(self) -> list[Call]:
        """This wave's calls for the items not yet answered (``model.skip``), in questionnaire order."""
        model: SurveyModel = self.model  # type: ignore[assignment]
        pid, wave, out = self.persona.id, model.steps, []
        size = model.block_size if model.mode == "questionnaire" else 1
        for sample in range(model.samples):
            todo = [it for it in model.items if (pid, it.code, sample, wave) not in model.skip]
            for start in range(0, len(todo), size):
                block = tuple(todo[start:start + size])
                seed = derive_seed(model.seed, wave, pid, ",".join(it.code for it in block), sample)
                out.append(Call(pid, block, sample, wave, self.messages(block, model.instrument), seed))
        return out

    def step(self) -> None:
        """Submit this wave's calls to the model's shared executor (the model gathers the answers)."""
        model: SurveyModel = self.model  # type: ignore[assignment]
        self.wave_answered = self.wave_missing = 0
        self.pending = [model.submit(call) for call in self.calls()]

    def receive(self, outcome: Outcome) -> None:
        """Keep one call's answers."""
        for code, answer in outcome.answers.items():
            self.answers.setdefault(code, []).append(answer)
            self.wave_answered += answer is not None
            self.wave_missing += answer is None
        self.distributions.update(outcome.distributions)


class SurveyModel(mesa.Model):
    """A population of persona agents answering an instrument, one wave per step.

    Args:
        personas: The respondents.
        chat_model: Any LangChain chat model (the embedded model by default, via ``llm.py``).
        instrument: ``"wvs7"``, ``"ipip50"`` or a loaded :class:`Instrument`.
        items: Item codes to ask (default: all).
        method: ``deep``, ``cultural``, ``shallow``, ``oneliner`` or ``bare``.
        depth: For ``deep``, the sampled attributes most relevant to each item shown (None = all, 0 = none).
        embeddings: Rank attributes by similarity to the item (the embedded MiniLM by default), or a
            :class:`Relevance` shared with other models (its attribute vectors are reused).
        mode: ``item`` (one call per item) or ``questionnaire`` (``block_size`` items per call).
        block_size: Items per call in ``questionnaire`` mode.
        samples: Answers drawn per persona and item.
        concurrency: At most this many LLM calls in flight.
        structured_method: ``json_schema``, ``function_calling`` or ``json_mode``.
        attempts: Tries per call before its answers are recorded as missing (with the reason).
        logprobs: Record each persona-item's probability over the valid codes (read from the
            backend's token log-probabilities) instead of one sampled answer; rows then have one
            row per code with that probability as ``weight``.
        rng: What Mesa accepts: an int seed, a ``numpy.random.Generator`` or None (a fresh seed drawn
            from ``model.rng``); the seed used is kept in ``model.seed``. Call seeds derive from it.
        skip: Answers already on disk (``(persona id, item, sample, wave)``), not asked again.
        on_rows: Called in the model's thread with each call's rows as they arrive.
        progress: Show a progress bar of each wave's calls (``tqdm.auto``: a widget in notebooks with the
            ``notebook`` extra, text elsewhere).
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
        embeddings: Embeddings | Relevance | None = None,
        mode: str = "item",
        block_size: int = 20,
        samples: int = 1,
        concurrency: int = 8,
        structured_method: str = "json_schema",
        attempts: int = 2,
        logprobs: bool = False,
        rng: int | np.integer | np.random.Generator | None = 0,
        skip: Collection[Key] = (),
        on_rows: Callable[[list[dict[str, Any]]], None] | None = None,
        progress: bool = False,
    ) -> None:
        if isinstance(rng, np.integer):  # Mesa's type hints allow it; its stdlib Random does not
            rng = int(rng)
        super().__init__(rng=rng)
        from deeppersona_agents.embedded import EmbeddedChatModel
        from deeppersona_agents.llm import resolve_chat_model

        if method not in METHODS:
            raise ConfigError(f"unknown method {method!r}; use one of {', '.join(METHODS)}", param="method")
        if mode not in MODES:
            raise ConfigError(f"unknown mode {mode!r}; use item or questionnaire", param="mode")
        if block_size < 1 or samples < 1 or concurrency < 1:
            raise ConfigError("block_size, samples and concurrency must be 1 or more", param="block_size")
        self.chat_model = resolve_chat_model(chat_model)
        self.instrument = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
        self.items = self.instrument.select(list(items) if items else None)
        self.method, self.depth, self.mode, self.block_size = method, depth, mode, block_size
        self.samples, self.concurrency = samples, concurrency
        self.structured_method, self.attempts = structured_method, attempts
        if logprobs and samples > 1:
            raise ConfigError("logprobs gives each persona's whole answer distribution; drop samples (or logprobs)",
                              param=("samples", "logprobs"))
        if logprobs and mode != "item":
            raise ConfigError("logprobs reads one item's answer token; use mode='item'", param="mode")
        if logprobs and isinstance(self.chat_model, EmbeddedChatModel):
            raise ConfigError("the embedded model does not return token log-probabilities; use an endpoint that "
                              "does (model, base_url) or answer by sampling (samples)", param=("logprobs", "samples"))
        self.logprobs = logprobs
        self._logprob_model = (self.chat_model.bind(logprobs=True, top_logprobs=TOP_LOGPROBS, max_tokens=4)
                               if logprobs else None)
        self.seed = rng if isinstance(rng, int) else int(self.rng.integers(2**31 - 1))
        self.relevance: Relevance | None = None
        if method == "deep" and depth != 0:  # vectors of every persona and item, once
            self.relevance = embeddings if isinstance(embeddings, Relevance) else Relevance(embeddings)
            self.relevance.prepare(personas)
            self.relevance.question_vectors([it.text for it in self.items])
        self.skip = set(skip)
        self.on_rows = on_rows
        self.progress = progress
        self.usage = Usage()
        self.rows: list[dict[str, Any]] = []
        self.wave_answered = self.wave_missing = self.wave_calls = 0
        self._pool: ThreadPoolExecutor | None = None
        for persona in personas:
            PersonaAgent(self, persona, method, depth)
        self.datacollector = mesa.DataCollector(
            model_reporters={"answered": "wave_answered", "missing": "wave_missing", "llm_calls": "wave_calls"},
            agent_reporters={"answered": "wave_answered", "missing": "wave_missing"},
        )

    def submit(self, call: Call) -> Future[Outcome]:
        """Run ``call`` on the wave's shared executor (agents call this from ``step()``)."""
        if self._pool is None:
            raise RuntimeError("submit() is for PersonaAgent.step() during SurveyModel.step()")
        if self.logprobs:
            assert self._logprob_model is not None
            return self._pool.submit(ask_distribution, call, self._logprob_model, attempts=self.attempts)
        return self._pool.submit(ask, call, self.chat_model, structured_method=self.structured_method,
                                 attempts=self.attempts, reseed=self.samples > 1)

    def _rows(self, agent: PersonaAgent, outcome: Outcome) -> list[dict[str, Any]]:
        call, rows = outcome.call, []
        base = {"persona_id": agent.persona.id, "country": agent.persona.core.country, "method": self.method,
                "sample": call.sample, "wave": call.wave}
        for item in call.items:
            answer, reason = outcome.answers.get(item.code), outcome.reasons.get(item.code, "")
            if item.code in outcome.distributions:
                rows += [{**base, "item": item.code, "answer": code, "reason": "", "weight": p}
                         for code, p in outcome.distributions[item.code].items()]
            else:
                extra = {"weight": 1.0} if self.logprobs else {}
                rows.append({**base, "item": item.code, "answer": answer, "reason": reason, **extra})
        return rows

    def step(self) -> None:
        """One survey wave (threads; safe inside Jupyter, no event loop needed)."""
        from tqdm.auto import tqdm

        self.wave_answered = self.wave_missing = self.wave_calls = 0
        order = {it.code: i for i, it in enumerate(self.items)}
        wave_rows: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            self._pool = pool
            try:
                self.agents.do("step")
                owners = {fut: (n, agent) for n, agent in enumerate(self.agents) for fut in agent.pending}
                bar = tqdm(as_completed(owners), total=len(owners), unit="call", desc=f"{self.method} wave",
                           disable=not self.progress, dynamic_ncols=True)
                for fut in bar:
                    n, agent = owners[fut]
                    outcome = fut.result()
                    agent.receive(outcome)
                    self.usage += outcome.usage
                    self.wave_calls += outcome.usage.llm_calls
                    rows = self._rows(agent, outcome)
                    if self.on_rows is not None:
                        self.on_rows(rows)
                    wave_rows += [((n, order[r["item"]], r["sample"]), r) for r in rows]
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            finally:
                self._pool = None
                for agent in self.agents:
                    agent.pending = []
        self.wave_answered = sum(a.wave_answered for a in self.agents)
        self.wave_missing = sum(a.wave_missing for a in self.agents)
        self.rows += [row for _, row in sorted(wave_rows, key=lambda pair: pair[0])]
        self.datacollector.collect(self)

    async def astep(self) -> None:
        """One survey wave from async code (notebooks): ``await model.astep()`` (the wave runs in a thread)."""
        await asyncio.to_thread(self.step)
