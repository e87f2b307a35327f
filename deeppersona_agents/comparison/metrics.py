"""Distances between a simulated and a real answer distribution on one survey item.

Distributions are shares over the item's ordered valid codes (its ``support``). All metrics take
shares, so weighted samples and published marginals are treated alike:

* KS statistic: the largest gap between the two cumulative distributions;
* 1-Wasserstein: the area between the cumulative distributions on the item's code scale;
* Jensen-Shannon divergence (natural log, in [0, ln 2]) and its square root, the JS distance;
* absolute difference of means (on the code scale).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from deeppersona_agents.bootstrap import percentile_ci
from deeppersona_agents.errors import ConfigError

ArrayLike = Sequence[float] | np.ndarray
TINY = 1e-12


def shares(answers: ArrayLike, support: ArrayLike, weights: ArrayLike | None = None) -> np.ndarray:
    """Weighted shares of each code in ``support``; answers outside it (missing codes) are ignored.

    Raises:
        ConfigError: no answer falls on the support, or weights do not match the answers.
    """
    values = np.asarray(answers, float)
    w = np.ones_like(values) if weights is None else np.asarray(weights, float)
    if w.shape != values.shape:
        raise ConfigError(f"{len(w)} weights for {len(values)} answers; give one weight per answer")
    codes = np.asarray(support, float)
    counts = np.array([w[values == c].sum() for c in codes])
    total = counts.sum()
    if total <= 0:
        raise ConfigError(f"no valid answers on the scale {list(support)}; nothing to compare")
    return counts / total


def _check(p: ArrayLike, q: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(p, float), np.asarray(q, float)
    if a.shape != b.shape or a.ndim != 1:
        raise ConfigError(f"distributions must be 1-D over the same codes (got {a.shape} and {b.shape})")
    if (a < -1e-12).any() or (b < -1e-12).any() or a.sum() <= 0 or b.sum() <= 0:
        raise ConfigError("distributions need non-negative shares with a positive total")
    a, b = a / a.sum(), b / b.sum()
    a[a < TINY], b[b < TINY] = 0.0, 0.0  # far below any survey share; avoids underflow in the logs
    return a / a.sum(), b / b.sum()


def ks_statistic(p: ArrayLike, q: ArrayLike) -> float:
    """Kolmogorov-Smirnov statistic: max |CDF_p - CDF_q| over the ordered codes."""
    a, b = _check(p, q)
    return float(np.abs(np.cumsum(a) - np.cumsum(b)).max())


def wasserstein(p: ArrayLike, q: ArrayLike, support: ArrayLike) -> float:
    """1-Wasserstein distance on the item's ordinal code scale."""
    a, b = _check(p, q)
    codes = np.asarray(support, float)
    if codes.shape != a.shape:
        raise ConfigError("support must list one code per share")
    gaps = np.diff(codes)
    return float(np.sum(np.abs(np.cumsum(a) - np.cumsum(b))[:-1] * gaps))


def js_divergence(p: ArrayLike, q: ArrayLike) -> float:
    """Jensen-Shannon divergence with natural logarithms (0 = identical, ln 2 = disjoint)."""
    a, b = _check(p, q)
    m = (a + b) / 2

    def kl(x: np.ndarray) -> float:
        mask = x > 0
        return float(np.sum(x[mask] * np.log(x[mask] / m[mask])))

    return max(0.0, (kl(a) + kl(b)) / 2)


def js_distance(p: ArrayLike, q: ArrayLike) -> float:
    """Square root of :func:`js_divergence` (a metric)."""
    return float(np.sqrt(js_divergence(p, q)))


def mean_difference(p: ArrayLike, q: ArrayLike, support: ArrayLike) -> float:
    """Absolute difference of the two means on the code scale."""
    a, b = _check(p, q)
    codes = np.asarray(support, float)
    return float(abs(a @ codes - b @ codes))


def bootstrap_ci(
    answers: ArrayLike,
    support: ArrayLike,
    statistic: Callable[[np.ndarray], float],
    *,
    weights: ArrayLike | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    rng: np.random.Generator | None = None,
) -> tuple[float, float]:
    """Percentile bootstrap CI of ``statistic(shares)`` by resampling the simulated answers."""
    values = np.asarray(answers, float)
    codes = np.asarray(support, float)
    keep = np.isin(values, codes)
    values = values[keep]
    w = np.ones_like(values) if weights is None else np.asarray(weights, float)[keep]
    if len(values) == 0:
        raise ConfigError("no valid answers to bootstrap")
    gen = rng or np.random.default_rng(0)
    index = {c: i for i, c in enumerate(codes)}
    code_idx = np.array([index[v] for v in values])

    def of_resample(draw: np.ndarray) -> float:
        counts = np.bincount(code_idx[draw], weights=w[draw], minlength=len(codes))
        return statistic(counts / counts.sum())

    return percentile_ci(len(values), of_resample, n_boot=n_boot, level=level, rng=gen)


@dataclass(frozen=True)
class ItemComparison:
    """All metrics for one item, with bootstrap CIs (over the simulated answers)."""

    ks: float
    wasserstein: float
    js_divergence: float
    js_distance: float
    mean_diff: float
    n_simulated: int
    ci: dict[str, tuple[float, float]]


def compare_item(
    answers: ArrayLike,
    reference: ArrayLike,
    support: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    n_boot: int = 1000,
    rng: np.random.Generator | None = None,
) -> ItemComparison:
    """Compare simulated ``answers`` (codes) with ``reference`` shares over ``support``."""
    ref = np.asarray(reference, float)
    sim = shares(answers, support, weights)
    metrics: dict[str, Callable[[np.ndarray], float]] = {
        "ks": lambda s: ks_statistic(s, ref),
        "wasserstein": lambda s: wasserstein(s, ref, support),
        "js_divergence": lambda s: js_divergence(s, ref),
        "js_distance": lambda s: js_distance(s, ref),
        "mean_diff": lambda s: mean_difference(s, ref, support),
    }
    gen = rng or np.random.default_rng(0)
    ci = {name: bootstrap_ci(answers, support, fn, weights=weights, n_boot=n_boot, rng=gen)
          for name, fn in metrics.items()} if n_boot else {}
    n_valid = int(np.isin(np.asarray(answers, float), np.asarray(support, float)).sum())
    return ItemComparison(**{name: fn(sim) for name, fn in metrics.items()}, n_simulated=n_valid, ci=ci)
