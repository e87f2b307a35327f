"""One way to derive randomness: every random choice in the package takes a generator from here.

A run has one integer seed; each consumer derives its own stream from that seed and a few keys
(the stage name's id, a persona index, an item code, ...), so streams never depend on the order in
which threads or processes happen to run. Integer keys are used as given; text keys are hashed
(SHA-256, stable across processes and Python versions, unlike ``hash``).
"""

from __future__ import annotations

import hashlib

import numpy as np

Key = int | str


def _key(key: Key) -> int:
    if isinstance(key, bool) or not isinstance(key, int | str):
        raise TypeError(f"seed keys are ints or strings, not {type(key).__name__}")
    if isinstance(key, int):
        if key < 0:
            raise ValueError(f"seed key {key} is negative; use a whole number >= 0")
        return key
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:4], "little")


def derive(seed: int, *keys: Key) -> np.random.Generator:
    """A generator for ``keys`` under run ``seed`` (same inputs, same stream)."""
    return np.random.default_rng([int(seed), *map(_key, keys)])


def derive_seed(seed: int, *keys: Key) -> int:
    """An integer seed for ``keys`` under run ``seed`` (for APIs that take an int, e.g. a model's ``seed``)."""
    return int(np.random.SeedSequence([int(seed), *map(_key, keys)]).generate_state(1)[0])
