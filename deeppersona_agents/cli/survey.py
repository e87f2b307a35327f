"""``deeppersona survey``: personas answer an instrument as Mesa agents."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from deeppersona_agents.cli._common import (
    check_output_folder,
    err,
    guarded,
    make_folder,
    write_atomic,
)


def survey(
    personas_file: Annotated[Path, typer.Argument(help="Personas: .jsonl (one per line) or .json.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for answers.csv.")],
    instrument: Annotated[str, typer.Option(help="wvs7, ipip50 or an instrument JSON file.")] = "wvs7",
    items: Annotated[str | None, typer.Option(help="Comma-separated item codes (default: all).")] = None,
    method: Annotated[str, typer.Option(help="deep, cultural, shallow, oneliner or bare.")] = "deep",
    depth: Annotated[int | None, typer.Option(min=1, help="deep: attributes shown to the respondent.")] = None,
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

    with guarded():
        personas = load_personas(personas_file)
        check_output_folder(out_dir)
        sim = SurveyModel(
            personas, resolve_chat_model(model, base_url=base_url) if (model or base_url) else None,
            instrument=instrument, items=items.split(",") if items else None, method=method, depth=depth,
            samples=samples, concurrency=concurrency, structured_method=resolve_structured_method(structured_method),
            logprobs=logprobs, rng=seed,
        )
        make_folder(out_dir)  # every option and item checked: now output may be created
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total} waves"), TimeElapsedColumn(), console=err) as bar:
            task = bar.add_task(f"{len(personas)} personas x {len(sim.items)} items", total=waves)
            for _ in range(waves):
                sim.step()
                frame = pd.DataFrame(sim.rows)
                write_atomic(out_dir / "answers.csv", frame.to_csv(index=False))  # every finished wave is kept
                bar.advance(task)
    missing = int(frame["answer"].isna().sum())
    err.print(f"wrote {out_dir / 'answers.csv'}: {len(frame)} answers ({missing} missing), "
              f"{sim.usage.llm_calls} LLM calls ({sim.usage.calls_cached} more from cache)", highlight=False,
              soft_wrap=True)


