"""``deeppersona compare`` and ``deeppersona reference ...``: simulated answers vs real survey distributions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from deeppersona_agents.cli._common import (
    WeightTo,
    check_output_folder,
    check_output_path,
    console,
    err,
    guarded,
    make_folder,
    option_value,
    write_atomic,
)
from deeppersona_agents.errors import ConfigError

ByOpt = Annotated[str | None, typer.Option(
    "--by", help="Subgroups, comma-separated: sex, age_band, education, urban, religion.")]
AgeCutsOpt = Annotated[str, typer.Option(help="Age band edges: 30,50 gives 18-29, 30-49, 50+.")]


def _cuts(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ConfigError(f"--age-cuts {text!r} must be whole numbers such as 30,50") from None


def compare(
    answers_file: Annotated[Path, typer.Argument(help="answers.csv from `deeppersona survey`.")],
    reference: Annotated[Path, typer.Option(help="Reference marginals CSV (country,item,value,share,n_valid).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for metrics.csv, the other tables, report.md, plots.")],
    personas: Annotated[Path | None, typer.Option(
        help="personas.jsonl the survey ran on: subgroups and census weights need it.")] = None,
    by: ByOpt = None,
    reference_subgroups: Annotated[Path | None, typer.Option(
        help="Reference subgroup shares (default: <reference>_subgroups.csv when --by is given).")] = None,
    reference_associations: Annotated[Path | None, typer.Option(
        help="Reference pairwise correlations (default: <reference>_associations.csv if it exists).")] = None,
    weight_to: Annotated[WeightTo | None, typer.Option(
        help="census: rake respondents to the country's age x sex x education margins first.")] = None,
    age_cuts: AgeCutsOpt = "30,50",
    bootstrap: Annotated[int, typer.Option(min=0, help="Bootstrap resamples (of persons) for the CIs.")] = 500,
    seed: Annotated[int, typer.Option(min=0, help="Bootstrap seed.")] = 0,
    plots: Annotated[bool, typer.Option(help="Write the plots (one per item and one per comparison).")] = True,
) -> None:
    """Compare simulated answers with real data: marginals, variance, subgroups, associations."""
    from deeppersona_agents.comparison.compare import compare_all, read_answers
    from deeppersona_agents.comparison.plots import write_plots
    from deeppersona_agents.comparison.references import read_marginals, read_reference_table, reference_sibling
    from deeppersona_agents.comparison.report import markdown_report
    from deeppersona_agents.comparison.subgroups import parse_by, read_personas
    from deeppersona_agents.llm import tables_dir_setting

    with guarded():
        check_output_folder(out_dir)
        cuts, groups = _cuts(age_cuts), parse_by(by)
        if groups and reference_subgroups is None:
            reference_subgroups = reference_sibling(reference, "subgroups")
            if not reference_subgroups.exists():
                raise ConfigError(f"--by needs the reference's subgroup shares: {reference_subgroups} does not "
                                  "exist; write it with `deeppersona reference wvs7 FILE --by ...` or pass "
                                  "--reference-subgroups")
        if reference_associations is None and reference_sibling(reference, "associations").exists():
            reference_associations = reference_sibling(reference, "associations")
        answers, marginals = read_answers(answers_file), read_marginals(reference)
        result = compare_all(
            answers, marginals, personas=read_personas(personas, cuts) if personas else None, by=groups,
            reference_subgroups=read_reference_table(reference_subgroups, "subgroups") if groups and
            reference_subgroups else None,
            reference_associations=read_reference_table(reference_associations, "associations")
            if reference_associations else None,
            weight_to=option_value(weight_to), age_cuts=cuts, n_boot=bootstrap, seed=seed,
            tables_dir=tables_dir_setting())
        make_folder(out_dir)
        figures = write_plots(result, marginals, out_dir) if plots else {}
        for name, frame in result.frames().items():
            write_atomic(out_dir / name, frame.to_csv(index=False))
        report = markdown_report(result, {k: [p.name for p in v] for k, v in figures.items()})
        write_atomic(out_dir / "report.md", report)
    console.print(report, highlight=False, markup=False)
    n_plots = sum(len(v) for v in figures.values())
    err.print(f"wrote {out_dir}/{', '.join(result.frames())}, report.md and {n_plots} plots",
              highlight=False, soft_wrap=True)


reference_app = typer.Typer(no_args_is_help=True, help="Reference distributions from official survey files.")


@reference_app.command("wvs7")
def reference_wvs7(
    file: Annotated[Path, typer.Argument(help="Official WVS-7 CSV (country or cross-national), .sav or .dta.")],
    out_file: Annotated[Path, typer.Option("--out", help="Marginals CSV to write (pairwise correlations and "
                                                         "subgroup shares go beside it).")],
    countries: Annotated[str | None, typer.Option(help="Comma-separated ISO-3 codes, e.g. IND,DEU.")] = None,
    items: Annotated[str | None, typer.Option(help="Comma-separated item codes (default: all in wvs7).")] = None,
    by: ByOpt = None,
    age_cuts: AgeCutsOpt = "30,50",
) -> None:
    """Weighted (W_WEIGHT) shares per country x item; pairwise Spearman of ordered items; shares per subgroup."""
    from deeppersona_agents.comparison.references import reference_sibling, wvs7_reference

    with guarded():
        check_output_path(out_file)
        frames = wvs7_reference(file, countries.split(",") if countries else None,
                                items.split(",") if items else None, by, _cuts(age_cuts))
        paths = {"marginals": out_file, "associations": reference_sibling(out_file, "associations"),
                 "subgroups": reference_sibling(out_file, "subgroups")}
        for kind, frame in frames.items():
            write_atomic(paths[kind], frame.to_csv(index=False))
    marginals = frames["marginals"]
    err.print(f"wrote {out_file}: {marginals['country'].nunique()} countries, {marginals['item'].nunique()} items; "
              + "; ".join(f"{paths[k]} ({len(f)} rows)" for k, f in frames.items() if k != "marginals"),
              highlight=False, soft_wrap=True)


@reference_app.command("ipip")
def reference_ipip(
    file: Annotated[Path, typer.Argument(help="OpenPsychometrics data-final.csv (IPIP-FFM) or BIG5 data.csv.")],
    out_file: Annotated[Path, typer.Option("--out", help="Marginals CSV to write.")],
    countries: Annotated[str | None, typer.Option(help="Comma-separated ISO-3 codes.")] = None,
    by: Annotated[str | None, typer.Option(
        "--by", help="Subgroups from the BIG5 file's gender and age columns: sex, age_band.")] = None,
    age_cuts: AgeCutsOpt = "30,50",
) -> None:
    """Per-country shares of each IPIP-50 answer (0 = missed is excluded) and of trait scores (trait:EXT ...)."""
    from deeppersona_agents.comparison.references import TRAIT_PREFIX, ipip_marginals, ipip_subgroups, reference_sibling

    with guarded():
        check_output_path(out_file)
        country_list = countries.split(",") if countries else None
        frame = ipip_marginals(file, country_list)
        subgroups = ipip_subgroups(file, by.split(","), country_list, _cuts(age_cuts)) if by else None
        write_atomic(out_file, frame.to_csv(index=False))
        if subgroups is not None:
            write_atomic(reference_sibling(out_file, "subgroups"), subgroups.to_csv(index=False))
    names = frame["item"].drop_duplicates()
    traits = int(names.str.startswith(TRAIT_PREFIX).sum())
    err.print(f"wrote {out_file}: {frame['country'].nunique()} countries, {len(names) - traits} items, "
              f"{traits} traits" + (f"; {reference_sibling(out_file, 'subgroups')}" if by else ""),
              highlight=False, soft_wrap=True)
