"""The paper's Big-Five study: personas take the IPIP-50, scored into traits, compared with a reference.

Trait scores per persona and method; with a real trait-score reference the distributions are compared.

    python -m simulations.big_five_study --country USA -n 3 --out runs/big5
    python -m simulations.big_five_study --country USA -n 50 --reference usa_ipip.csv   # after
        `deeppersona reference ipip data-final.csv --countries USA --out usa_ipip.csv`
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from deeppersona_agents import GenerationConfig
from deeppersona_agents._io import write_csv_atomic, write_text_atomic
from deeppersona_agents.comparison.compare import compare_answers, markdown_report
from deeppersona_agents.comparison.references import read_marginals
from deeppersona_agents.population import spawn_population
from deeppersona_agents.simulation import load_instrument
from deeppersona_agents.simulation.harness import run_methods
from deeppersona_agents.simulation.traits import trait_rows


def main(
    seed: int = 0,
    n: int = 3,
    *,
    country: str = "USA",
    attributes: int = 20,
    items: Sequence[str] | None = None,
    methods: Sequence[str] = ("deep", "cultural"),
    mode: str = "questionnaire",
    model: BaseChatModel | None = None,
    embeddings: Embeddings | None = None,
    reference: str | Path | None = None,
    out: str | Path | None = None,
) -> pd.DataFrame:
    """Generate personas, administer IPIP-50 items; return trait-score rows (``item`` = ``trait:EXT`` ...).

    With ``reference`` (marginals with ``trait:`` rows, as ``deeppersona reference ipip`` writes them) the
    simulated item and trait distributions are compared with the real ones (``metrics.csv``, ``report.md``).
    """
    personas = spawn_population(country, n, model=model, embeddings=embeddings, seed=seed,
                                config=GenerationConfig(attributes=attributes), audit=False).personas
    if len(personas) < n:
        print(f"{n - len(personas)} of {n} personas failed; surveying the {len(personas)} that were made")
    ipip = load_instrument("ipip50")
    answers = run_methods(personas, model, instrument=ipip, items=items, methods=methods, mode=mode,
                          embeddings=embeddings, seed=seed)
    traits = trait_rows(answers, ipip)
    folder = Path(out) if out is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        write_csv_atomic(folder / "answers.csv", pd.concat([answers, traits], ignore_index=True))
        write_csv_atomic(folder / "trait_scores.csv", traits)
    print(traits.pivot_table(index="method", columns="item", values="answer").round(2).to_string())
    if reference is not None:
        metrics = compare_answers(pd.concat([answers, traits], ignore_index=True), read_marginals(reference),
                                  n_boot=200, seed=seed)
        report = markdown_report(metrics)
        print(report)
        if folder is not None:
            write_csv_atomic(folder / "metrics.csv", metrics)
            write_text_atomic(folder / "report.md", report)
    return traits


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-n", "--count", dest="n", type=int, default=3, help="personas")
    parser.add_argument("--country", default="USA")
    parser.add_argument("--attributes", type=int, default=20)
    parser.add_argument("--methods", default="deep,cultural")
    parser.add_argument("--mode", default="questionnaire", choices=["item", "questionnaire"])
    parser.add_argument("--reference", default=None, help="marginals CSV with trait: rows")
    parser.add_argument("--out", default="runs/big5")
    args = parser.parse_args()
    main(args.seed, args.n, country=args.country, attributes=args.attributes, methods=args.methods.split(","),
         mode=args.mode, reference=args.reference, out=args.out)
