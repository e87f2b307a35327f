"""load_once: one computation however many threads miss at the same time."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from deeppersona_agents.caching import load_once


def test_concurrent_first_calls_compute_once_per_argument():
    calls: list[str] = []
    lock = threading.Lock()

    @load_once
    def slow_table(code: str) -> dict[str, str]:
        with lock:
            calls.append(code)
        time.sleep(0.05)  # long enough that every thread misses before the first one finishes
        return {"code": code}

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(slow_table, ["KEN", "DEU"] * 16))

    assert sorted(calls) == ["DEU", "KEN"]
    assert all(r is slow_table(r["code"]) for r in results)  # every caller got the one cached object


def test_cache_clear_recomputes_and_errors_are_not_cached():
    seen = []

    @load_once
    def flaky(x: int) -> int:
        seen.append(x)
        if len(seen) == 1:
            raise RuntimeError("first try fails")
        return x * 2

    try:
        flaky(3)
    except RuntimeError:
        pass
    assert flaky(3) == 6 and flaky(3) == 6
    assert seen == [3, 3]
    flaky.cache_clear()
    assert flaky(3) == 6 and seen == [3, 3, 3]
