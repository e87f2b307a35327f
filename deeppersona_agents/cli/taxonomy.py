"""``deeppersona taxonomy ...``: validate, inspect, import and build the Human-Attribute Tree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from deeppersona_agents.cli._common import (
    MethodOpt,
    check_output_path,
    console,
    err,
    guarded,
    option_value,
    out_or_default,
    write_atomic,
)
from deeppersona_agents.errors import ConfigError

taxonomy_app = typer.Typer(no_args_is_help=True, help="Inspect and validate the Human-Attribute Tree.")


@taxonomy_app.command("validate")
def taxonomy_validate(
    file: Annotated[Path | None, typer.Argument(help="Tree JSON (default: the shipped tree).")] = None,
    near_duplicates: Annotated[bool, typer.Option(help="Check near-duplicate leaves with the embedding model.")] = True,
    max_depth: Annotated[int, typer.Option(min=1, help="Most levels a leaf may sit below its category.")] = 3,
) -> None:
    """Check a tree; print every problem with its path; exit 1 if there is any."""
    from deeppersona_agents.llm import resolve_embeddings
    from deeppersona_agents.taxonomy import load_tree
    from deeppersona_agents.taxonomy.validate import validate_tree

    with guarded():
        tree = load_tree(file)
        problems = validate_tree(tree, resolve_embeddings() if near_duplicates else None, max_depth=max_depth)
    for problem in problems:
        console.print(str(problem), highlight=False, soft_wrap=True, markup=False)
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

    with guarded():
        stats = tree_stats(load_tree(file))
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
    console.print(table)
    console.print(f"nodes per level: {stats['nodes_per_level']}", highlight=False)
    console.print(f"leaf depth below category: {stats['leaf_depth_histogram']}", highlight=False)
    console.print(f"leaf types: {stats['leaf_types']}", highlight=False)
    console.print(f"conditional leaves: {stats['conditional_leaves']} (tests on {stats['conditions_by_fact']})",
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

    with guarded():
        check_output_path(out_file)
        tree, report = import_authors_tree(file, resolve_embeddings(), merge_threshold=merge_threshold)
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
    out: Annotated[Path | None, typer.Option(help="Where to write the built tree (required).")] = None,
    into: Annotated[Path | None, typer.Option(hidden=True, help="Old spelling of --out.")] = None,
    base: Annotated[Path | None, typer.Option(help="Tree to grow (default: the shipped tree).")] = None,
    fresh: Annotated[bool, typer.Option(help="Build a new tree instead of growing one.")] = False,
    work_dir: Annotated[Path | None, typer.Option(help="Resume cache (default: OUT.work/).")] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=256, help="Concurrent LLM calls.")] = 4,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Merge siblings at this cosine.")] = 0.7,
    confirm_merges: Annotated[bool, typer.Option(help="Ask the LLM before merging pairs below cosine 0.8.")] = False,
    infer_conditions: Annotated[bool, typer.Option(help="Ask the LLM when new leaves apply (applies_if).")] = False,
    model: Annotated[str | None, typer.Option(help="Model name on an OpenAI-compatible endpoint.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint URL.")] = None,
    structured_method: MethodOpt = None,
) -> None:
    """Stage 1: build (or grow) the attribute tree from self-disclosure Q&A; resumable."""
    from rich.table import Table

    from deeppersona_agents.llm import resolve_chat_model, resolve_embeddings, resolve_structured_method
    from deeppersona_agents.taxonomy import load_tree
    from deeppersona_agents.taxonomy.builder import build_taxonomy
    from deeppersona_agents.taxonomy.builder.graph import BuilderDeps
    from deeppersona_agents.taxonomy.builder.inputs import read_pairs
    from deeppersona_agents.taxonomy.stats import tree_stats

    into = out_or_default(out, "", old=into, old_flag="--into")
    with guarded():
        if not conversations.is_file():
            raise ConfigError(f"{conversations} is not a readable file; give a JSONL file of conversations")
        check_output_path(into)
        read_pairs(conversations)  # an empty or unusable file is refused before any work or output
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
                structured_method=resolve_structured_method(option_value(structured_method)), concurrency=concurrency,
                threshold=threshold,
                confirm_merges=confirm_merges, infer_conditions=infer_conditions,
                on_progress=on_progress,
            )
            report = build_taxonomy(conversations, deps)
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

    with guarded():
        trail, node = find_node(load_tree(tree_file), path)
    console.print(" > ".join(trail[:-1]) or "(category)", style="dim", highlight=False)
    for line in render_subtree(node):
        console.print(line, highlight=False, markup=False, soft_wrap=True)


