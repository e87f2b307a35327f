"""Evaluation harness: QA calls and wall time with a latency fake; intrinsic metrics time for 1,000 personas."""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deeppersona_agents.embedded import MiniLMEmbeddings
from deeppersona_agents.quality.intrinsic import evaluate_intrinsic
from deeppersona_agents.quality.qa import run_qa
from deeppersona_agents.quality.rubric import REQUESTS
from deeppersona_agents.quality.sources import EvalPersona
from tests.fakes import PHRASES, FakeChatModel

CATEGORIES = ["Demographics", "Health", "Psychology", "Culture", "Relationships", "Career", "Education",
              "Hobbies", "Routine", "Values", "Emotions", "Media"]


class HashEmbeddings(Embeddings):
    """Instant stand-in embeddings: a unit vector seeded by each text's hash (equal texts -> equal vectors)."""

    dims = 384

    def embed_array(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dims), np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dims)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


def make_personas(n: int, attributes: int, source: str = "bench") -> list[EvalPersona]:
    """Synthetic personas with ``attributes`` pairs spread over the 12 top-level categories."""
    personas = []
    for i in range(n):
        pairs = [(f"{CATEGORIES[j % 12]} > Topic {j}", f"{PHRASES[(i + j) % len(PHRASES)]} ({i}-{j})")
                 for j in range(attributes)]
        personas.append(EvalPersona(f"{source}-{i}", source, pairs, f"Persona {i}: a person with many facets."))
    return personas


def bench_qa(n: int, latency: float, concurrency: int, attributes: int, malformed: float = 0.0) -> None:
    personas = make_personas(n, attributes)
    responder = FakeChatModel(latency=latency)
    evaluator = FakeChatModel(latency=latency, malformed_rate=malformed, chaos_seed=1)
    start = time.perf_counter()
    result = run_qa(personas, responder, evaluator, concurrency=concurrency, progress=False)
    wall = time.perf_counter() - start
    expected = 2 * n * len(REQUESTS)
    ideal = expected * latency / concurrency
    print(f"QA: {n} personas x {len(REQUESTS)} requests, latency {latency}s, concurrency {concurrency}, "
          f"malformed evaluator answers {malformed:.0%}")
    retries = result.model_calls - expected
    print(f"  model calls        {result.model_calls} (2 x {n} x {len(REQUESTS)} = {expected} + {retries} retries; "
          f"responder {result.responder_calls}, evaluator {result.evaluator_calls}; failed rows {result.failed})")
    print(f"  wall time          {wall:.2f} s (ideal {ideal:.2f} s, ratio {wall / ideal:.2f}x)")
    print(f"  throughput         {result.model_calls / wall:.1f} calls/s, {n * len(REQUESTS) / wall:.1f} pairs/s")


def bench_intrinsic(n: int, attributes: int, embeddings: Embeddings, label: str) -> float:
    personas = make_personas(n, attributes)
    start = time.perf_counter()
    rows = evaluate_intrinsic(personas, embeddings)
    wall = time.perf_counter() - start
    assert len(rows) == n
    print(f"intrinsic ({label}): {n} personas x {attributes} attributes in {wall:.2f} s "
          f"({n / wall:.1f} personas/s)")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--personas", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--attributes", type=int, default=200)
    parser.add_argument("--malformed", type=float, default=0.05, help="malformed-JSON share in the second QA run")
    parser.add_argument("--intrinsic-personas", type=int, default=1000)
    parser.add_argument("--minilm-personas", type=int, default=20,
                        help="personas timed with the real MiniLM embeddings (extrapolated to 1,000)")
    args = parser.parse_args()
    bench_qa(args.personas, args.latency, args.concurrency, args.attributes)
    if args.malformed:
        bench_qa(args.personas, args.latency, args.concurrency, args.attributes, args.malformed)
    bench_intrinsic(args.intrinsic_personas, args.attributes, HashEmbeddings(), "instant hash embeddings")
    if args.minilm_personas:
        minilm = MiniLMEmbeddings()
        minilm.embed_query("warm up")
        wall = bench_intrinsic(args.minilm_personas, args.attributes, minilm, "embedded MiniLM")
        print(f"  extrapolated to {args.intrinsic_personas} personas with MiniLM: "
              f"~{wall * args.intrinsic_personas / args.minilm_personas:.0f} s (too slow to run here by default)")


if __name__ == "__main__":
    main()
