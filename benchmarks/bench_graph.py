"""(a) Personas per second through the full graph at k = 200 with an instant fake chat model.

Reports one process and ``--processes`` worker processes (the machine has 2 cores), with the real
MiniLM embeddings (default) or instant hash embeddings (``--fake-embeddings``).
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

# one worker process per core: BLAS threads on top of that only fight over the same two cores
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from langchain_core.embeddings import Embeddings  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deeppersona_agents import GenerationConfig, MiniLMEmbeddings, create_persona_generator, generate_persona
from tests.fakes import FakeChatModel


class HashEmbeddings(Embeddings):
    """Instant deterministic embeddings (for isolating the pipeline's own cost)."""

    name = "hash-384"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(384)
        return (v / np.linalg.norm(v)).tolist()


_GEN = None
_CFG = None


def _init(k: int, fake_embeddings: bool) -> None:
    global _GEN, _CFG
    _CFG = GenerationConfig(attributes=k)
    emb = HashEmbeddings() if fake_embeddings else MiniLMEmbeddings(threads=1)
    _GEN = create_persona_generator(FakeChatModel(), emb, config=_CFG)
    generate_persona(country="KEN", seed=10_000, config=_CFG, generator=_GEN)  # warm-up


def _one(seed: int) -> dict[str, float]:
    seconds: dict[str, float] = {}  # stage timings arrive with the progress events

    def on_event(event: dict) -> None:
        if event.get("status") == "done":
            seconds[event["stage"]] = event["seconds"]

    persona = generate_persona(country="KEN", seed=seed, config=_CFG, generator=_GEN, on_event=on_event)
    assert len(persona.sampled_attributes()) == _CFG.attributes
    return seconds


def run(n: int, k: int, processes: int, fake_embeddings: bool) -> float:
    if processes == 1:
        _init(k, fake_embeddings)
        start = time.perf_counter()
        timings = [_one(s) for s in range(n)]
        wall = time.perf_counter() - start
        for stage in timings[0]:
            print(f"    {stage:<18} {1000 * statistics.mean(t[stage] for t in timings):6.2f} ms")
    else:
        with mp.get_context("fork").Pool(processes, initializer=_init, initargs=(k, fake_embeddings)) as pool:
            pool.map(_one, range(10_001, 10_001 + processes))  # make sure every worker is up
            start = time.perf_counter()
            pool.map(_one, range(n), chunksize=4)
            wall = time.perf_counter() - start
    return n / wall


def main(n: int, k: int, processes: int) -> None:
    for fake_embeddings in (False, True):
        label = "hash embeddings (instant)" if fake_embeddings else "MiniLM embeddings (real)"
        for procs in sorted({1, processes}):
            print(f"k={k}, n={n}, {label}, {procs} process(es):")
            rate = run(n, k, procs, fake_embeddings)
            print(f"  -> {rate:.1f} personas/s ({1000 / rate:.1f} ms per persona)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("-k", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    main(args.n, args.k, args.processes)
