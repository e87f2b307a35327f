"""Command line: generate personas, inspect the tree, run surveys and compare with real data."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from deeppersona_agents.errors import ConfigError, DeepPersonaError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Deep synthetic personas (DeepPersona).")
err = Console(stderr=True)


@app.callback()
def main() -> None:
    """Deep synthetic personas for agents and social simulation."""


def parse_anchor_options(values: list[str]) -> dict[str, str]:
    """``["age=34", "occupation=nurse"]`` -> dict; raises ConfigError on a malformed item."""
    anchors: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"--anchor {item!r} is not key=value; write e.g. --anchor age=34")
        anchors[key.strip()] = value.strip()
    return anchors


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file, so no half-written file is ever left."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def check_output_path(out: Path) -> None:
    """Fail before any work if ``out`` cannot be written."""
    parent = out.resolve().parent
    if not parent.is_dir():
        raise ConfigError(f"--out {out}: folder {parent} does not exist; create it or choose another path")
    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder; give a file name such as persona.json")
    if not os.access(parent, os.W_OK):
        raise ConfigError(f"--out {out}: folder {parent} is not writable")


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Where to write the persona JSON.")] = Path("persona.json"),
    country: Annotated[str | None, typer.Option(help="ISO-3 country code, e.g. KEN.")] = None,
    anchor: Annotated[list[str] | None, typer.Option(help="Fixed fact key=value (repeatable).")] = None,
    bio: Annotated[str | None, typer.Option(help="Free-text background, kept verbatim.")] = None,
    attributes: Annotated[int, typer.Option(help="k: attributes sampled from the tree and filled.")] = 200,
    seed: Annotated[int, typer.Option(help="Run seed; same seed + same model = same persona.")] = 0,
    model: Annotated[str | None, typer.Option(help="Model name on an OpenAI-compatible endpoint.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint URL.")] = None,
    tree: Annotated[Path | None, typer.Option(help="Attribute tree JSON (default: shipped tree).")] = None,
    batch_size: Annotated[int, typer.Option(help="Attributes filled per LLM call.")] = 40,
    summary_style: Annotated[str, typer.Option(help="concise or detailed.")] = "concise",
    structured_method: Annotated[
        str | None, typer.Option(help="json_schema, function_calling or json_mode.")
    ] = None,
    demographics: Annotated[str, typer.Option(help="census (population tables) or uniform (ablation).")] = "census",
    min_age: Annotated[int, typer.Option(help="Youngest age drawn for the core (7-85).")] = 18,
    quiet: Annotated[bool, typer.Option(help="No progress display.")] = False,
) -> None:
    """Generate one deep persona and write it as JSON."""
    try:
        _generate(out, country, anchor or [], bio, attributes, seed, model, base_url, tree, batch_size,
                  summary_style, structured_method, quiet, demographics, min_age)
    except DeepPersonaError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _generate(
    out: Path, country: str | None, anchor: list[str], bio: str | None, attributes: int, seed: int,
    model: str | None, base_url: str | None, tree_path: Path | None, batch_size: int, summary_style: str,
    structured_method: str | None, quiet: bool, demographics: str = "census", min_age: int = 18,
) -> None:
    from deeppersona_agents.api import generate_persona
    from deeppersona_agents.demographics import resolve_country
    from deeppersona_agents.generation import GenerationConfig, create_persona_generator
    from deeppersona_agents.generation.anchor import split_anchors
    from deeppersona_agents.llm import resolve_chat_model, resolve_structured_method
    from deeppersona_agents.taxonomy import load_tree

    anchors = parse_anchor_options(anchor)
    config = GenerationConfig.build(
        attributes=attributes, batch_size=batch_size, summary_style=summary_style,
        structured_method=resolve_structured_method(structured_method), demographics=demographics, min_age=min_age,
    )
    if country:
        resolve_country(country)
    tree = load_tree(tree_path)
    split_anchors(anchors, country, tree)
    check_output_path(out)
    chat = resolve_chat_model(model, base_url=base_url) if (model or base_url) else None
    if base_url and not model and not os.environ.get("DEEPPERSONA_MODEL"):
        raise ConfigError("--base-url needs --model (the model name served there)")
    generator = create_persona_generator(chat, tree=tree, config=config)

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                  "{task.total}"), TimeElapsedColumn(), console=err, disable=quiet, transient=False) as bar:
        stages = bar.add_task("anchor", total=8)
        fill = bar.add_task("attributes", total=attributes, visible=False)

        def on_event(event: dict) -> None:
            if event.get("status") == "start":
                bar.update(stages, description=str(event["stage"]))
            elif event.get("status") == "done":
                bar.advance(stages)
            elif "done" in event:
                bar.update(fill, visible=True, completed=event["done"])

        persona = generate_persona(anchors, bio=bio, country=country, seed=seed, config=config,
                                   generator=generator, on_event=on_event)
    write_atomic(out, json.dumps(persona.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
    m = persona.manifest
    err.print(
        f"wrote {out}: {persona.core.as_text()}; {len(persona.sampled_attributes())} attributes, "
        f"{m.llm_calls} LLM calls, {m.prompt_tokens}+{m.completion_tokens} tokens, "
        f"{sum(m.timings.values()):.1f} s", highlight=False,
    )


taxonomy_app = typer.Typer(no_args_is_help=True, help="Inspect and validate the Human-Attribute Tree.")
app.add_typer(taxonomy_app, name="taxonomy")
out = Console()


@taxonomy_app.command("validate")
def taxonomy_validate(
    file: Annotated[Path | None, typer.Argument(help="Tree JSON (default: the shipped tree).")] = None,
    near_duplicates: Annotated[bool, typer.Option(help="Check near-duplicate leaves with the embedding model.")] = True,
    max_depth: Annotated[int, typer.Option(help="Most levels a leaf may sit below its category.")] = 3,
) -> None:
    """Check a tree; print every problem with its path; exit 1 if there is any."""
    from deeppersona_agents.llm import resolve_embeddings
    from deeppersona_agents.taxonomy import load_tree
    from deeppersona_agents.taxonomy.validate import validate_tree

    try:
        tree = load_tree(file)
        problems = validate_tree(tree, resolve_embeddings() if near_duplicates else None, max_depth=max_depth)
    except DeepPersonaError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    for problem in problems:
        out.print(str(problem), highlight=False, soft_wrap=True, markup=False)
    summary = f"{tree.source}: {len(tree.leaves)} leaves, {len(problems)} problem(s)"
    err.print(summary, highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(1)


@taxonomy_app.command("stats")
def taxonomy_stats(
    file: Annotated[Path | None, typer.Argument(help="Tree JSON (default: the shipped tree).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Counts: nodes, leaves, per category and level, depth histogram, leaf types, conditional leaves."""
    from rich.table import Table

    from deeppersona_agents.taxonomy import load_tree
    from deeppersona_agents.taxonomy.stats import tree_stats

    try:
        stats = tree_stats(load_tree(file))
    except DeepPersonaError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{stats['name']} v{stats['version']} ({stats['content_hash']})")
    table.add_column("category")
    table.add_column("nodes", justify="right")
    table.add_column("leaves", justify="right")
    for name, row in stats["categories"].items():
        table.add_row(name, str(row["nodes"]), str(row["leaves"]))
    table.add_row("total", str(stats["nodes"]), str(stats["leaves"]), style="bold")
    out.print(table)
    out.print(f"nodes per level: {stats['nodes_per_level']}", highlight=False)
    out.print(f"leaf depth below category: {stats['leaf_depth_histogram']}", highlight=False)
    out.print(f"leaf types: {stats['leaf_types']}", highlight=False)
    out.print(f"conditional leaves: {stats['conditional_leaves']} (tests on {stats['conditions_by_fact']})",
              highlight=False)


