"""Where personas are generated: a local thread pool, or actors on a Ray cluster.

Both engines take tasks, keep a bounded window of personas in flight (so memory stays flat
however large ``n`` is) and hand every outcome to ``on_outcome`` in the driver's thread, which
is the only writer of the output folder.
"""

from __future__ import annotations

import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from threadpoolctl import threadpool_limits

from deeppersona_agents.errors import ConfigError, ModelError
from deeppersona_agents.llm import redact
from deeppersona_agents.population.worker import PersonaTask, PersonaWorker, PopulationJob

Outcome = dict[str, Any]
OnOutcome = Callable[[Outcome], None]
OnStats = Callable[[dict[str, Any]], None]


def window_size(concurrency: int) -> int:
    """Personas in flight: enough beyond the call cap that a call is always waiting for a slot."""
    return concurrency + max(2, concurrency // 4)


def run_local(job: PopulationJob, tasks: Iterable[PersonaTask], *, concurrency: int, on_outcome: OnOutcome,
              on_stats: OnStats | None = None, model: BaseChatModel | None = None,
              embeddings: Embeddings | None = None, tree: Any = None) -> dict[str, Any]:
    """Generate ``tasks`` in a thread pool sharing one call gate; returns the gate's counters.

    BLAS is held to one thread meanwhile: its matrix products here are small, and idle BLAS
    threads spin on the cores the persona threads need (this halved the CPU time of a run).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _run_local(job, tasks, concurrency=concurrency, on_outcome=on_outcome, on_stats=on_stats,
                          model=model, embeddings=embeddings, tree=tree)


def _run_local(job: PopulationJob, tasks: Iterable[PersonaTask], *, concurrency: int, on_outcome: OnOutcome,
               on_stats: OnStats | None, model: BaseChatModel | None, embeddings: Embeddings | None,
               tree: Any) -> dict[str, Any]:
    worker = PersonaWorker(job, concurrency, model=model, embeddings=embeddings, tree=tree)
    width = window_size(concurrency)
    todo: Iterator[PersonaTask] = iter(tasks)
    pool = ThreadPoolExecutor(max_workers=width, thread_name_prefix="persona")
    pending: set[Future[Outcome]] = set()
    try:
        _top_up(pool, worker, todo, pending, width)
        last = 0.0
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                on_outcome(future.result())
            _top_up(pool, worker, todo, pending, width)
            if on_stats is not None and time.monotonic() - last > 0.25:
                on_stats(worker.stats())
                last = time.monotonic()
    except BaseException:
        worker.stop.set()  # personas in flight stop at their next stage event
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return worker.stats()


def _top_up(pool: ThreadPoolExecutor, worker: PersonaWorker, todo: Iterator[PersonaTask],
            pending: set[Future[Outcome]], width: int) -> None:
    while len(pending) < width:
        task = next(todo, None)
        if task is None:
            return
        pending.add(pool.submit(worker.run, task))


def run_ray(job: PopulationJob, tasks: Iterable[PersonaTask], *, concurrency: int, on_outcome: OnOutcome,
            on_stats: OnStats | None = None, address: str | None = None, actors: int | None = None) -> dict[str, Any]:
    """Generate ``tasks`` on Ray actors, each building its own clients from ``job.spec``.

    The call cap is split across actors (``ceil(concurrency / actors)`` each), and so is the rate
    limit (each actor gets ``requests_per_second / actors``), so the endpoint sees the run's limit.
    Connects to ``address`` (``"auto"``, ``"ray://host:10001"``) or starts a local Ray instance.
    """
    ray = import_ray()
    started_here = _init_ray(ray, address)
    try:
        count = actors or max(1, min(int(ray.cluster_resources().get("CPU", 1)), concurrency))
        per_actor = max(1, math.ceil(concurrency / count))
        remote = ray.remote(_RayWorker).options(max_concurrency=window_size(per_actor) + 1, num_cpus=0)
        workers = [remote.remote(actor_job(job, count).model_dump_json(), per_actor) for _ in range(count)]
        try:
            ray.get([w.ready.remote() for w in workers])
        except Exception as exc:
            raise ModelError(f"Ray workers could not build the model from its spec: {_ray_cause(exc)}") from None
        width = window_size(per_actor)
        load = Counter[int]()
        pending: dict[Any, int] = {}
        todo = iter(tasks)

        def top_up() -> None:
            for slot, _ in enumerate(workers):
                while load[slot] < width:
                    task = next(todo, None)
                    if task is None:
                        return
                    ref = workers[slot].run.remote(task.index, task.anchors, task.bio)
                    pending[ref] = slot
                    load[slot] += 1

        top_up()
        last = 0.0
        while pending:
            finished, _ = ray.wait(list(pending), num_returns=1, timeout=0.5)
            for ref in finished:
                load[pending.pop(ref)] -= 1
                on_outcome(ray.get(ref))
            top_up()
            if on_stats is not None and time.monotonic() - last > 2:
                on_stats(_merge_stats(ray.get([w.stats.remote() for w in workers])))
                last = time.monotonic()
        return _merge_stats(ray.get([w.stats.remote() for w in workers]))
    finally:
        if started_here:
            ray.shutdown()


def actor_job(job: PopulationJob, actors: int) -> PopulationJob:
    """The job one of ``actors`` actors runs: the same, with its share of the run's rate limit."""
    if not job.requests_per_second:
        return job
    return job.model_copy(update={"requests_per_second": job.requests_per_second / actors})


class _RayWorker:
    """A threaded Ray actor around :class:`PersonaWorker`."""

    def __init__(self, job_json: str, concurrency: int) -> None:
        self._blas = threadpool_limits(limits=1, user_api="blas")  # for the actor's life (see run_local)
        self.worker = PersonaWorker(PopulationJob.model_validate_json(job_json), concurrency)

    def ready(self) -> bool:
        return True

    def run(self, index: int, anchors: dict[str, str], bio: str | None) -> Outcome:
        return self.worker.run(PersonaTask(index, anchors, bio))

    def stats(self) -> dict[str, Any]:
        return self.worker.stats()


def _merge_stats(parts: list[dict[str, Any]]) -> dict[str, Any]:
    stages: Counter[str] = Counter()
    for part in parts:
        stages.update(part["stages"])
    return {"stages": dict(stages), "calls": sum(p["calls"] for p in parts), "peak": sum(p["peak"] for p in parts),
            "transient_retries": sum(p["transient_retries"] for p in parts)}


def import_ray() -> Any:
    """The ``ray`` module, or a ConfigError naming the extra to install (Ray is optional)."""
    try:
        import ray
    except ImportError:
        raise ConfigError("engine='ray' needs Ray, an optional extra: pip install 'deeppersona-agents[ray]' "
                          "(or use the local engine)", param="engine") from None
    return ray


def _init_ray(ray: Any, address: str | None) -> bool:
    """Connect to ``address`` or start a local instance; True when this call started Ray."""
    if ray.is_initialized():
        return False
    here = os.getcwd()
    paths = [here, *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
    env_vars = {"PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}
    runtime_env = {"env_vars": env_vars}
    kwargs: dict[str, Any] = {"runtime_env": runtime_env, "log_to_driver": False, "ignore_reinit_error": True}
    if address:
        kwargs["address"] = address
    else:
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a private local instance needs no token
        kwargs.update(include_dashboard=False, num_cpus=os.cpu_count() or 1)
    try:
        ray.init(**kwargs)
    except Exception as exc:
        where = address or "a local Ray instance"
        raise ConfigError(
            f"cannot start or reach {where}: {exc}; check ray_address (e.g. ray://host:10001)", param="ray_address"
        ) from None
    return True


def _ray_cause(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None) or exc
    return redact(f"{type(cause).__name__}: {cause}".splitlines()[0])
