"""Comparison speed: 1,000 simulated respondents x 57 WVS items x 5 subgroup variables (target < 30 s).

Synthetic data in the official formats (no WVS file is shipped): a reference microdata file of
``--reference-n`` respondents, answers of ``--n`` personas with subgroup levels. Times the reference
step (marginals, subgroup shares, pairwise correlations), ``compare_all`` (marginals with person
bootstrap, subgroups, associations, census raking), then the report and plots. Prints the numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deeppersona_agents.comparison.compare import compare_all
from deeppersona_agents.comparison.plots import write_plots
from deeppersona_agents.comparison.references import wvs7_reference
from deeppersona_agents.comparison.report import markdown_report
from deeppersona_agents.demographics.tables import EDUCATION_LEVELS
from deeppersona_agents.simulation.instruments import load_instrument

BY = ["sex", "age_band", "education", "urban", "religion"]


def official_file(path: Path, n: int, rng: np.random.Generator) -> Path:
    """A WVS-7-format CSV: IND respondents, weights, demographics and every instrument item (5% missing)."""
    items = load_instrument("wvs7").items
    data = {"B_COUNTRY_ALPHA": ["IND"] * n, "W_WEIGHT": rng.uniform(0.3, 3, n).round(3),
            "Q260": rng.integers(1, 3, n), "Q262": rng.integers(18, 90, n), "Q275": rng.integers(0, 9, n),
            "H_URBRURAL": rng.integers(1, 3, n), "Q289": rng.integers(0, 10, n)}
    latent = rng.standard_normal(n)  # one common factor, so items correlate
    for item in items:
        k = len(item.codes)
        score = latent * rng.uniform(-1, 1) + rng.standard_normal(n)
        codes = np.asarray(item.codes)[np.clip(((score + 2) / 4 * k).astype(int), 0, k - 1)]
        data[item.code] = np.where(rng.random(n) < 0.05, -1, codes)
    frame = pd.DataFrame(data)
    path.write_text(frame.to_csv(sep=";", index=False), encoding="utf-8-sig")
    return path


def simulated(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Answers (one per person and item) and the persons' subgroup levels."""
    items = load_instrument("wvs7").items
    ids = [f"p{i}" for i in range(n)]
    groups = pd.DataFrame({"sex": rng.choice(["male", "female"], n),
                           "age_band": rng.choice(["18-29", "30-49", "50+"], n),
                           "education": rng.choice(EDUCATION_LEVELS, n), "urban": rng.choice(["urban", "rural"], n),
                           "religion": rng.choice(["hindu", "muslim", "christian", "other"], n)}, index=ids)
    answers = pd.DataFrame({"persona_id": np.repeat(ids, len(items)), "country": "IND", "method": "deep",
                            "item": [it.code for it in items] * n,
                            "answer": [rng.choice(it.codes) for _ in range(n) for it in items]})
    return answers, groups


class Lap:
    """Wall and CPU seconds of one step."""

    def __init__(self, wall: float, cpu: float) -> None:
        self.pair = (wall, cpu)

    def __str__(self) -> str:
        return f"{self.pair[0]:.2f} s wall, {self.pair[1]:.2f} s CPU"


class Clock:
    """Laps of wall-clock and process CPU time."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> Lap:
        wall, cpu = time.perf_counter(), time.process_time()
        lap = Lap(wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return lap


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--reference-n", type=int, default=1692)
    parser.add_argument("--bootstrap", type=int, default=500)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = official_file(Path(tmp) / "wvs.csv", args.reference_n, rng)
        answers, groups = simulated(args.n, rng)
        clock = Clock()
        ref = wvs7_reference(path, by=BY)
        t_ref = clock.lap()
        result = compare_all(answers, ref["marginals"], personas=groups, by=BY, reference_subgroups=ref["subgroups"],
                             reference_associations=ref["associations"], weight_to="census", n_boot=args.bootstrap)
        t_compare = clock.lap()
        figures = write_plots(result, ref["marginals"], Path(tmp))
        markdown_report(result, {k: [p.name for p in v] for k, v in figures.items()})
        t_plots = clock.lap()
    print(f"reference ({args.reference_n} respondents, {ref['marginals']['item'].nunique()} items, {len(BY)} groups, "
          f"{len(ref['associations'])} pairs): {t_ref}")
    print(f"compare_all ({args.n} persons x {answers['item'].nunique()} items x {len(BY)} groups, "
          f"bootstrap {args.bootstrap}, census raking): {t_compare} "
          f"[{len(result.metrics)} metric rows, {len(result.subgroups)} subgroup rows, "
          f"{len(result.associations)} pairs, ESS {result.weighting['effective_sample_size'].iloc[0]:.0f}]")
    print(f"report + {sum(len(v) for v in figures.values())} plots: {t_plots}")
    total = [a + b + c for a, b, c in zip(t_ref.pair, t_compare.pair, t_plots.pair, strict=True)]
    print(f"total: {total[0]:.2f} s wall, {total[1]:.2f} s CPU (target: under 30 s); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall time grows with other users' load)")


if __name__ == "__main__":
    main()
