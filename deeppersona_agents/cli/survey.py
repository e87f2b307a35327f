"""``deeppersona survey``: personas answer an instrument as Mesa agents, durably (see ``simulation/run.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from deeppersona_agents.cli._common import (
    EXIT_MODEL,
    CacheOpt,
    DryRunOpt,
    ForceOpt,
    MethodOpt,
    PriceInOpt,
    PriceOutOpt,
    RespondentMethod,
    SurveyMode,
    check_output_folder,
    check_prices,
    err,
    guarded,
    option_value,
    print_estimate,
)


def survey(
    personas_file: Annotated[Path, typer.Argument(help="Personas: .jsonl (one per line) or .json.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for answers.jsonl, answers.csv, manifest.json.")],
    instrument: Annotated[str, typer.Option(help="wvs7, ipip50 or an instrument JSON file.")] = "wvs7",
    items: Annotated[str | None, typer.Option(help="Comma-separated item codes (default: all).")] = None,
    method: Annotated[RespondentMethod, typer.Option(help="How the respondent is described.")]
    = RespondentMethod.deep,
    depth: Annotated[int | None, typer.Option(min=0, help="deep: attributes shown per item, the most relevant "
                                              "first (default: all; 0: none).")] = None,
    mode: Annotated[SurveyMode, typer.Option(help="item (one call per item) or questionnaire (a block per call).")]
    = SurveyMode.item,
    block_size: Annotated[int, typer.Option(min=1, help="questionnaire: items per call.")] = 20,
    samples: Annotated[int, typer.Option(min=1, help="Answers per persona and item.")] = 1,
    logprobs: Annotated[bool, typer.Option(help="Each answer's distribution over the codes from token "
                                           "log-probabilities (endpoints that return them).")] = False,
    waves: Annotated[int, typer.Option(min=1, help="Survey waves (Mesa steps).")] = 1,
    concurrency: Annotated[int, typer.Option(min=1, help="LLM calls in flight.")] = 8,
    seed: Annotated[int, typer.Option(min=0, help="Run seed.")] = 0,
    model: Annotated[str | None, typer.Option(help="Model name on an OpenAI-compatible endpoint.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint URL.")] = None,
    factory: Annotated[str | None, typer.Option(help="'module:function' returning a LangChain chat model.")] = None,
    structured_method: MethodOpt = None,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    cache: CacheOpt = None,
    dry_run: DryRunOpt = False,
    price_in: PriceInOpt = None,
    price_out: PriceOutOpt = None,
) -> None:
    """Personas answer survey items as Mesa agents; answers are kept as they arrive and a rerun resumes.

    Exits 3 when more than half the answers are missing, naming the most common reason.
    """
    from deeppersona_agents.llm import chat_model_name, resolve_chat_model, resolve_structured_method
    from deeppersona_agents.persona import load_personas
    from deeppersona_agents.population.spec import ModelSpec
    from deeppersona_agents.simulation.run import CSV, run_survey

    with guarded():
        personas = load_personas(personas_file)
        check_prices(price_in, price_out)
        options: dict[str, Any] = dict(
            instrument=instrument, items=items.split(",") if items else None, method=method.value, depth=depth,
            mode=mode.value, block_size=block_size, samples=samples, concurrency=concurrency,
            structured_method=resolve_structured_method(option_value(structured_method)), logprobs=logprobs, rng=seed)
        if dry_run:
            from deeppersona_agents.dry_runs import survey_estimate

            print_estimate(survey_estimate(personas, model or factory, waves=waves, price_in=price_in,
                                           price_out=price_out, **options))
            return
        check_output_folder(out_dir)
        chat = (ModelSpec(model=model, base_url=base_url, factory=factory).build_model()
                if (model or base_url or factory) else resolve_chat_model())
        result = run_survey(personas, chat, out=out_dir, model_name=chat_model_name(chat), waves=waves,
                            progress=not quiet, force=force, cache=cache, **options)
    err.print(f"wrote {out_dir / CSV}: {result.expected - result.missing} of {result.expected} answers "
              f"({result.missing} missing), {result.llm_calls} LLM calls this run "
              f"({result.calls_cached} more from cache)", highlight=False, soft_wrap=True)
    if result.missing:
        cause, count = result.reasons.most_common(1)[0]
        err.print(f"most common reason for a missing answer ({count}x): {cause}", highlight=False, soft_wrap=True)
    if result.mostly_missing:
        err.print(f"[bold red]error:[/] {result.missing} of {result.expected} answers are missing; fix the cause "
                  "above and rerun the same command to ask them again", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_MODEL)
