"""(c) Seconds per k = 50 persona on the embedded model (SmolLM2-135M, 2 CPU threads)."""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial

from deeppersona_agents import GenerationConfig, create_persona_generator, generate_persona


def _record_seconds(timings: dict[str, float], event: dict) -> None:
    if "seconds" in event:
        timings[event["stage"]] = event["seconds"]


def main(n: int = 3, k: int = 50) -> None:
    config = GenerationConfig(attributes=k)
    generator = create_persona_generator(config=config)  # embedded model + MiniLM (nothing configured)
    seconds = []
    for seed in range(n):
        timings: dict[str, float] = {}  # stage seconds arrive with the progress events
        start = time.perf_counter()
        p = generate_persona(country="KEN", seed=seed, config=config, generator=generator,
                             on_event=partial(_record_seconds, timings))
        seconds.append(time.perf_counter() - start)
        stages = ", ".join(f"{s} {t:.1f}" for s, t in timings.items())
        print(f"seed={seed}: {seconds[-1]:.1f} s, {len(p.sampled_attributes())} attributes, "
              f"{p.manifest.llm_calls} calls [{stages}]")
    print(f"k={k}: mean {statistics.mean(seconds):.1f} s per persona, max {max(seconds):.1f} s (n={n})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("-k", type=int, default=50)
    args = parser.parse_args()
    main(args.n, args.k)
