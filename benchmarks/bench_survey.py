"""Survey harness: answers/s on an instant fake, wall time vs ideal on a slow fake, item vs questionnaire mode.

Prints numbers, asserts nothing. The instant fake isolates the framework's own cost (prompt building,
structured parsing, Mesa scheduling); ranking attributes needs each persona's attribute vectors, computed
once when the model is built, so that one-off cost is printed apart from the per-answer rate.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deeppersona_agents import GenerationConfig, MiniLMEmbeddings, create_persona_generator, generate_persona
from deeppersona_agents.simulation.respondents import Relevance
from deeppersona_agents.simulation.survey import SurveyModel
from tests.fakes import FakeChatModel

ITEMS = ["Q1", "Q2", "Q45", "Q46", "Q49", "Q57", "Q164", "Q184", "Q209", "Q254"]


class CountingFake(FakeChatModel):
    """The instant fake, counting the characters of every prompt it is sent."""

    characters: int = 0

    def _generate(self, messages: list, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        self.characters += sum(len(str(m.content)) for m in messages)
        return super()._generate(messages, stop, run_manager, **kwargs)


def throughput(personas: list, relevance: Relevance, concurrency: int) -> None:
    calls = len(personas) * len(ITEMS)
    for method in ("deep", "cultural"):
        start = time.perf_counter()
        sim = SurveyModel(personas, FakeChatModel(), items=ITEMS, method=method, depth=50, embeddings=relevance,
                          concurrency=concurrency)
        built = time.perf_counter() - start
        start, cpu = time.perf_counter(), time.process_time()
        sim.step()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"instant fake, {method:<8}, concurrency {concurrency}: {calls} answers in {wall:.2f} s "
              f"= {calls / wall:,.0f} answers/s; {calls / cpu:,.0f} answers per CPU-second, the rate on an idle "
              f"core (model built in {built:.2f} s)")


def modes(personas: list, relevance: Relevance, block_size: int) -> None:
    runs = {}
    for mode in ("item", "questionnaire"):
        model = CountingFake()
        sim = SurveyModel(personas, model, method="deep", depth=50, embeddings=relevance, mode=mode,
                          block_size=block_size)
        start = time.perf_counter()
        sim.step()
        wall = time.perf_counter() - start
        runs[mode] = {(r["persona_id"], r["item"]): r["answer"] for r in sim.rows}
        print(f"{mode:<13} mode, 57 WVS items: {sim.usage.llm_calls / len(personas):.1f} calls per persona, "
              f"{model.characters / len(personas):,.0f} prompt characters per persona, "
              f"{sum(a is None for a in runs[mode].values())} missing, {wall:.2f} s")
    same = sum(runs["item"][k] == runs["questionnaire"].get(k) for k in runs["item"])
    print(f"answer agreement item vs questionnaire (fake model, answers hash the prompt): "
          f"{same / len(runs['item']):.0%} of {len(runs['item'])}")


def main(n: int, concurrency: int, latency: float, instant_concurrency: int, block_size: int) -> None:
    config = GenerationConfig(attributes=20)
    embeddings = MiniLMEmbeddings()
    generator = create_persona_generator(FakeChatModel(), embeddings, config=config)
    personas = [generate_persona(country="IND", seed=i, config=config, generator=generator) for i in range(n)]
    relevance = Relevance(embeddings)
    start = time.perf_counter()
    relevance.prepare(personas)
    print(f"attribute vectors for {n} personas (once per run): {time.perf_counter() - start:.2f} s")
    for _ in range(2):  # the first pass warms caches (question vectors, imports); both are printed
        throughput(personas, relevance, instant_concurrency)
    calls = n * len(ITEMS)
    sim = SurveyModel(personas, FakeChatModel(latency=latency), items=ITEMS, method="deep", depth=50,
                      embeddings=relevance, concurrency=concurrency)
    start = time.perf_counter()
    sim.step()
    wall = time.perf_counter() - start
    ideal = math.ceil(calls / concurrency) * latency
    print(f"{latency * 1000:.0f} ms fake, concurrency {concurrency}: {calls} answers in {wall:.2f} s "
          f"(ideal {ideal:.2f} s, {wall / ideal:.2f}x ideal)")
    modes(personas[:8], relevance, block_size)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=64, help="personas")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--instant-concurrency", type=int, default=8,
                        help="threads for the instant fake (SurveyModel's default; more only adds GIL contention)")
    parser.add_argument("--block-size", type=int, default=20, help="questionnaire mode: items per call")
    args = parser.parse_args()
    main(args.n, args.concurrency, args.latency, args.instant_concurrency, args.block_size)