def _tree_json(tree: object) -> str:
    from deeppersona_agents.taxonomy import AttributeTree

    assert isinstance(tree, AttributeTree)
    data = {"name": tree.name, "version": tree.version,
            "categories": [c.model_dump(exclude_none=True) for c in tree.categories]}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


@taxonomy_app.command("import")
def taxonomy_import(
    file: Annotated[Path, typer.Argument(help="The authors' tree: nested JSON objects whose leaves are {}.")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the tree in our format.")],
    merge_threshold: Annotated[
        float | None, typer.Option(help="Also merge similar siblings at this cosine (e.g. 0.7).")
    ] = None,
) -> None:
    """Convert the DeepPersona authors' released tree into this project's format."""
    from deeppersona_agents.llm import resolve_embeddings
    from deeppersona_agents.taxonomy.importer import import_authors_tree
    from deeppersona_agents.taxonomy.stats import tree_stats

    try:
        check_output_path(out_file)
        tree, report = import_authors_tree(file, resolve_embeddings(), merge_threshold=merge_threshold)
    except DeepPersonaError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    write_atomic(out_file, _tree_json(tree))
    stats = tree_stats(tree)
    for key, category in report["mapped"].items():
        err.print(f"  {key!r} -> {category}", highlight=False, soft_wrap=True)
    for key in report["unmapped"]:
        err.print(f"  [yellow]skipped[/] {key!r}: no matching category (rename it to one of the 12)", soft_wrap=True)
    err.print(f"wrote {out_file}: {stats['nodes']} nodes, {stats['leaves']} leaves, {report['merges']} merges; "
              "run `deeppersona taxonomy validate` on it (imported leaves have no descriptions yet)",
              highlight=False, soft_wrap=True)


@taxonomy_app.command("build")
def taxonomy_build(
    conversations: Annotated[Path, typer.Argument(help="JSONL: chat 'messages', {question,answer} or ShareGPT.")],
    into: Annotated[Path, typer.Option(help="Where to write the built tree.")],
    base: Annotated[Path | None, typer.Option(help="Tree to grow (default: the shipped tree).")] = None,
    fresh: Annotated[bool, typer.Option(help="Build a new tree instead of growing one.")] = False,
    work_dir: Annotated[Path | None, typer.Option(help="Resume cache (default: INTO.work/).")] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=256, help="Concurrent LLM calls.")] = 4,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Merge siblings at this cosine.")] = 0.7,
    confirm_merges: Annotated[bool, typer.Option(help="Ask the LLM before merging pairs below cosine 0.8.")] = False,
    infer_conditions: Annotated[bool, typer.Option(help="Ask the LLM when new leaves apply (applies_if).")] = False,
    model: Annotated[str | None, typer.Option(help="Model name on an OpenAI-compatible endpoint.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint URL.")] = None,
    structured_method: Annotated[str | None, typer.Option(help="json_schema, function_calling, json_mode.")] = None,
) -> None:
    """Stage 1: build (or grow) the attribute tree from self-disclosure Q&A; resumable."""
    from rich.table import Table

    from deeppersona_agents.llm import resolve_chat_model, resolve_embeddings, resolve_structured_method
    from deeppersona_agents.taxonomy import load_tree
    from deeppersona_agents.taxonomy.builder import build_taxonomy
    from deeppersona_agents.taxonomy.builder.graph import BuilderDeps
    from deeppersona_agents.taxonomy.stats import tree_stats

    try:
        if not conversations.is_file():
            raise ConfigError(f"{conversations} is not a readable file; give a JSONL file of conversations")
        check_output_path(into)
        base_tree = None if fresh else load_tree(base)
        with Progress(TextColumn("{task.description:<10}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=err) as bar:
            tasks: dict[str, object] = {}

            def on_progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

            deps = BuilderDeps(
                model=resolve_chat_model(model, base_url=base_url), embeddings=resolve_embeddings(), base=base_tree,
                work_dir=work_dir or into.with_name(into.name + ".work"),
                method=resolve_structured_method(structured_method), concurrency=concurrency, threshold=threshold,
                confirm_merges=confirm_merges, infer_conditions=infer_conditions,
                on_progress=on_progress,
            )
            report = build_taxonomy(conversations, deps)
    except DeepPersonaError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    write_atomic(into, _tree_json(report.tree))
    for line, reason in report.bad_lines:
        err.print(f"  [yellow]skipped line {line}[/]: {reason}", highlight=False, soft_wrap=True)
    table = Table(title="per-stage counts")
    table.add_column("count")
    table.add_column("value", justify="right")
    for key, value in report.counts.items():
        table.add_row(key, str(value))
    for key, value in report.usage.items():
        table.add_row(key, str(value))
    err.print(table)
    stats = tree_stats(report.tree)
    err.print(f"wrote {into}: {stats['nodes']} nodes, {stats['leaves']} leaves", highlight=False, soft_wrap=True)


@taxonomy_app.command("show")
def taxonomy_show(
    path: Annotated[str, typer.Argument(help="Node path, e.g. 'Physical and Health Characteristics > Sleep'.")],
    tree_file: Annotated[Path | None, typer.Option("--tree", help="Tree JSON (default: shipped).")] = None,
) -> None:
    """Print the subtree under PATH with each leaf's type and description."""
    from deeppersona_agents.taxonomy import load_tree
    from deeppersona_agents.taxonomy.stats import find_node, render_subtree

    try:
        trail, node = find_node(load_tree(tree_file), path)
    except DeepPersonaError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(" > ".join(trail[:-1]) or "(category)", style="dim", highlight=False)
    for line in render_subtree(node):
        out.print(line, highlight=False, markup=False, soft_wrap=True)


def _fail(exc: DeepPersonaError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


@app.command()
def survey(
    personas_file: Annotated[Path, typer.Argument(help="Personas: .jsonl (one per line) or .json.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for answers.csv.")],
    instrument: Annotated[str, typer.Option(help="wvs7, ipip50 or an instrument JSON file.")] = "wvs7",
    items: Annotated[str | None, typer.Option(help="Comma-separated item codes (default: all).")] = None,
    method: Annotated[str, typer.Option(help="deep, cultural, shallow, oneliner or bare.")] = "deep",
    depth: Annotated[int | None, typer.Option(help="deep: attributes shown to the respondent.")] = None,
    samples: Annotated[int, typer.Option(min=1, help="Answers per persona and item.")] = 1,
    logprobs: Annotated[bool, typer.Option(help="Each answer's distribution over the codes from token "
                                           "log-probabilities (endpoints that return them).")] = False,
    waves: Annotated[int, typer.Option(min=1, help="Survey waves (Mesa steps).")] = 1,
    concurrency: Annotated[int, typer.Option(min=1, help="LLM calls in flight.")] = 8,
    seed: Annotated[int, typer.Option(min=0, help="Run seed.")] = 0,
    model: Annotated[str | None, typer.Option(help="Model name on an OpenAI-compatible endpoint.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint URL.")] = None,
    structured_method: Annotated[str | None, typer.Option(help="json_schema, function_calling, json_mode.")] = None,
) -> None:
    """Personas answer survey items as Mesa agents; writes OUT/answers.csv (one row per answer)."""
    import pandas as pd

    from deeppersona_agents.llm import resolve_chat_model, resolve_structured_method
    from deeppersona_agents.persona import load_personas
    from deeppersona_agents.simulation.survey import SurveyModel

    try:
        personas = load_personas(personas_file)
        out_dir.mkdir(parents=True, exist_ok=True)
        sim = SurveyModel(
            personas, resolve_chat_model(model, base_url=base_url) if (model or base_url) else None,
            instrument=instrument, items=items.split(",") if items else None, method=method, depth=depth,
            samples=samples, concurrency=concurrency, structured_method=resolve_structured_method(structured_method),
            logprobs=logprobs, rng=seed,
        )
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total} waves"), TimeElapsedColumn(), console=err) as bar:
            task = bar.add_task(f"{len(personas)} personas x {len(sim.items)} items", total=waves)
            for _ in range(waves):
                sim.step()
                frame = pd.DataFrame(sim.rows)
                write_atomic(out_dir / "answers.csv", frame.to_csv(index=False))  # every finished wave is kept
                bar.advance(task)
    except (DeepPersonaError, OSError) as exc:
        raise _fail(exc if isinstance(exc, DeepPersonaError) else ConfigError(str(exc))) from None
    missing = int(frame["answer"].isna().sum())
    err.print(f"wrote {out_dir / 'answers.csv'}: {len(frame)} answers ({missing} missing), "
              f"{sim.usage.llm_calls} LLM calls", highlight=False, soft_wrap=True)


@app.command()
def compare(
    answers_file: Annotated[Path, typer.Argument(help="answers.csv from `deeppersona survey`.")],
    reference: Annotated[Path, typer.Option(help="Reference marginals CSV (country,item,value,share,n_valid).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for metrics.csv, report.md and plots.")],
    bootstrap: Annotated[int, typer.Option(min=0, help="Bootstrap resamples for the CIs.")] = 500,
    plots: Annotated[bool, typer.Option(help="Write one PNG per country x item.")] = True,
) -> None:
    """Compare simulated answers with real marginals: KS, Wasserstein, JS divergence, mean difference."""
    from deeppersona_agents.evaluation.compare import compare_answers, markdown_report, plot_items, read_answers
    from deeppersona_agents.evaluation.references import read_marginals

    try:
        answers, marginals = read_answers(answers_file), read_marginals(reference)
        metrics = compare_answers(answers, marginals, n_boot=bootstrap)
        out_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(out_dir / "metrics.csv", metrics.to_csv(index=False))
        report = markdown_report(metrics)
        write_atomic(out_dir / "report.md", report)
        written = plot_items(answers, marginals, out_dir) if plots else []
    except DeepPersonaError as exc:
        raise _fail(exc) from None
    out.print(report, highlight=False, markup=False)
    err.print(f"wrote {out_dir}/metrics.csv, report.md and {len(written)} plots", highlight=False, soft_wrap=True)


reference_app = typer.Typer(no_args_is_help=True, help="Reference marginals from official survey files.")
app.add_typer(reference_app, name="reference")


@reference_app.command("wvs7")
def reference_wvs7(
    file: Annotated[Path, typer.Argument(help="Official WVS-7 CSV (country or cross-national), .sav or .dta.")],
    out_file: Annotated[Path, typer.Option("--out", help="Marginals CSV to write.")],
    countries: Annotated[str | None, typer.Option(help="Comma-separated ISO-3 codes, e.g. IND,DEU.")] = None,
    items: Annotated[str | None, typer.Option(help="Comma-separated item codes (default: all in wvs7).")] = None,
) -> None:
    """Weighted (W_WEIGHT) shares of valid codes per country x item."""
    from deeppersona_agents.evaluation.references import wvs7_marginals

    try:
        check_output_path(out_file)
        frame = wvs7_marginals(file, countries.split(",") if countries else None, items.split(",") if items else None)
    except DeepPersonaError as exc:
        raise _fail(exc) from None
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
    from deeppersona_agents.evaluation.references import TRAIT_PREFIX, ipip_marginals

    try:
        check_output_path(out_file)
        frame = ipip_marginals(file, countries.split(",") if countries else None)
    except DeepPersonaError as exc:
        raise _fail(exc) from None
    write_atomic(out_file, frame.to_csv(index=False))
    names = frame["item"].drop_duplicates()
    traits = int(names.str.startswith(TRAIT_PREFIX).sum())
    err.print(f"wrote {out_file}: {frame['country'].nunique()} countries, {len(names) - traits} items, "
              f"{traits} traits", highlight=False, soft_wrap=True)


demographics_app = typer.Typer(no_args_is_help=True, help="Draw and audit census-grounded anchors.")
app.add_typer(demographics_app, name="demographics")


def _anchors_csv(frame: object) -> str:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    out = frame.copy()
    out["isco_major"] = out["isco_major"].astype("Int64").astype(str).replace("<NA>", "")
    out["urban"] = out["urban"].map(lambda v: "" if str(v) == "<NA>" else str(bool(v)).lower())
    return out.to_csv(index=False)


@demographics_app.command("sample")
def demographics_sample(
    country: Annotated[str, typer.Option(help="ISO-3 country code, e.g. KEN.")],
    n: Annotated[int, typer.Option("-n", help="Number of people to draw.")],
    out_file: Annotated[Path, typer.Option("--out", help="CSV to write (one row per draw).")],
    seed: Annotated[int, typer.Option(help="Random seed; same seed = same draws.")] = 0,
    mode: Annotated[str, typer.Option(help="census (tables) or uniform (the authors' draws).")] = "census",
    min_age: Annotated[int, typer.Option(help="Youngest age drawn (7-85).")] = 18,
    where: Annotated[str | None, typer.Option(help='Cohort, e.g. "age>=30 and age<50 and occupation_group==2".')]
    = None,
    rake_targets: Annotated[Path | None, typer.Option("--rake", help="CSV variable,value,share: rake the draws "
                                                      "to these marginals, then resample n rows.")] = None,
) -> None:
    """Draw people from a country's population tables and write them as CSV."""
    import numpy as np

    from deeppersona_agents.demographics import PopulationSampler, rake, resample
    from deeppersona_agents.demographics.raking import read_targets

    try:
        if n < 1:
            raise ConfigError(f"-n {n}: draw at least one person")
        if mode not in ("census", "uniform"):
            raise ConfigError(f"--mode {mode!r}: use census or uniform")
        check_output_path(out_file)
        sampler = PopulationSampler(country, mode=mode, min_age=min_age)  # type: ignore[arg-type]
        rng = np.random.default_rng(seed)
        with err.status(f"drawing {n:,} people for {sampler.iso3}"):
            if rake_targets is not None:
                targets = read_targets(str(rake_targets))
                pool = sampler.sample(max(n, 5000), rng, where)
                pool["age_band"] = pool["age"].map(lambda a: _band(int(a)))
                frame = resample(pool, rake(pool, targets), n, rng).drop(columns="age_band")
            else:
                frame = sampler.sample(n, rng, where)
    except DeepPersonaError as exc:
        raise _fail(exc) from None
    write_atomic(out_file, _anchors_csv(frame))
    err.print(f"wrote {out_file}: {len(frame):,} people ({sampler.iso3}, {mode})", highlight=False)


def _band(age: int) -> str:
    from deeppersona_agents.demographics.tables import AGE_BANDS, band_of

    return band_of(age, AGE_BANDS)


@demographics_app.command("audit")
def demographics_audit(
    anchors_file: Annotated[Path, typer.Argument(help="CSV written by `deeppersona demographics sample`.")],
    country: Annotated[str, typer.Option(help="ISO-3 country code the draws are for.")],
    plot: Annotated[Path | None, typer.Option(help="Also write a PNG of tables vs sample.")] = None,
) -> None:
    """Total-variation distance of each variable in a sample to the country's tables."""
    import pandas as pd
    from rich.table import Table

    from deeppersona_agents.demographics import audit_sample
    from deeppersona_agents.demographics.audit import plot_audit

    try:
        if not anchors_file.is_file():
            raise ConfigError(f"{anchors_file} not found; write one with `deeppersona demographics sample`")
        try:
            frame = pd.read_csv(anchors_file, dtype={"isco_major": "Int64"})
        except (ValueError, pd.errors.ParserError) as exc:
            raise ConfigError(f"{anchors_file} is not a readable anchors CSV: {exc}") from None
        report = audit_sample(frame, country)
        if plot is not None:
            check_output_path(plot)
    except DeepPersonaError as exc:
        raise _fail(exc) from None
    table = Table(title=f"{len(frame):,} draws vs {country.upper()} tables")
    table.add_column("variable")
    table.add_column("TVD", justify="right")
    table.add_column("n", justify="right")
    for row in report.itertuples():
        table.add_row(row.variable, f"{row.tvd:.4f}", f"{row.n:,}")
    Console().print(table)
    if plot is not None:
        plot_audit(report, plot, f"{country.upper()}: tables vs {len(frame):,} draws")
        err.print(f"wrote {plot}", highlight=False)


@demographics_app.command("import")
def demographics_import(
    country: Annotated[str, typer.Option(help="ISO-3 country code.")],
    into: Annotated[Path, typer.Option(help="Folder for the rebuilt ISO3.json (use it via "
                                       "DEEPPERSONA_DEMOGRAPHICS_DIR).")],
    wpp: Annotated[Path | None, typer.Option(help="UN WPP population by age and sex CSV (.csv or .csv.gz).")] = None,
    ilostat: Annotated[Path | None, typer.Option(help="ILOSTAT employment by sex and occupation CSV.")] = None,
    year: Annotated[int | None, typer.Option(help="Year to take (default: latest in the file).")] = None,
) -> None:
    """Rebuild a country's tables from the official downloads."""
    import pycountry

    from deeppersona_agents.demographics.importers import import_country

    try:
        found = pycountry.countries.get(alpha_3=country.upper())
        if found is None:
            raise ConfigError(f"--country {country!r} is not an ISO-3 code")
        path = import_country(found.alpha_3, into, wpp=wpp, ilostat=ilostat, year=year)
    except DeepPersonaError as exc:
        raise _fail(exc) from None
    err.print(f"wrote {path}; set DEEPPERSONA_DEMOGRAPHICS_DIR={into} to use it", highlight=False)


@demographics_app.command("countries")
def demographics_countries() -> None:
    """List the countries with demographic tables."""
    from deeppersona_agents.demographics import country_name, supported_countries

    for code in supported_countries():
        print(f"{code}  {country_name(code)}")


from deeppersona_agents.population import cli as _population_cli  # noqa: E402 - registers after the app exists

app.command("population")(_population_cli.population)
app.command("enrich")(_population_cli.enrich)
app.command("export")(_population_cli.export)

from deeppersona_agents.evaluation.cli import evaluate_app  # noqa: E402 - imports only typer at module level

app.add_typer(evaluate_app, name="evaluate")


if __name__ == "__main__":  # pragma: no cover
    app()
