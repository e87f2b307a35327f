"""Survey harness: answers/s with an instant fake model; wall time vs ideal with a 200 ms-latency fake."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deeppersona_agents import GenerationConfig, MiniLMEmbeddings, create_persona_generator, generate_persona
from deeppersona_agents.simulation.survey import SurveyModel
from tests.fakes import FakeChatModel

ITEMS = ["Q1", "Q2", "Q45", "Q46", "Q49", "Q57", "Q164", "Q184", "Q209", "Q254"]


def main(n: int, concurrency: int, latency: float, instant_concurrency: int) -> None:
    config = GenerationConfig(attributes=20)
    generator = create_persona_generator(FakeChatModel(), MiniLMEmbeddings(), config=config)
    personas = [generate_persona(country="IND", seed=i, config=config, generator=generator) for i in range(n)]
    calls = n * len(ITEMS)
    for method in ("deep", "cultural"):
        sim = SurveyModel(personas, FakeChatModel(), items=ITEMS, method=method, concurrency=instant_concurrency)
        start = time.perf_counter()
        sim.step()
        wall = time.perf_counter() - start
        print(f"instant fake, {method:<8}, concurrency {instant_concurrency}: {calls} answers in {wall:.2f} s "
              f"= {calls / wall:,.0f} answers/s")
    sim = SurveyModel(personas, FakeChatModel(latency=latency), items=ITEMS, method="deep", concurrency=concurrency)
    start = time.perf_counter()
    sim.step()
    wall = time.perf_counter() - start
    ideal = math.ceil(calls / concurrency) * latency
    print(f"{latency * 1000:.0f} ms fake, concurrency {concurrency}: {calls} answers in {wall:.2f} s "
          f"(ideal {ideal:.2f} s, {wall / ideal:.2f}x ideal)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=64, help="personas")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--instant-concurrency", type=int, default=8,
                        help="threads for the instant fake (SurveyModel's default; more only adds GIL contention)")
    args = parser.parse_args()
    main(args.n, args.concurrency, args.latency, args.instant_concurrency)
