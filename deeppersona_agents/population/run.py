"""``spawn_population``: n personas for a country (or from shallow inputs), durable and resumable.

Checks the arguments, fingerprints the run, opens the store (``store.py``), feeds the engine
(``engines.py``) and tallies outcomes (``progress.py``); ``frame.py`` audits the result.
"""

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
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.generation import GenerationConfig
from deeppersona_agents.generation.capacity import check_capacity
from deeppersona_agents.llm import chat_model_name, embeddings_name, embeddings_setting, model_setting
from deeppersona_agents.persona import Persona
from deeppersona_agents.population.engines import import_ray, run_local, run_ray
from deeppersona_agents.population.frame import audit_population, population_frame
from deeppersona_agents.population.inputs import ShallowPersona
from deeppersona_agents.population.progress import Tally
from deeppersona_agents.population.spec import Engine, ModelSpec
from deeppersona_agents.population.store import PERSONAS, PopulationStore
from deeppersona_agents.population.worker import PersonaTask, PopulationJob
from deeppersona_agents.response_cache import open_cache
from deeppersona_agents.taxonomy import load_tree


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
    cache: str | Path | None = None,
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
        cache: Response cache file (SQLite, shared by threads and Ray actors on one machine): a
            rerun or resume reuses every reply stored for the same model, prompt, schema and seed.

    Raises:
        ConfigError: Bad input (unknown country, ``n < 1``, unwritable ``out``, corrupted files,
            changed configuration on resume), with what to do about it.
    """
    job, task_count, chat, emb = _prepare(country, n, model, embeddings, seed, engine, where, config,
                                          tree, inputs, requests_per_second, concurrency)
    job = job.model_copy(update={"retry_backoff": retry_backoff, "cache": str(cache) if cache else None})
    open_cache(cache)  # an unusable cache file fails here, before the output folder is made
    temporary = out is None
    folder = Path(tempfile.mkdtemp(prefix="deeppersona-population-")) if temporary else Path(out)  # type: ignore[arg-type]
    fingerprint = _fingerprint(job, chat, emb, inputs_hash or _hash_inputs(inputs))
    store = PopulationStore(folder, fingerprint, task_count, force=force)
    store.open()
    tally = Tally(store, initial=len(store.done), total=task_count, progress=progress)
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
    report = audit_population(folder, job) if audit and job.country and not job.config.where and store.done else None
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
        raise ConfigError(f"n={count!r} is invalid; ask for at least 1 persona", param="n")
    if inputs is not None and count > len(inputs):
        raise ConfigError(f"n={count} is more than the {len(inputs)} input personas", param="n")
    if country is None and inputs is None:
        raise ConfigError("a country is required (e.g. country='KEN'); see `deeppersona demographics countries`",
                          param="country")
    cfg = config or GenerationConfig()
    iso3 = resolve_country(country, cfg.tables_dir) if country else None
    if where and cfg.where != where:
        cfg = cfg.model_copy(update={"where": where})
    if cfg.where:
        if iso3 is None:
            raise ConfigError("where needs a country: a cohort is drawn from one country's tables", param="where")
        PopulationSampler(iso3, demographics=cfg.demographics, min_age=cfg.min_age, tables_dir=cfg.tables_dir).sample(
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


__all__ = ["PopulationResult", "population_frame", "spawn_population"]
