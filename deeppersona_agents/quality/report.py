"""Personalised Q&A, the report: aggregate scores with bootstrap CIs, blind A/B export, depth plot."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from deeppersona_agents._io import write_jsonl_atomic
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.quality.intrinsic import mean_ci
from deeppersona_agents.quality.rubric import DIMENSION_IDS, OVERALL, REQUESTS, SCORE_MAX, SCORE_MIN
from deeppersona_agents.seeding import derive


def _stable_rng(seed: int, *parts: str) -> np.random.Generator:
    return derive(seed, "|".join(parts))


def row_overall(row: dict[str, Any]) -> float:
    """Mean of a row's scores (NaN for a failed row)."""
    scores = row.get("scores") or {}
    return float(np.mean(list(scores.values()))) if row.get("status") == "ok" and scores else math.nan


def aggregate(
    rows: Sequence[dict[str, Any]],
    *,
    baseline: str | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Per source and dimension (plus ``overall``): mean, bootstrap CI, gain relative to ``baseline``.

    Only ``status == "ok"`` rows count. ``baseline`` defaults to the first source in ``rows``;
    ``relative_gain`` = (mean - baseline mean) / baseline mean. Each (source, dimension) bootstrap
    has its own generator derived from ``seed``, so results do not depend on row or source order.
    """
    sources = list(dict.fromkeys(str(r["source"]) for r in rows))
    if not sources:
        raise ConfigError("no QA results to aggregate; run the QA evaluation first")
    base = baseline or sources[0]
    if base not in sources:
        raise ConfigError(f"baseline source {base!r} is not among the results ({', '.join(sources)})")
    table: list[dict[str, Any]] = []
    for source in sources:
        group = [r for r in rows if r["source"] == source]
        ok = [r for r in group if r["status"] == "ok"]
        for dimension in (*DIMENSION_IDS, OVERALL):
            if dimension == OVERALL:
                values = [row_overall(r) for r in ok]
            else:
                values = [r["scores"][dimension] for r in ok if dimension in r["scores"]]
            mean, low, high = mean_ci(values, n_boot=n_boot, level=level, rng=_stable_rng(seed, source, dimension))
            table.append({"source": source, "dimension": dimension, "n": len(values), "failed": len(group) - len(ok),
                          "mean": mean, "ci_low": low, "ci_high": high})
    base_means = {t["dimension"]: t["mean"] for t in table if t["source"] == base}
    for entry in table:
        ref = base_means.get(entry["dimension"], math.nan)
        entry["relative_gain"] = (entry["mean"] - ref) / ref if ref and math.isfinite(ref) else math.nan
    return table


def export_pairs(
    result: Any,
    pairs_path: str | Path,
    key_path: str | Path,
    *,
    sources: Sequence[str] | None = None,
    seed: int = 0,
    max_attributes: int | None = None,
) -> int:
    """Blind A/B pairs for human raters, plus the hidden key mapping each side back to its source.

    For every two sources and every request, the i-th persona of one source (in result order) is
    paired with the i-th persona of the other; only pairs where both answers were graded are kept.
    Which source appears as A is drawn per pair from ``seed``. Profiles are included when ``result``
    is a :class:`QAResult` (it knows the personas). Returns the number of pairs written.
    """
    rows = list(getattr(result, "rows", result))
    personas = getattr(result, "personas", {})
    names = list(sources or dict.fromkeys(str(r["source"]) for r in rows))
    if len(names) < 2:
        raise ConfigError("pairwise export needs answers from at least two sources")
    request_text = {r.id: r.text for r in REQUESTS}
    rng = derive(seed)
    pairs: list[dict[str, Any]] = []
    keys: list[dict[str, Any]] = []
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            for request_id in dict.fromkeys(str(r["request_id"]) for r in rows):
                left = [r for r in rows if r["source"] == first and r["request_id"] == request_id]
                right = [r for r in rows if r["source"] == second and r["request_id"] == request_id]
                for a, b in zip(left, right, strict=False):
                    if a["status"] != "ok" or b["status"] != "ok":
                        continue
                    if rng.random() < 0.5:
                        a, b = b, a
                    pair_id = f"pair-{len(pairs) + 1:05d}"
                    entry = {"pair_id": pair_id, "request_id": request_id,
                             "request": request_text.get(request_id, request_id),
                             "response_a": a["response"], "response_b": b["response"]}
                    for side, row in (("a", a), ("b", b)):
                        persona = personas.get((row["source"], row["persona_id"]))
                        if persona is not None:
                            entry[f"profile_{side}"] = persona.render(max_attributes)
                    pairs.append(entry)
                    keys.append({"pair_id": pair_id, "a_source": a["source"], "a_persona": a["persona_id"],
                                 "b_source": b["source"], "b_persona": b["persona_id"], "request_id": request_id})
    write_jsonl_atomic(Path(pairs_path), pairs)
    write_jsonl_atomic(Path(key_path), keys)
    return len(pairs)





def plot_metric_vs_depth(table: Sequence[dict[str, Any]], path: str | Path, metric: str = OVERALL) -> Path:
    """PNG of ``metric`` (with its CI when it is ``overall``) against depth (matplotlib, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    depths = [t["depth"] for t in table]
    values = [t.get(metric, math.nan) for t in table]
    figure = Figure(figsize=(6, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if metric == OVERALL and all("overall_ci_low" in t for t in table):
        low = [v - t["overall_ci_low"] for v, t in zip(values, table, strict=True)]
        high = [t["overall_ci_high"] - v for v, t in zip(values, table, strict=True)]
        axes.errorbar(depths, values, yerr=[low, high], marker="o", capsize=4)
    else:
        axes.plot(depths, values, marker="o")
    axes.set_xlabel("attributes in the profile (k)")
    axes.set_ylabel(f"{metric} score ({SCORE_MIN}-{SCORE_MAX})")
    axes.set_title(f"Personalised QA: {metric} vs persona depth")
    axes.grid(alpha=0.3)
    out = Path(path)
    figure.savefig(out)
    return out

