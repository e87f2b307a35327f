"""``deeppersona compare`` and ``deeppersona reference ...``: simulated answers vs real survey distributions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from deeppersona_agents.cli._common import (
    check_output_folder,
    check_output_path,
    console,
    err,
    guarded,
    make_folder,
    write_atomic,
)


def compare(
    answers_file: Annotated[Path, typer.Argument(help="answers.csv from `deeppersona survey`.")],
    reference: Annotated[Path, typer.Option(help="Reference marginals CSV (country,item,value,share,n_valid).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for metrics.csv, report.md and plots.")],
    bootstrap: Annotated[int, typer.Option(min=0, help="Bootstrap resamples for the CIs.")] = 500,
    plots: Annotated[bool, typer.Option(help="Write one PNG per country x item.")] = True,
) -> None:
    """Compare simulated answers with real marginals: KS, Wasserstein, JS divergence, mean difference."""
    from deeppersona_agents.comparison.compare import compare_answers, markdown_report, plot_items, read_answers
    from deeppersona_agents.comparison.references import read_marginals

    with guarded():
        check_output_folder(out_dir)
        answers, marginals = read_answers(answers_file), read_marginals(reference)
        metrics = compare_answers(answers, marginals, n_boot=bootstrap)
        make_folder(out_dir)
        write_atomic(out_dir / "metrics.csv", metrics.to_csv(index=False))
        report = markdown_report(metrics)
        write_atomic(out_dir / "report.md", report)
        written = plot_items(answers, marginals, out_dir) if plots else []
    console.print(report, highlight=False, markup=False)
    err.print(f"wrote {out_dir}/metrics.csv, report.md and {len(written)} plots", highlight=False, soft_wrap=True)


reference_app = typer.Typer(no_args_is_help=True, help="Reference marginals from official survey files.")


@reference_app.command("wvs7")
def reference_wvs7(
    file: Annotated[Path, typer.Argument(help="Official WVS-7 CSV (country or cross-national), .sav or .dta.")],
    out_file: Annotated[Path, typer.Option("--out", help="Marginals CSV to write.")],
    countries: Annotated[str | None, typer.Option(help="Comma-separated ISO-3 codes, e.g. IND,DEU.")] = None,
    items: Annotated[str | None, typer.Option(help="Comma-separated item codes (default: all in wvs7).")] = None,
) -> None:
    """Weighted (W_WEIGHT) shares of valid codes per country x item."""
    from deeppersona_agents.comparison.references import wvs7_marginals

    with guarded():
        check_output_path(out_file)
        frame = wvs7_marginals(file, countries.split(",") if countries else None, items.split(",") if items else None)
    write_atomic(out_file, frame.to_csv(index=False))
    err.print(f"wrote {out_file}: {frame['country'].nunique()} countries, {frame['item'].nunique()} items",
              highlight=False, soft_wrap=True)


@reference_app.command("ipip")
def reference_ipip(
    file: Annotated[Path, typer.Argument(help="OpenPsychometrics data-final.csv (IPIP-FFM) or BIG5 data.csv.")],
    out_file: Annotated[Path, typer.Option("--out", help="Marginals CSV to write.")],
    countries: Annotated[str | None, typer.Option(help="Comma-separated ISO-3 codes.")] = None,
) -> None:
    """Per-country shares of each IPIP-50 answer (0 = missed is excluded) and of trait scores (trait:EXT ...)."""
    from deeppersona_agents.comparison.references import TRAIT_PREFIX, ipip_marginals

    with guarded():
        check_output_path(out_file)
        frame = ipip_marginals(file, countries.split(",") if countries else None)
    write_atomic(out_file, frame.to_csv(index=False))
    names = frame["item"].drop_duplicates()
    traits = int(names.str.startswith(TRAIT_PREFIX).sum())
    err.print(f"wrote {out_file}: {frame['country'].nunique()} countries, {len(names) - traits} items, "
              f"{traits} traits", highlight=False, soft_wrap=True)


