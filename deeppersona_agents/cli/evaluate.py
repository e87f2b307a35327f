"""``deeppersona evaluate ...``: intrinsic metrics, personalised QA, depth ablation and Elo from the shell.

Every source argument is a persona file in any format :func:`load_source` detects, optionally
named as ``NAME=PATH`` (default name: the file stem). Models are resolved by name with
:func:`~deeppersona_agents.llm.resolve_chat_model` (default: ``DEEPPERSONA_MODEL`` or the embedded
model).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from deeppersona_agents._io import write_csv_atomic as _write_csv
from deeppersona_agents.cli._common import (
    CacheOpt,
    DryRunOpt,
    MethodOpt,
    PriceInOpt,
    PriceOutOpt,
    check_output_folder,
    check_output_path,
    check_prices,
    console,
    guarded,
    make_folder,
    option_value,
    out_or_default,
    print_estimate,
)
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.llm import resolve_chat_model, resolve_embeddings, resolve_structured_method
from deeppersona_agents.quality.elo import elo_from_files
from deeppersona_agents.quality.intrinsic import evaluate_intrinsic, summarize_intrinsic
from deeppersona_agents.quality.qa import DEFAULT_DEPTHS, run_ablation, run_qa
from deeppersona_agents.quality.report import aggregate, export_pairs, plot_metric_vs_depth
from deeppersona_agents.quality.rubric import OVERALL
from deeppersona_agents.quality.sources import EvalPersona, load_source
from deeppersona_agents.response_cache import with_cache

evaluate_app = typer.Typer(no_args_is_help=True,
                           help="Evaluate persona sources: intrinsic metrics, personalised QA, depth ablation, Elo.")

ModelOption = Annotated[str | None, typer.Option(help="Model name on an OpenAI-compatible endpoint "
                                                      "(default: DEEPPERSONA_MODEL or the embedded model).")]
BaseUrlOption = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint URL.")]
MethodOption = MethodOpt


def parse_source(spec: str) -> tuple[str | None, Path]:
    """``"NAME=PATH"`` or ``"PATH"`` -> (name or None, path)."""
    name, sep, rest = spec.partition("=")
    if sep and name and rest and not Path(spec).exists():
        return name.strip(), Path(rest)
    return None, Path(spec)


def load_sources(specs: Sequence[str], limit: int | None = None) -> list[EvalPersona]:
    """Load every source (first ``limit`` personas each); source names must be distinct."""
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit {limit}: give a positive number of personas per source")
    personas: list[EvalPersona] = []
    seen: dict[str, Path] = {}
    for spec in specs:
        name, path = parse_source(spec)
        if not path.exists():
            raise ConfigError(f"source {path} does not exist; check the path")
        loaded = load_source(path, name=name)
        source = loaded[0].source
        if source in seen:
            raise ConfigError(f"two sources are named {source!r} ({seen[source]} and {path}); "
                              f"name them, e.g. {source}2={path}")
        seen[source] = path
        personas.extend(loaded[:limit])
    return personas


def parse_depths(text: str) -> list[int]:
    """``"50,100,150"`` -> [50, 100, 150]."""
    try:
        depths = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"--depths {text!r} is not a comma-separated list of integers, e.g. 50,100,150") from None
    if not depths or any(d < 1 for d in depths):
        raise ConfigError(f"--depths {text!r}: give positive attribute counts, e.g. 50,100,150")
    return depths


def write_csv_atomic(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Write ``rows`` as CSV atomically, after checking ``path`` is writable."""
    check_output_path(path)
    _write_csv(path, rows)


def _out_dir(path: Path) -> Path:
    check_output_folder(path)
    return make_folder(path)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.3f}"
    return str(value)


