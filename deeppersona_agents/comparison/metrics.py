"""Distances between a simulated and a real answer distribution on one survey item.

Distributions are shares over the item's ordered valid codes (its ``support``). All metrics take
shares, so weighted samples and published marginals are treated alike:

* KS statistic: the largest gap between the two cumulative distributions;
* 1-Wasserstein: the area between the cumulative distributions on the item's code scale;
* Jensen-Shannon divergence (natural log, in [0, ln 2]) and its square root, the JS distance;
* total variation distance: half the sum of absolute share differences (the largest gap in the
  share of any set of codes);
* absolute difference of means (on the code scale).

Which metrics an item gets depends on its scale: ordinal and binary items get all of them; nominal
items (unordered codes such as WVS Q152 "aims of the country") get only JS and total variation, since
cumulative distributions, code distances and means depend on an order those codes do not have.
Variance: ``sd_ratio`` (simulated SD / real SD, ordered items) and the share of the modal answer, real
and simulated; ``collapse`` flags a simulated spread under half the real one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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


def total_variation(p: ArrayLike, q: ArrayLike) -> float:
    """Total variation distance: half the L1 distance between the share vectors (0 to 1)."""
    a, b = _check(p, q)
    return float(np.abs(a - b).sum() / 2)


def mean_difference(p: ArrayLike, q: ArrayLike, support: ArrayLike) -> float:
    """Absolute difference of the two means on the code scale."""
    a, b = _check(p, q)
    codes = np.asarray(support, float)
    return float(abs(a @ codes - b @ codes))


ORDERED_METRICS = ("ks", "wasserstein", "js_divergence", "js_distance", "total_variation", "mean_diff")
NOMINAL_METRICS = ("js_divergence", "js_distance", "total_variation")
#: Variance collapse: the simulated spread is under this fraction of the real one.
COLLAPSE_RATIO = 0.5


def metrics_for(scale: str) -> tuple[str, ...]:
    """The metric names that make sense for an item of this scale (``ordinal``, ``binary``, ``nominal``)."""
    if scale not in ("ordinal", "binary", "nominal"):
        raise ConfigError(f"unknown item scale {scale!r}; use ordinal, binary or nominal")
    return NOMINAL_METRICS if scale == "nominal" else ORDERED_METRICS


def _metric_fns(reference: np.ndarray, support: np.ndarray, scale: str) -> dict[str, Callable[[np.ndarray], float]]:
    every: dict[str, Callable[[np.ndarray], float]] = {
        "ks": lambda s: ks_statistic(s, reference),
        "wasserstein": lambda s: wasserstein(s, reference, support),
        "js_divergence": lambda s: js_divergence(s, reference),
        "js_distance": lambda s: js_distance(s, reference),
        "total_variation": lambda s: total_variation(s, reference),
        "mean_diff": lambda s: mean_difference(s, reference, support),
    }
    return {name: every[name] for name in metrics_for(scale)}


def rowwise_metrics(shares: np.ndarray, reference: np.ndarray, support: np.ndarray,
                    names: Iterable[str]) -> dict[str, np.ndarray]:
    """The named metrics for many share vectors at once (rows of ``shares``), as the scalar functions compute them."""
    a = np.where(shares < TINY, 0.0, shares / shares.sum(axis=1, keepdims=True))
    a /= a.sum(axis=1, keepdims=True)
    b = reference / reference.sum()
    b = np.where(b < TINY, 0.0, b)
    b /= b.sum()
    gap = np.cumsum(a, axis=1) - np.cumsum(b)
    m = (a + b) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_a = np.where(a > 0, a * np.log(a / m), 0.0).sum(axis=1)
        kl_b = np.where(b > 0, b * np.log(b / m), 0.0).sum(axis=1)
    js = np.maximum(0.0, (kl_a + kl_b) / 2)
    every = {"ks": lambda: np.abs(gap).max(axis=1),
             "wasserstein": lambda: np.abs(gap)[:, :-1] @ np.diff(support),
             "js_divergence": lambda: js, "js_distance": lambda: np.sqrt(js),
             "total_variation": lambda: np.abs(a - b).sum(axis=1) / 2,
             "mean_diff": lambda: np.abs(a @ support - b @ support)}
    return {name: every[name]() for name in names}


def one_per_person(answers: ArrayLike, support: ArrayLike, weights: ArrayLike | None = None) -> np.ndarray:
    """A person matrix where each answer is its own respondent (answers off the support are dropped)."""
    from deeppersona_agents.comparison.units import person_matrix

    values = np.asarray(answers, float)
    w = None if weights is None else np.asarray(weights, float)
    matrix = person_matrix(np.arange(len(values)), len(values), values, np.asarray(support, float), w)
    return matrix[matrix.sum(axis=1) > 0]


def _sd(p: np.ndarray, codes: np.ndarray) -> float:
    mean = p @ codes
    return float(np.sqrt(max(0.0, p @ (codes - mean) ** 2)))


@dataclass(frozen=True)
class ItemComparison:
    """One item's metrics (only those its scale allows), bootstrap CIs over persons, and variance figures."""

    scale: str
    metrics: dict[str, float]
    ci: dict[str, tuple[float, float]]
    n_simulated: int
    sd_real: float
    sd_sim: float
    sd_ratio: float
    modal_share_real: float
    modal_share_sim: float
    collapse: bool


