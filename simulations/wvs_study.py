"""The paper's World Values Survey study: deep personas and baselines answer WVS-7 items.

With a reference marginals file the simulated distributions are compared with the real ones.

    python -m simulations.wvs_study --country IND -n 3 --attributes 20 --out runs/wvs
    python -m simulations.wvs_study --country IND -n 50 --reference ind_marginals.csv   # after
        `deeppersona reference wvs7 WVS_Cross-National_Wave_7_csv_v6_0.csv --countries IND --out ind_marginals.csv`
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from deeppersona_agents import GenerationConfig
from deeppersona_agents.comparison.compare import compare_answers, markdown_report
from deeppersona_agents.comparison.references import read_marginals
from deeppersona_agents.population import spawn_population
from deeppersona_agents.simulation.harness import run_methods

PAPER_ITEMS = ("Q45", "Q46", "Q57", "Q184", "Q209", "Q218", "Q254")


def main(
    seed: int = 0,
    n: int = 3,
    *,
    country: str = "IND",
    attributes: int = 20,
    items: Sequence[str] = PAPER_ITEMS,
    methods: Sequence[str] = ("deep", "cultural", "oneliner"),
    depths: Sequence[int] = (),
    instrument: str = "wvs7",
    model: BaseChatModel | None = None,
    embeddings: Embeddings | None = None,
    reference: str | Path | None = None,
    out: str | Path | None = None,
) -> pd.DataFrame:
    """Generate ``n`` personas for ``country``, survey them with every method; return the answers.

    Personas are ``spawn_population(country, n, seed=seed)``'s, so ``deeppersona population`` with the same
    seed makes the same people; the embedded models are used unless others are passed.
    """
    personas = spawn_population(country, n, model=model, embeddings=embeddings, seed=seed,
                                config=GenerationConfig(attributes=attributes), audit=False).personas
    if len(personas) < n:
        print(f"{n - len(personas)} of {n} personas failed; surveying the {len(personas)} that were made")
    answers = run_methods(personas, model, instrument=instrument, items=items, methods=methods, depths=depths,
                          seed=seed)
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "personas.jsonl").write_text("\n".join(p.model_dump_json() for p in personas) + "\n")
        answers.to_csv(folder / "answers.csv", index=False)
    if reference is not None:
        metrics = compare_answers(answers, read_marginals(reference), n_boot=200, seed=seed)
        print(markdown_report(metrics))
        if out is not None:
            metrics.to_csv(Path(out) / "metrics.csv", index=False)
    else:
        shares = answers.groupby(["method", "item"])["answer"].value_counts(normalize=True).unstack(fill_value=0)
        print(shares.round(2).to_string())
    return answers


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--country", default="IND")
    parser.add_argument("--attributes", type=int, default=20)
    parser.add_argument("--items", default=",".join(PAPER_ITEMS))
    parser.add_argument("--methods", default="deep,cultural,oneliner")
    parser.add_argument("--reference", default=None)
    parser.add_argument("--out", default="runs/wvs")
    args = parser.parse_args()
    main(args.seed, args.n, country=args.country, attributes=args.attributes, items=args.items.split(","),
         methods=args.methods.split(","), reference=args.reference, out=args.out)
