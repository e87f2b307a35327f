"""Population benchmarks (issue 6): wall vs ideal under latency, memory growth, Ray vs local.

    python benchmarks/bench_population.py latency [--n 500] [--concurrency 64] [--latency 0.2] [--k 200]
    python benchmarks/bench_population.py memory [--small 1000] [--large 10000] [--k 20]
    python benchmarks/bench_population.py ray [--n 40] [--k 50]

(a) ideal = LLM calls x latency / concurrency; (b) peak RSS of a child process per size;
(c) the same job on both engines.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deeppersona_agents.generation import GenerationConfig  # noqa: E402


def latency(n: int, concurrency: int, seconds: float, k: int) -> None:
    from deeppersona_agents.population import spawn_population
    from tests.fakes import FakeChatModel

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = spawn_population("KEN", n, out=out, model=FakeChatModel(latency=seconds),
                                  config=GenerationConfig(attributes=k), concurrency=concurrency,
                                  progress=False, audit=False)
        wall = time.perf_counter() - start
    calls = result.summary["gate_calls"]
    ideal = calls * seconds / concurrency
    print(f"(a) {n} personas, k={k}, {seconds * 1000:.0f} ms latency, concurrency {concurrency}: {calls} calls, "
          f"wall {wall:.1f} s, ideal {ideal:.1f} s, ratio {wall / ideal:.2f}x, peak in flight "
          f"{result.summary['peak_calls_in_flight']}")


def _child(n: int, k: int) -> None:
    from deeppersona_agents.population import spawn_population
    from tests.fakes import FakeChatModel

    with tempfile.TemporaryDirectory() as out:
        spawn_population("KEN", n, out=out, model=FakeChatModel(), config=GenerationConfig(attributes=k),
                         concurrency=8, progress=False)
    print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def memory(small: int, large: int, k: int) -> None:
    peaks = {}
    for n in (small, large):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, __file__, "_child", "--n", str(n), "--k", str(k)], check=True,
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        peaks[n] = json.loads(done.stdout.strip().splitlines()[-1])["rss_mb"]
        print(f"(b) {n} personas, k={k}: peak RSS {peaks[n]:.0f} MB ({time.perf_counter() - start:.0f} s)")
    print(f"(b) growth {small} -> {large}: {peaks[large] - peaks[small]:+.1f} MB")


def ray_vs_local(n: int, k: int) -> None:
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    from deeppersona_agents.population import ModelSpec, spawn_population

    spec = ModelSpec(factory="tests.fakes:FakeChatModel", kwargs={"latency": 0.05})
    for engine in ("local", "ray"):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            spawn_population("KEN", n, out=out, model=spec, config=GenerationConfig(attributes=k), concurrency=16,
                             engine=engine, progress=False, audit=False)
            wall = time.perf_counter() - start
        print(f"(c) {engine}: {n} personas, k={k}, 50 ms latency, concurrency 16: {wall:.1f} s "
              f"({n / wall * 60:.0f} personas/min, Ray including its start-up)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["latency", "memory", "ray", "_child"])
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--k", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    args = parser.parse_args()
    if args.what == "latency":
        latency(args.n or 500, args.concurrency, args.latency, args.k or 200)
    elif args.what == "memory":
        memory(args.small, args.large, args.k or 20)
    elif args.what == "ray":
        ray_vs_local(args.n or 40, args.k or 50)
    else:
        _child(args.n or 10, args.k or 20)


if __name__ == "__main__":
    main()