def compare_item(
    matrix: np.ndarray,
    reference: ArrayLike,
    support: ArrayLike,
    *,
    scale: str = "ordinal",
    weights: ArrayLike | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    rng: np.random.Generator | None = None,
) -> ItemComparison:
    """Compare simulated persons with ``reference`` shares over ``support``.

    Args:
        matrix: one row per person, their shares of each ``support`` code (see
            :func:`~deeppersona_agents.comparison.units.person_matrix`), or a 1-D array of answer codes,
            each its own person (codes off the support are left out).
            Rows that are all zero (no valid answer) are left out.
        reference: real shares over ``support``.
        support: the item's valid codes, ascending.
        scale: ``ordinal``, ``binary`` or ``nominal`` (nominal: JS and total variation only).
        weights: one weight per person (raking weights); 1 when omitted.
        n_boot: bootstrap resamples of persons (0: no CIs); every metric's CI comes from the same resamples.
        level: confidence level of the percentile CIs.
        rng: generator for the resamples.
    """
    ref, codes = np.asarray(reference, float), np.asarray(support, float)
    data = np.asarray(matrix, float)
    if data.ndim == 1:  # plain answer codes: each answer is its own respondent
        data = one_per_person(data, codes)
    w_all = np.ones(len(data)) if weights is None else np.asarray(weights, float)
    keep = (data.sum(axis=1) > 0) & (w_all > 0)
    data, w = data[keep], w_all[keep]
    if len(data) == 0:
        raise ConfigError("no person has a valid answer on this item; nothing to compare")
    weighted = data * w[:, None]
    sim = weighted.sum(axis=0) / w.sum()
    fns = _metric_fns(ref, codes, scale)
    ci: dict[str, tuple[float, float]] = {}
    if n_boot:
        resamples: list[np.ndarray] = []

        def statistic(idx: np.ndarray) -> float:  # one resample of persons -> its shares (kept for every metric)
            m = np.bincount(idx, minlength=len(data)).astype(float)
            resamples.append((m @ weighted) / (m @ w))
            return total_variation(resamples[-1], ref)

        ci["total_variation"] = percentile_ci(len(data), statistic, n_boot=n_boot, level=level, rng=rng)
        alpha = (1 - level) / 2
        for name, values in rowwise_metrics(np.array(resamples), ref, codes, fns).items():
            if name != "total_variation":
                low, high = np.quantile(values, [alpha, 1 - alpha])
                ci[name] = (float(low), float(high))
    ref_n = ref / ref.sum()
    sd_real, sd_sim = (_sd(ref_n, codes), _sd(sim, codes)) if scale != "nominal" else (float("nan"),) * 2
    sd_ratio = sd_sim / sd_real if scale != "nominal" and sd_real > 0 else float("nan")
    modal_real, modal_sim = float(ref_n.max()), float(sim.max())
    if scale == "nominal":
        collapse = (1 - modal_sim) < COLLAPSE_RATIO * (1 - modal_real)
    else:
        collapse = bool(sd_ratio < COLLAPSE_RATIO)
    return ItemComparison(scale=scale, metrics={name: fn(sim) for name, fn in fns.items()}, ci=ci,
                          n_simulated=len(data), sd_real=sd_real, sd_sim=sd_sim, sd_ratio=sd_ratio,
                          modal_share_real=modal_real, modal_share_sim=modal_sim, collapse=bool(collapse))
