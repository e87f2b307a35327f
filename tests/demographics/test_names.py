"""Names stay a function of the caller's generator even when threads share one Faker."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from deeppersona_agents.demographics.names import person_name


def _names(seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [person_name("KEN", ("female", "male")[i % 2], rng) for i in range(40)]


def test_names_are_the_same_under_threads_as_in_sequence():
    seeds = list(range(48))
    sequential = [_names(s) for s in seeds]
    with ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(_names, seeds))
    assert threaded == sequential
    assert len({n for names in sequential for n in names}) > 100  # real variety, not one fixed name
