"""One worker of a population run: builds its clients once, then turns tasks into persona records.

The same class runs in the local thread pool and inside a Ray actor; everything it needs comes
from a serialisable :class:`PopulationJob`.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict

from deeppersona_agents.embedded import MiniLMEmbeddings
from deeppersona_agents.errors import GenerationError, ModelError
from deeppersona_agents.generation import GenerationConfig, create_persona_generator
from deeppersona_agents.llm import redact
from deeppersona_agents.population.limits import CallGate, CappedChatModel
from deeppersona_agents.population.spec import ModelSpec
from deeppersona_agents.response_cache import with_cache
from deeppersona_agents.seeding import derive_seed
from deeppersona_agents.taxonomy import AttributeTree
from deeppersona_agents.usage import Usage, UsageCallback


def persona_seed(seed: int, index: int) -> int:
    """Persona ``index``'s seed: a function of the run seed and the index only."""
    return derive_seed(seed, index)


class PopulationJob(BaseModel):
    """Everything that decides what persona *i* is, in a form that pickles and hashes."""

    model_config = ConfigDict(frozen=True)

    country: str | None
    seed: int
    config: GenerationConfig
    spec: ModelSpec
    tree: str | None = None
    requests_per_second: float | None = None
    retry_backoff: float = 0.5
    cache: str | None = None  # response cache file (``response_cache.py``); not part of what a persona is


@dataclass(frozen=True)
class PersonaTask:
    """Persona ``index``, with the anchors and bio it must keep (empty for a census draw)."""

    index: int
    anchors: dict[str, str] = field(default_factory=dict)
    bio: str | None = None


class RunCancelled(Exception):
    """Raised inside a persona when the run is stopping (Ctrl-C)."""


class PersonaWorker:
    """Generates personas by index; all of them share one :class:`CallGate`.

    Args:
        job: The run's description.
        concurrency: LLM calls in flight at most, across every persona of this worker.
        model, embeddings, tree: Ready clients to use instead of building them from ``job``
            (local runs may pass objects; Ray workers always build from the spec).
    """

    def __init__(self, job: PopulationJob, concurrency: int, *, model: BaseChatModel | None = None,
                 embeddings: Embeddings | None = None, tree: AttributeTree | None = None) -> None:
        self.job = job
        self.gate = CallGate(concurrency, job.requests_per_second, backoff=job.retry_backoff)
        chat = with_cache(model if model is not None else job.spec.build_model(), job.cache)
        emb = embeddings if embeddings is not None else job.spec.build_embeddings()
        if embeddings is None and isinstance(emb, MiniLMEmbeddings):
            emb.threads = 1  # the personas in flight keep every core busy; a second ONNX thread only competes
        self.generator = create_persona_generator(CappedChatModel(chat, self.gate), emb, tree=tree or job.tree,
                                                  config=job.config)
        self.stop = threading.Event()
        self._stages: dict[int, str] = {}
        self._lock = threading.Lock()

    def stage_counts(self) -> dict[str, int]:
        """How many personas in flight are in each stage."""
        with self._lock:
            return dict(Counter(self._stages.values()))

    def stats(self) -> dict[str, Any]:
        """Stage counts and call counters, for progress displays."""
        return {"stages": self.stage_counts(), "calls": self.gate.calls, "peak": self.gate.peak,
                "transient_retries": self.gate.transient_retries}

    def run(self, task: PersonaTask) -> dict[str, Any]:
        """Generate one persona; the outcome is ``{"index", "record"}`` or ``{"index", "stage", "error"}``."""
        from deeppersona_agents.api import generate_persona

        seconds: dict[str, float] = {}  # per stage: goes to the run's manifest, never the persona record

        def listener(event: dict[str, Any]) -> None:
            if self.stop.is_set():
                raise RunCancelled
            if event.get("status") == "start":
                with self._lock:
                    self._stages[task.index] = str(event["stage"])
            elif event.get("status") == "done":
                seconds[str(event["stage"])] = float(event.get("seconds", 0.0))

        with self._lock:
            self._stages[task.index] = "queued"
        usage = Usage()  # every model attempt of this persona, failed or not
        try:
            persona = generate_persona(
                task.anchors, bio=task.bio, country=self.job.country, seed=persona_seed(self.job.seed, task.index),
                config=self.job.config, generator=self.generator, on_event=listener,
                callbacks=[UsageCallback(usage)],
            )
            empty = [a.path for a in persona.attributes if not str(a.value).strip()]
            if empty:
                raise GenerationError("fill_attributes", f"empty value for {empty[0]}")
            filled, k = len(persona.sampled_attributes()), self.job.config.attributes
            if filled != k:  # exactly k, or a recorded failure; never stored as valid
                raise GenerationError("fill_attributes", f"{filled} of {k} attributes filled")
            record = persona.model_copy(update={"index": task.index}).model_dump(mode="json")
            return {"index": task.index, "record": record, "usage": usage.as_dict(), "seconds": seconds}
        except RunCancelled:
            return {"index": task.index, "cancelled": True, "usage": usage.as_dict()}
        except Exception as exc:  # a failing persona never stops the run
            with self._lock:
                stage = exc.stage if isinstance(exc, GenerationError) else self._stages.get(task.index, "unknown")
            return {"index": task.index, "stage": stage, "error": redact(f"{type(exc).__name__}: {exc}"),
                    "model_error": isinstance(exc, ModelError), "usage": usage.as_dict()}
        finally:
            with self._lock:
                self._stages.pop(task.index, None)
