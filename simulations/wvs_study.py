r"""The paper's World Values Survey study: deep personas and baselines answer WVS-7 items, per country.

A depth ablation adds ``deep@k0``, ``deep@k50`` ...: the same people, only the attributes shown vary.

With a reference marginals file the simulated distributions are compared with the real ones.

    python -m simulations.wvs_study --countries IND -n 3 --attributes 20 --out runs/wvs
    python -m simulations.wvs_study --countries IND,USA -n 50 --attributes 200 --depths 0,50,100,200 \\
        --reference marginals.csv   # after
        `deeppersona reference wvs7 WVS_Cross-National_Wave_7_csv_v6_0.csv --countries IND,USA --out marginals.csv`
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
from deeppersona_agents.llm import resolve_embeddings
from deeppersona_agents.population import spawn_population
from deeppersona_agents.simulation.harness import run_methods

PAPER_ITEMS = ("Q45", "Q46", "Q57", "Q184", "Q209", "Q218", "Q254")


def main(
    seed: int = 0,
    n: int = 3,
    *,
    countries: Sequence[str] = ("IND",),
    attributes: int = 20,
    items: Sequence[str] = PAPER_ITEMS,
    methods: Sequence[str] = ("deep", "cultural", "oneliner"),
    depths: Sequence[int] = (),
    mode: str = "item",
    instrument: str = "wvs7",
    model: BaseChatModel | None = None,
    embeddings: Embeddings | None = None,
    reference: str | Path | None = None,
    out: str | Path | None = None,
) -> pd.DataFrame:
    """Generate ``n`` personas per country, survey them with every method and depth; return the answers.

    Personas are ``spawn_population(country, n, seed=seed)``'s, so ``deeppersona population`` with the same
    seed makes the same people; the embedded models are used unless others are passed.
    """
    embeddings = resolve_embeddings(embeddings)
    personas = []
    for country in countries:
        made = spawn_population(country, n, model=model, embeddings=embeddings, seed=seed,
                                config=GenerationConfig(attributes=attributes), audit=False).personas
        if len(made) < n:
            print(f"{country}: {n - len(made)} of {n} personas failed; surveying the {len(made)} that were made")
        personas += made
    answers = run_methods(personas, model, instrument=instrument, items=items, methods=methods, depths=depths,
                          mode=mode, embeddings=embeddings, seed=seed)
    folder = Path(out) if out is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(folder / "personas.jsonl", "".join(p.model_dump_json() + "\n" for p in personas))
        write_csv_atomic(folder / "answers.csv", answers)
    if reference is not None:
        metrics = compare_answers(answers, read_marginals(reference), n_boot=200, seed=seed)
        report = markdown_report(metrics)
        print(report)
        if folder is not None:
            write_csv_atomic(folder / "metrics.csv", metrics)
            write_text_atomic(folder / "report.md", report)
    else:
        shares = answers.groupby(["country", "method", "item"])["answer"].value_counts(normalize=True)
        print(shares.unstack(fill_value=0).round(2).to_string())
    return answers


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-n", "--count", dest="n", type=int, default=3, help="personas per country")
    parser.add_argument("--countries", "--country", default="IND", help="comma-separated ISO-3 codes")
    parser.add_argument("--attributes", type=int, default=20)
    parser.add_argument("--items", default=",".join(PAPER_ITEMS))
    parser.add_argument("--methods", default="deep,cultural,oneliner")
    parser.add_argument("--depths", default="", help="deep@k runs, e.g. 0,50,100,200")
    parser.add_argument("--mode", default="item", choices=["item", "questionnaire"])
    parser.add_argument("--reference", default=None)
    parser.add_argument("--out", default="runs/wvs")
    args = parser.parse_args()
    main(args.seed, args.n, countries=args.countries.split(","), attributes=args.attributes,
         items=args.items.split(","), methods=args.methods.split(","), depths=_ints(args.depths), mode=args.mode,
         reference=args.reference, out=args.out)
