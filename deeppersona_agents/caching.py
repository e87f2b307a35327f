"""A memo for expensive loaders that many threads may ask for at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any


def load_once[F: Callable[..., Any]](fn: F) -> F:
    """Cache ``fn`` by its positional arguments; concurrent first calls compute the value only once.

    ``functools.lru_cache`` lets every thread that misses compute the value itself, so a population
    run starting 80 personas at once loaded the same city list 80 times. Cached calls take no lock.
    """
    values: dict[tuple[Any, ...], Any] = {}
    lock = threading.RLock()

    @wraps(fn)
    def wrapper(*args: Any) -> Any:
        try:
            return values[args]
        except KeyError:
            pass
        with lock:
            if args not in values:
                values[args] = fn(*args)
            return values[args]

    wrapper.cache_clear = values.clear  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
