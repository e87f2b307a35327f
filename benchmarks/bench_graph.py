"""(a) Personas per second through the full graph at k = 200 with an instant fake chat model."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deeppersona_agents import GenerationConfig, MiniLMEmbeddings, create_persona_generator, generate_persona
from tests.fakes import FakeChatModel


def main(n: int = 60, k: int = 200) -> None:
    config = GenerationConfig(attributes=k)
    generator = create_persona_generator(FakeChatModel(), MiniLMEmbeddings(), config=config)
    generate_persona(country="KEN", seed=-1, config=config, generator=generator)  # warm-up
    stage_totals: dict[str, list[float]] = {}
    start = time.perf_counter()
    for seed in range(n):
        persona = generate_persona(country="KEN", seed=seed, config=config, generator=generator)
        assert len(persona.sampled_attributes()) == k
        for stage, secs in persona.manifest.timings.items():
            stage_totals.setdefault(stage, []).append(secs)
    wall = time.perf_counter() - start
    print(f"k={k}, n={n}: {n / wall:.1f} personas/s ({1000 * wall / n:.1f} ms per persona)")
    for stage, values in stage_totals.items():
        print(f"  {stage:<18} {1000 * statistics.mean(values):6.2f} ms")
    overhead = wall / n - sum(statistics.mean(v) for v in stage_totals.values())
    print(f"  {'graph overhead':<18} {1000 * overhead:6.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=60)
    parser.add_argument("-k", type=int, default=200)
    args = parser.parse_args()
    main(args.n, args.k)
