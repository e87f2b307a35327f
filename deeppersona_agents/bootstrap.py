"""Percentile bootstrap shared by the survey comparison and the persona-quality reports.

Resampling is over *units* (respondents, personas): a statistic receives the indices of one
resample, so everything that belongs to a unit (all of a person's answers) moves together.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def percentile_ci(
    n_units: int,
    statistic: Callable[[np.ndarray], float],
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    rng: np.random.Generator | None = None,
) -> tuple[float, float]:
    """Percentile CI of ``statistic(indices)`` over ``n_boot`` resamples of ``range(n_units)`` with replacement.

    Raises:
        ValueError: ``n_units`` < 1, ``n_boot`` < 1 or ``level`` outside (0, 1).
    """
    if n_units < 1 or n_boot < 1 or not 0 < level < 1:
        raise ValueError(f"bootstrap needs n_units >= 1, n_boot >= 1, 0 < level < 1 (got {n_units}, {n_boot}, {level})")
    gen = rng if rng is not None else np.random.default_rng(0)
    draws = gen.integers(0, n_units, (n_boot, n_units))
    stats = np.fromiter((statistic(row) for row in draws), float, n_boot)
    alpha = (1 - level) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return float(low), float(high)
