"""``spawn_population``: n personas for a country (or from shallow inputs), durable and resumable."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from deeppersona_agents._io import iter_records
from deeppersona_agents.demographics.tables import tables_fingerprint
from deeppersona_agents.errors import ConfigError, ModelError
from deeppersona_agents.generation import STAGE_NAMES, GenerationConfig
from deeppersona_agents.generation.capacity import check_capacity
from deeppersona_agents.llm import chat_model_name, embeddings_name, embeddings_setting, model_setting
from deeppersona_agents.persona import Persona
from deeppersona_agents.population.engines import import_ray, run_local, run_ray
from deeppersona_agents.population.inputs import ShallowPersona
from deeppersona_agents.population.spec import Engine, ModelSpec
from deeppersona_agents.population.store import PERSONAS, PopulationStore
from deeppersona_agents.population.worker import PersonaTask, PopulationJob
from deeppersona_agents.taxonomy import load_tree

#: Consecutive model errors (unreachable endpoint, bad key, unknown model) that stop a run.
MAX_MODEL_ERRORS_IN_A_ROW = 8


@dataclass
class PopulationResult:
    """What a run left behind: the folder, the summary, the audit; personas are read on demand."""

    out: Path | None
    summary: dict[str, Any]
    audit: pd.DataFrame | None = None
    _personas: list[Persona] | None = field(default=None, repr=False)

    def iter_personas(self) -> Iterator[Persona]:
        """Personas in index order, one at a time."""
        if self._personas is not None:
            yield from self._personas
            return
        assert self.out is not None
        for _, record in iter_records(self.out / PERSONAS):
            yield Persona.model_validate(record)

    @property
    def personas(self) -> list[Persona]:
        """All personas (loads them; use :meth:`iter_personas` for large runs)."""
        return self._personas if self._personas is not None else list(self.iter_personas())


def spawn_population(
    country: str | None,
    n: int | None = None,
    *,
    out: str | Path | None = None,
    model: BaseChatModel | ModelSpec | str | None = None,
    embeddings: Embeddings | None = None,
    seed: int = 0,
    concurrency: int = 8,
    engine: Engine = "local",
    where: str | None = None,
    config: GenerationConfig | None = None,
    tree: str | Path | None = None,
    inputs: list[ShallowPersona] | None = None,
    inputs_hash: str | None = None,
    requests_per_second: float | None = None,
    retry_backoff: float = 0.5,
    ray_address: str | None = None,
    ray_actors: int | None = None,
    force: bool = False,
    progress: bool = True,
    audit: bool = True,
) -> PopulationResult:
    """Generate ``n`` personas, writing them to ``out`` as they finish; rerun to resume.

    Args:
        country: ISO-3 (or name) whose population tables draw each core; ``None`` only with ``inputs``.
        n: Personas wanted (indices ``0..n-1``); with ``inputs``, defaults to their count.
        out: Output folder (``personas.jsonl``, ``failures.jsonl``, ``manifest.json``); ``None``
            for a temporary folder whose personas are returned in memory.
        model: A chat model (local engine only), a :class:`ModelSpec`, a model name on an
            OpenAI-compatible endpoint, or ``None`` for ``DEEPPERSONA_MODEL`` / the embedded model.
        embeddings: Embeddings object (local engine only); else built from the spec.
        seed: Run seed; persona *i* derives its randomness from (seed, i) only.
        concurrency: LLM calls in flight at most, shared by every persona of the run.
        engine: ``"local"`` (threads) or ``"ray"`` (actors on a Ray cluster).
        where: Cohort constraint for the demographic draw, e.g. ``"age>=30 and isco_major==2"``
            (sets ``config.where``).
        config: Generation options (k = ``config.attributes``); default ``GenerationConfig()``.
        tree: Attribute tree JSON (default: the shipped tree).
        inputs: Shallow personas to deepen (``deeppersona enrich``); persona *i* keeps input *i*.
        inputs_hash: Content hash of the input file (part of the resume fingerprint).
        requests_per_second: Optional rate limit on LLM calls.
        retry_backoff: First pause (s) before retrying a transient error; doubles per retry.
        ray_address: Ray cluster address (``"auto"``, ``"ray://host:10001"``); default a local instance.
        ray_actors: Ray actors (default: one per CPU of the cluster, at most ``concurrency``).
        force: Discard an existing run in ``out`` made with a different configuration.
        progress: Show a progress bar (stderr).
        audit: Compare the result's demographics with the country's tables.

    Raises:
        ConfigError: Bad input (unknown country, ``n < 1``, unwritable ``out``, corrupted files,
            changed configuration on resume), with what to do about it.
    """
    job, task_count, chat, emb = _prepare(country, n, model, embeddings, seed, engine, where, config,
                                          tree, inputs, requests_per_second, concurrency)
    job = job.model_copy(update={"retry_backoff": retry_backoff})
    temporary = out is None
    folder = Path(tempfile.mkdtemp(prefix="deeppersona-population-")) if temporary else Path(out)  # type: ignore[arg-type]
    fingerprint = _fingerprint(job, chat, emb, inputs_hash or _hash_inputs(inputs))
    store = PopulationStore(folder, fingerprint, task_count, force=force)
    store.open()
    tally = _Tally(store, initial=len(store.done), total=task_count, progress=progress)
    tasks = (_task(i, inputs) for i in store.missing())
    started = time.perf_counter()
    stats: dict[str, Any] = {}
    try:
        if engine == "ray":
            stats = run_ray(job, tasks, concurrency=concurrency, on_outcome=tally.outcome, on_stats=tally.stats,
                            address=ray_address, actors=ray_actors)
        else:
            stats = run_local(job, tasks, concurrency=concurrency, on_outcome=tally.outcome, on_stats=tally.stats,
                              model=chat, embeddings=emb)
    finally:
        wall = time.perf_counter() - started
        tally.close()
        summary = tally.summary(wall, stats, engine, concurrency)
        if len(store.done) == task_count:
            store.sort_by_index()
        store.close(summary)
    report = _audit(folder, job) if audit and job.country and not job.config.where and store.done else None
    if report is not None and not temporary:
        report.drop(columns=["expected", "observed"]).to_csv(folder / "audit.csv", index=False)
    result = PopulationResult(folder, summary, report)
    if temporary:
        result._personas = result.personas if store.done else []
        result.out = None
        shutil.rmtree(folder, ignore_errors=True)
    return result


def _prepare(country: str | None, n: int | None, model: Any, embeddings: Embeddings | None, seed: int, engine: str,
             where: str | None, config: GenerationConfig | None, tree: Any, inputs: list[ShallowPersona] | None,
             requests_per_second: float | None,
             concurrency: int) -> tuple[PopulationJob, int, BaseChatModel | None, Embeddings | None]:
    from deeppersona_agents.demographics import PopulationSampler, resolve_country

    if engine not in ("local", "ray"):
        raise ConfigError(f"engine={engine!r} is unknown; use local or ray", param="engine")
    if engine == "ray":
        import_ray()  # the optional extra is missing: say so before any output
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed={seed!r} is invalid; use a whole number >= 0", param="seed")
    if not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigError(f"concurrency={concurrency!r} is invalid; use at least 1", param="concurrency")
    if requests_per_second is not None and requests_per_second <= 0:
        raise ConfigError("requests_per_second must be positive", param="requests_per_second")
    count = len(inputs) if inputs is not None and n is None else n
    if count is None or isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ConfigError(f"n={count!r} is invalid; ask for at least 1 persona", param="count")
    if inputs is not None and count > len(inputs):
        raise ConfigError(f"n={count} is more than the {len(inputs)} input personas", param="count")
    if country is None and inputs is None:
        raise ConfigError("a country is required (e.g. country='KEN'); see `deeppersona demographics countries`",
                          param="country")
    iso3 = resolve_country(country) if country else None
    cfg = config or GenerationConfig()
    if where and cfg.where != where:
        cfg = cfg.model_copy(update={"where": where})
    if cfg.where:
        if iso3 is None:
            raise ConfigError("where needs a country: a cohort is drawn from one country's tables", param="where")
        PopulationSampler(iso3, mode=cfg.demographics, min_age=cfg.min_age, tables_dir=cfg.tables_dir).sample(
            1, seed=seed, where=cfg.where)
    tree_path = None if tree is None else str(Path(tree).resolve())
    check_capacity(load_tree(tree_path), cfg)  # fail now, before the folder exists (a bad tree: its own message)
    chat: BaseChatModel | None = None
    if isinstance(model, BaseChatModel):
        if engine == "ray":
            raise ConfigError("engine='ray' builds models inside workers; pass a ModelSpec (model name, base_url "
                              "or factory='module:function') instead of a model object")
        chat, spec = model, ModelSpec(model=chat_model_name(model))
    elif isinstance(model, ModelSpec):
        spec = model
        if spec.factory:
            spec.build_model()  # a factory that is no chat-model factory is refused before any output
    else:
        spec = ModelSpec(model=model)
    if embeddings is not None and engine == "ray":
        raise ConfigError("engine='ray' builds embeddings inside workers; use ModelSpec(embeddings_factory=...)")
    job = PopulationJob(country=iso3, seed=seed, config=cfg, spec=spec, tree=tree_path,
                        requests_per_second=requests_per_second)
    return job, count, chat, embeddings


def _fingerprint(job: PopulationJob, chat: BaseChatModel | None, emb: Embeddings | None,
                 inputs_hash: str | None) -> dict[str, Any]:
    tree = load_tree(job.tree)
    if chat is not None:
        model: Any = chat_model_name(chat)
    else:  # what the workers will build: the spec, or the environment's choice
        model = job.spec.describe()
        if not job.spec.model and not job.spec.factory:
            model["model"] = model_setting() or "embedded"
    return {
        "country": job.country,
        "seed": job.seed,
        "config": job.config.model_dump(mode="json"),
        "model": model,
        "embeddings": embeddings_name(emb) if emb is not None else (
            job.spec.embeddings or job.spec.embeddings_factory or embeddings_setting()
            or "embedded"),
        "tree": {"version": tree.version, "hash": tree.content_hash},
        "inputs": inputs_hash,
        "demographics_dir": tables_fingerprint(job.config.tables_dir),
    }


def _hash_inputs(inputs: list[ShallowPersona] | None) -> str | None:
    if inputs is None:
        return None
    blob = json.dumps([i.model_dump() for i in inputs], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _task(index: int, inputs: list[ShallowPersona] | None) -> PersonaTask:
    if inputs is None:
        return PersonaTask(index)
    item = inputs[index]
    return PersonaTask(index, dict(item.anchors), item.bio)


class _Tally:
    """Writes outcomes to the store and keeps the progress bar and counters."""

    def __init__(self, store: PopulationStore, *, initial: int, total: int, progress: bool) -> None:
        from tqdm.auto import tqdm

        self.store = store
        self.new = self.failed = self.cancelled = self.model_errors_in_a_row = 0
        self.llm_calls = self.calls_cached = self.prompt_tokens = self.completion_tokens = 0
        self.bar = tqdm(total=total, initial=initial, unit="persona", disable=not progress, dynamic_ncols=True,
                        desc="personas")
        self.last_error = ""
        self.stages: dict[str, int] = {}
        self.stage_seconds: dict[str, float] = {}

    def outcome(self, outcome: dict[str, Any]) -> None:
        index = outcome["index"]
        usage = outcome.get("usage") or {}  # every attempt, for stored and failed personas alike
        self.llm_calls += int(usage.get("llm_calls", 0))
        self.calls_cached += int(usage.get("calls_cached", 0))
        self.prompt_tokens += int(usage.get("prompt_tokens", 0))
        self.completion_tokens += int(usage.get("completion_tokens", 0))
        if "record" in outcome:
            self.store.add(index, outcome["record"])
            for stage, seconds in (outcome.get("seconds") or {}).items():
                self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + seconds
            self.new += 1
            self.model_errors_in_a_row = 0
            self.bar.update(1)
        elif outcome.get("cancelled"):
            self.cancelled += 1
        else:
            self.store.fail(index, outcome["stage"], outcome["error"])
            self.failed += 1
            self.last_error = outcome["error"]
            self.model_errors_in_a_row = self.model_errors_in_a_row + 1 if outcome.get("model_error") else 0
            if self.model_errors_in_a_row >= MAX_MODEL_ERRORS_IN_A_ROW:
                raise ModelError(f"{self.model_errors_in_a_row} personas in a row failed to reach the model "
                                 f"({self.last_error}); fix the endpoint and rerun the same command to resume")
        self._postfix()

    def stats(self, stats: dict[str, Any]) -> None:
        self.stages = stats.get("stages", {})
        self._postfix()

    def _postfix(self) -> None:
        order = ["queued", *STAGE_NAMES]
        busy = " ".join(f"{s.replace('_attributes', '')}:{self.stages[s]}" for s in order if self.stages.get(s))
        self.bar.set_postfix_str(f"failed {self.failed}" + (f" | {busy}" if busy else ""), refresh=False)

    def close(self) -> None:
        self.bar.close()

    def summary(self, wall: float, stats: dict[str, Any], engine: str, concurrency: int) -> dict[str, Any]:
        return {
            "engine": engine,
            "concurrency": concurrency,
            "n": self.store.n,
            "done": len(self.store.done),
            "missing": self.store.n - len(self.store.done),
            "generated_this_run": self.new,
            "failed_this_run": self.failed,
            "llm_calls": self.llm_calls,
            "calls_cached": self.calls_cached,
            "gate_calls": int(stats.get("calls", 0)),
            "transient_retries": int(stats.get("transient_retries", 0)),
            "peak_calls_in_flight": int(stats.get("peak", 0)),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "wall_seconds": round(wall, 2),
            "stage_seconds": {k: round(v, 2) for k, v in self.stage_seconds.items()},
            "personas_per_minute": round(self.new / wall * 60, 2) if wall > 0 else 0.0,
        }


def population_frame(folder: Path) -> pd.DataFrame:
    """One row per persona with its core and table-drawn codes (the columns audits read)."""
    rows = []
    for _, record in iter_records(Path(folder) / PERSONAS):
        core = record.get("core", {})
        rows.append({"index": record.get("index"), "id": record.get("id"), "age": core.get("age"),
                     "sex": core.get("gender"), "country": core.get("country"), "city": core.get("city"),
                     "occupation": core.get("occupation"), **(core.get("demographics") or {})})
    return pd.DataFrame(rows)


def _audit(folder: Path, job: PopulationJob) -> pd.DataFrame | None:
    from deeppersona_agents.demographics import audit_sample

    frame = population_frame(folder)
    frame = frame[frame["country"] == job.country]
    if frame.empty:
        return None
    return audit_sample(frame, job.country or "", tables_dir=job.config.tables_dir)
