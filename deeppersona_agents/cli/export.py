"""``deeppersona export``: a population as Parquet tables, a Hugging Face dataset, TinyTroupe or EDSL agents."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from deeppersona_agents.cli._common import check_output_folder, err, guarded, stop

ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an earlier export at --hf/--tinytroupe/--edsl.")]


def export(
    source: Annotated[Path, typer.Argument(help="A folder written by `deeppersona population` or `enrich`, or a "
                                                "personas .jsonl file.")],
    parquet: Annotated[bool | None, typer.Option(
        help="personas.parquet + attributes.parquet (the default when no other format is asked for).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for --parquet (default: beside the personas).")]
    = None,
    hf: Annotated[Path | None, typer.Option("--hf", help="New folder: a Hugging Face `datasets` dataset (Parquet + "
                                                         "README.md dataset card). Needs pyarrow (hf extra).")] = None,
    tinytroupe: Annotated[Path | None, typer.Option("--tinytroupe", help="New folder: one TinyTroupe "
                                                                         ".agent.json per persona.")] = None,
    edsl: Annotated[Path | None, typer.Option("--edsl", help="New file: an EDSL AgentList (.json for "
                                                             "AgentList.from_dict, .jsonl for from_jsonl).")] = None,
    license: Annotated[str, typer.Option(help="--hf: licence identifier in the dataset card (e.g. cc-by-4.0); "
                                              "check the terms of the model that wrote the personas.")]
    = "apache-2.0",
    title: Annotated[str | None, typer.Option(help="--hf: the dataset card's title.")] = None,
    force: ForceOpt = False,
) -> None:
    """Export a population for analysis (Parquet), publication (Hugging Face) or other agent frameworks."""
    from deeppersona_agents.export import export_edsl, export_hf, export_tinytroupe, open_source
    from deeppersona_agents.export.edsl import check_edsl_path, is_edsl_export
    from deeppersona_agents.export.hf import is_hf_export
    from deeppersona_agents.export.source import check_new_output
    from deeppersona_agents.export.tinytroupe import is_tinytroupe_export
    from deeppersona_agents.population.export import export_parquet, require_pyarrow

    others = hf is not None or tinytroupe is not None or edsl is not None
    if parquet is None:
        parquet = not others
    if not parquet and not others:
        stop("nothing to export; pass --parquet, --hf OUT, --tinytroupe OUT or --edsl FILE")
    targets = [p for p in (hf, tinytroupe, edsl) if p is not None]
    if len({p.resolve() for p in targets}) < len(targets):
        stop("--hf, --tinytroupe and --edsl need different paths")
    with guarded():
        open_source(source)  # every check before anything is written
        if parquet or hf is not None:
            require_pyarrow()
        if parquet and out is not None:
            check_output_folder(out)
        if edsl is not None:
            check_edsl_path(edsl, param="edsl")
        for path, ours, kind, flag in ((hf, is_hf_export, "Hugging Face dataset folder", "hf"),
                                       (tinytroupe, is_tinytroupe_export, "TinyTroupe agents folder", "tinytroupe"),
                                       (edsl, is_edsl_export, "EDSL agents file", "edsl")):
            if path is not None:
                check_new_output(path, force, ours, kind, param=flag)
        written: list[str] = []
        if parquet:
            written += [str(p) for p in export_parquet(source, out)]
        if hf is not None:
            written.append(f"{export_hf(source, hf, force=force, license=license, title=title)}/")
        if tinytroupe is not None:
            files = export_tinytroupe(source, tinytroupe, force=force)
            written.append(f"{tinytroupe}/ ({len(files)} agents)")
        if edsl is not None:
            written.append(str(export_edsl(source, edsl, force=force)))
    err.print("wrote " + ", ".join(written), highlight=False)