def print_table(title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """A rich table of ``columns`` from ``rows`` on stdout."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_fmt(row.get(c, "")) for c in columns))
    console.print(table)


@evaluate_app.command()
def intrinsic(
    sources: Annotated[list[str], typer.Argument(help="Persona files (NAME=PATH to name a source).")],
    out: Annotated[Path | None, typer.Option(help="CSV with one row per persona (required from the next release; "
                                             "now intrinsic.csv with a warning).")] = None,
    judge: Annotated[bool, typer.Option("--judge/--no-judge", help="Also score with an LLM judge.")] = False,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    embeddings: Annotated[str | None, typer.Option(help="Embeddings model name (default: embedded MiniLM).")] = None,
    structured_method: MethodOption = None,
    concurrency: Annotated[int, typer.Option(help="Judge calls in flight.")] = 4,
    limit: Annotated[int | None, typer.Option(help="First N personas per source.")] = None,
    seed: Annotated[int, typer.Option(help="Seed for bootstrap CIs and sampling.")] = 0,
) -> None:
    """Judge-free metrics per persona (plus an optional LLM judge); prints a per-source summary."""
    with guarded():
        if concurrency < 1:
            raise ConfigError(f"--concurrency {concurrency}: use 1 or more")
        out = out_or_default(out, "intrinsic.csv")
        personas = load_sources(sources, limit)
        judge_model = resolve_chat_model(model, base_url=base_url, temperature=0.0) if judge else None
        rows = evaluate_intrinsic(personas, resolve_embeddings(embeddings, base_url=base_url), judge=judge_model,
                                  seed=seed, concurrency=concurrency,
                                  structured_method=resolve_structured_method(option_value(structured_method)))
        write_csv_atomic(rows, out)
    summary = summarize_intrinsic(rows, seed=seed)
    columns = ["source", "personas", "attribute_count", "filler_rate", "redundancy", "coverage_entropy",
               "uniqueness"]
    if judge:
        columns += ["judge_attribute_count", "judge_uniqueness", "judge_actionability", "judge_failed"]
    print_table("Intrinsic metrics (means)", summary, columns)
    console.print(f"wrote {len(rows)} rows to {out}")


@evaluate_app.command()
def qa(
    sources: Annotated[list[str], typer.Argument(help="Persona files to compare (NAME=PATH to name a source).")],
    out: Annotated[Path | None, typer.Option(help="Folder for results.jsonl, summary.csv and pairs (required from "
                                             "the next release; now qa with a warning).")] = None,
    responder: ModelOption = None,
    evaluator: ModelOption = None,
    base_url: BaseUrlOption = None,
    structured_method: MethodOption = None,
    limit: Annotated[int | None, typer.Option(help="First N personas per source.")] = None,
    concurrency: Annotated[int, typer.Option(help="(persona, request) pairs in flight.")] = 4,
    max_attributes: Annotated[int | None, typer.Option(help="Attributes shown to the models per persona.")] = None,
    baseline: Annotated[str | None, typer.Option(help="Source the gains are relative to (default: first).")] = None,
    pairs: Annotated[bool, typer.Option("--pairs/--no-pairs", help="Export blind A/B pairs + key.")] = False,
    retry_failed: Annotated[bool, typer.Option(help="On resume, redo rows that failed before.")] = False,
    seed: Annotated[int, typer.Option(help="Seed for bootstrap CIs and pair sides.")] = 0,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    cache: CacheOpt = None,
    dry_run: DryRunOpt = False,
    price_in: PriceInOpt = None,
    price_out: PriceOutOpt = None,
) -> None:
    """Personalised QA: 12 requests per persona, answered by --responder and graded by --evaluator."""
    with guarded():
        personas = load_sources(sources, limit)
        check_prices(price_in, price_out)
        if dry_run:
            from deeppersona_agents.dry_runs import qa_estimate

            print_estimate(qa_estimate(personas, responder, evaluator, price_in=price_in, price_out=price_out,
                                       max_attributes=max_attributes,
                                       structured_method=resolve_structured_method(option_value(structured_method))))
            return
        models = (with_cache(resolve_chat_model(responder, base_url=base_url), cache),
                  with_cache(resolve_chat_model(evaluator, base_url=base_url, temperature=0.0), cache))
        folder = _out_dir(out_or_default(out, "qa"))
        result = run_qa(
            personas, *models,
            out=folder / "results.jsonl", concurrency=concurrency, max_attributes=max_attributes,
            structured_method=resolve_structured_method(option_value(structured_method)), retry_failed=retry_failed,
            progress=not quiet,
        )
        summary = aggregate(result.rows, baseline=baseline, seed=seed)
        write_csv_atomic(summary, folder / "summary.csv")
        if pairs:
            count = export_pairs(result, folder / "pairs.jsonl", folder / "pairs_key.jsonl", seed=seed,
                                 max_attributes=max_attributes)
            console.print(f"wrote {count} blind pairs to {folder / 'pairs.jsonl'} "
                              f"(key: {folder / 'pairs_key.jsonl'}; keep it from the raters)")
    print_table("Personalised QA: overall score (1-5)", [s for s in summary if s["dimension"] == OVERALL],
                ["source", "n", "failed", "mean", "ci_low", "ci_high", "relative_gain"])
    console.print(f"model calls this run: {result.model_calls} (responder {result.responder_calls}, "
                      f"evaluator {result.evaluator_calls}; {result.calls_cached} more served from cache); "
                      f"resumed rows skipped: {result.skipped}; "
                      f"failed rows: {result.failed}")


@evaluate_app.command()
def ablation(
    source: Annotated[str, typer.Argument(help="Persona file (deep personas, e.g. 300 attributes).")],
    depths: Annotated[str, typer.Option(help="Comma-separated attribute counts k.")] = ",".join(
        map(str, DEFAULT_DEPTHS)),
    out: Annotated[Path | None, typer.Option(help="Folder for ablation.jsonl, ablation.csv, ablation.png (required "
                                             "from the next release; now ablation with a warning).")] = None,
    responder: ModelOption = None,
    evaluator: ModelOption = None,
    base_url: BaseUrlOption = None,
    structured_method: MethodOption = None,
    limit: Annotated[int | None, typer.Option(help="First N personas.")] = None,
    concurrency: Annotated[int, typer.Option(help="(persona, request) pairs in flight.")] = 4,
    seed: Annotated[int, typer.Option(help="Seed for bootstrap CIs.")] = 0,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Depth ablation: QA on the same personas truncated to each k; table + PNG plot."""
    with guarded():
        ks = parse_depths(depths)
        personas = load_sources([source], limit)
        folder = _out_dir(out_or_default(out, "ablation"))
        table, result = run_ablation(
            personas, ks, resolve_chat_model(responder, base_url=base_url),
            resolve_chat_model(evaluator, base_url=base_url, temperature=0.0), out=folder / "ablation.jsonl",
            seed=seed, concurrency=concurrency,
            structured_method=resolve_structured_method(option_value(structured_method)),
            progress=not quiet,
        )
        write_csv_atomic(table, folder / "ablation.csv")
        plot_metric_vs_depth(table, folder / "ablation.png")
    print_table("Depth ablation: overall score (1-5)", table,
                ["depth", "mean_attributes", "pairs", "failed", OVERALL, "overall_ci_low", "overall_ci_high"])
    console.print(f"model calls this run: {result.model_calls}; wrote {folder / 'ablation.csv'} and "
                      f"{folder / 'ablation.png'}")


@evaluate_app.command()
def elo(
    judgements: Annotated[Path, typer.Argument(help="Judgements JSONL: {pair_id, winner: A|B|tie[, dimension]}.")],
    key: Annotated[Path, typer.Option(help="The hidden key JSONL written with the pairs.")],
    out: Annotated[Path | None, typer.Option(help="Optional CSV of the table.")] = None,
    permutations: Annotated[int, typer.Option(help="Average Elo over N seeded orders (0 = file order).")] = 0,
    seed: Annotated[int, typer.Option(help="Seed for the permutations.")] = 0,
) -> None:
    """Elo ratings and win rates from blind A/B judgements."""
    with guarded():
        if permutations < 0:
            raise ConfigError(f"--permutations {permutations}: use 0 (file order) or a positive count")
        table = elo_from_files(judgements, key, permutations=permutations, seed=seed)
        if out is not None:
            write_csv_atomic(table, out)
    print_table("Elo ratings (K=16, start 1000)", table,
                ["dimension", "source", "wins", "losses", "ties", "battles", "win_rate", "elo"])
