r"""The paper's World Values Survey study: deep personas and baselines answer WVS-7 items, per country.

A depth ablation adds ``deep@k0``, ``deep@k50`` ...: the same people, only the attributes shown vary.

With a reference marginals file the simulated distributions are compared with the real ones, for every
method and depth: marginals, variance (sd_ratio, collapsed items), subgroups (when the reference's subgroup
shares sit beside it, ``<reference>_subgroups.csv``) and associations between items (``<reference>_associations.csv``),
optionally after raking the respondents to census margins (``--weight-to census``). The report opens with a
table of methods side by side, so one run answers "does depth improve subgroup and association fidelity, not
just marginals?".

    python -m simulations.wvs_study --countries IND -n 3 --attributes 20 --out runs/wvs
    python -m simulations.wvs_study --countries IND,USA -n 50 --attributes 200 --depths 0,50,100,200 \\
        --reference marginals.csv --weight-to census   # after
        `deeppersona reference wvs7 WVS_Cross-National_Wave_7_csv_v6_0.csv --countries IND,USA \
            --by sex,age_band,education,urban,religion --out marginals.csv`
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
from deeppersona_agents.comparison.compare import Comparison, compare_all
from deeppersona_agents.comparison.plots import write_plots
from deeppersona_agents.comparison.references import read_marginals, read_reference_table, reference_sibling
from deeppersona_agents.comparison.report import fidelity_by_method, markdown_report
from deeppersona_agents.comparison.subgroups import persona_groups
from deeppersona_agents.llm import resolve_embeddings
from deeppersona_agents.persona import Persona
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
    by: Sequence[str] | None = None,
    weight_to: str | None = None,
    out: str | Path | None = None,
) -> pd.DataFrame:
    """Generate ``n`` personas per country, survey them with every method and depth; return the answers.

    Personas are ``spawn_population(country, n, seed=seed)``'s, so ``deeppersona population`` with the same
    seed makes the same people; the embedded models are used unless others are passed. ``reference`` is a
    marginals file; its subgroup shares (for ``by``, default: every group in the file) and pairwise correlations
    are read from beside it when present; ``weight_to="census"`` rakes the respondents first.
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
        result = compare_reference(answers, personas, reference, by=by, weight_to=weight_to, seed=seed)
        figures = write_plots(result, read_marginals(reference), folder, items=False) if folder else {}
        report = markdown_report(result, {k: [p.name for p in v] for k, v in figures.items()})
        print(report)
        if folder is not None:
            for name, frame in {**result.frames(), "fidelity_by_method.csv": fidelity_by_method(result)}.items():
                write_csv_atomic(folder / name, frame)
            write_text_atomic(folder / "report.md", report)
    else:
        shares = answers.groupby(["country", "method", "item"])["answer"].value_counts(normalize=True)
        print(shares.unstack(fill_value=0).round(2).to_string())
    return answers


def compare_reference(answers: pd.DataFrame, personas: Sequence[Persona], reference: str | Path, *,
                      by: Sequence[str] | None = None, weight_to: str | None = None, seed: int = 0) -> Comparison:
    """Every comparison the reference files allow: marginals always, subgroups and associations when present."""
    subgroups_file = reference_sibling(reference, "subgroups")
    associations_file = reference_sibling(reference, "associations")
    reference_subgroups = read_reference_table(subgroups_file, "subgroups") if subgroups_file.exists() else None
    if by is None and reference_subgroups is not None:
        by = list(dict.fromkeys(reference_subgroups["group"].astype(str)))
    return compare_all(
        answers, read_marginals(reference), personas=persona_groups(p.model_dump(mode="json") for p in personas),
        by=by or None, reference_subgroups=reference_subgroups,
        reference_associations=read_reference_table(associations_file, "associations")
        if associations_file.exists() else None,
        weight_to=weight_to, n_boot=200, seed=seed)


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
    parser.add_argument("--reference", default=None, help="marginals CSV; subgroups/associations beside it are used")
    parser.add_argument("--by", default=None, help="subgroups, e.g. sex,age_band (default: all in the reference)")
    parser.add_argument("--weight-to", default=None, choices=["census"], help="rake respondents to census margins")
    parser.add_argument("--out", default="runs/wvs")
    args = parser.parse_args()
    main(args.seed, args.n, countries=args.countries.split(","), attributes=args.attributes,
         items=args.items.split(","), methods=args.methods.split(","), depths=_ints(args.depths), mode=args.mode,
         reference=args.reference, by=args.by.split(",") if args.by else None, weight_to=args.weight_to, out=args.out)
