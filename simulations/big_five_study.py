"""The paper's Big-Five study: deep personas take the IPIP-50; trait scores per persona and method.

python -m simulations.big_five_study --country USA -n 3 --out runs/big5
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from deeppersona_agents import GenerationConfig
from deeppersona_agents.population import spawn_population
from deeppersona_agents.simulation import load_instrument, trait_scores
from deeppersona_agents.simulation.harness import run_methods


def main(
    seed: int = 0,
    n: int = 3,
    *,
    country: str = "USA",
    attributes: int = 20,
    items: Sequence[str] | None = None,
    methods: Sequence[str] = ("deep", "cultural"),
    model: BaseChatModel | None = None,
    embeddings: Embeddings | None = None,
    out: str | Path | None = None,
) -> pd.DataFrame:
    """Generate personas, administer IPIP-50 items, return one row of trait scores per persona x method."""
    personas = spawn_population(country, n, model=model, embeddings=embeddings, seed=seed,
                                config=GenerationConfig(attributes=attributes), audit=False).personas
    if len(personas) < n:
        print(f"{n - len(personas)} of {n} personas failed; surveying the {len(personas)} that were made")
    ipip = load_instrument("ipip50")
    answers = run_methods(personas, model, instrument=ipip, items=items, methods=methods, seed=seed)
    rows = []
    for (pid, method), group in answers.groupby(["persona_id", "method"], sort=True):
        given = {r.item: (None if pd.isna(r.answer) else int(r.answer)) for r in group.itertuples()}
        rows.append({"persona_id": pid, "method": method, **trait_scores(given, ipip)})
    scores = pd.DataFrame(rows)
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        answers.to_csv(folder / "answers.csv", index=False)
        scores.to_csv(folder / "trait_scores.csv", index=False)
    print(scores.groupby("method").mean(numeric_only=True).round(2).to_string())
    return scores


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--country", default="USA")
    parser.add_argument("--attributes", type=int, default=20)
    parser.add_argument("--out", default="runs/big5")
    args = parser.parse_args()
    main(args.seed, args.n, country=args.country, attributes=args.attributes, out=args.out)
