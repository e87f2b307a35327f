"""``deeppersona generate``: one deep persona to a JSON file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from deeppersona_agents._read import check_text_option
from deeppersona_agents.cli._common import (
    CacheOpt,
    Demographics,
    DemographicsOpt,
    DryRunOpt,
    MethodOpt,
    PriceInOpt,
    PriceOutOpt,
    SummaryStyle,
    check_output_path,
    check_prices,
    err,
    guarded,
    option_value,
    out_or_default,
    parse_anchor_options,
    print_estimate,
    write_atomic,
)
from deeppersona_agents.errors import ConfigError


def generate(
    out: Annotated[Path | None, typer.Option(help="Where to write the persona JSON (required from the next "
                                             "release; now persona.json with a warning).")] = None,
    country: Annotated[str | None, typer.Option(help="ISO-3 country code, e.g. KEN.")] = None,
    anchor: Annotated[list[str] | None, typer.Option(help="Fixed fact key=value (repeatable).")] = None,
    bio: Annotated[str | None, typer.Option(help="Free-text background, kept verbatim.")] = None,
    attributes: Annotated[int, typer.Option(help="k: attributes sampled from the tree and filled.")] = 200,
    seed: Annotated[int, typer.Option(help="Run seed; same seed + same model = same persona.")] = 0,
    model: Annotated[str | None, typer.Option(help="Model name on an OpenAI-compatible endpoint.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint URL.")] = None,
    tree: Annotated[Path | None, typer.Option(help="Attribute tree JSON (default: shipped tree).")] = None,
    batch_size: Annotated[int, typer.Option(help="Attributes filled per LLM call.")] = 70,  # GenerationConfig default
    summary_style: Annotated[SummaryStyle, typer.Option(help="Summary length.")] = SummaryStyle.concise,
    structured_method: MethodOpt = None,
    demographics: DemographicsOpt = Demographics.census,
    min_age: Annotated[int, typer.Option(help="Youngest age drawn for the core (7-85).")] = 18,
    quiet: Annotated[bool, typer.Option(help="No progress display.")] = False,
    review: Annotated[bool | None, typer.Option(
        "--review/--no-review", help="Model review of contradictions (default: on for remote models, off for the "
        "embedded one).")] = None,
    current_year: Annotated[int, typer.Option(help="The year 'now' is for the persona.")] = 2026,
    cache: CacheOpt = None,
    dry_run: DryRunOpt = False,
    price_in: PriceInOpt = None,
    price_out: PriceOutOpt = None,
) -> None:
    """Generate one deep persona and write it as JSON."""
    with guarded():
        _generate(out_or_default(out, "persona.json"), country, anchor or [], bio, attributes, seed, model, base_url,
                  tree, batch_size, summary_style.value, option_value(structured_method), quiet, demographics.value,
                  min_age, review, current_year, cache, (dry_run, price_in, price_out))


def _generate(
    out: Path, country: str | None, anchor: list[str], bio: str | None, attributes: int, seed: int,
    model: str | None, base_url: str | None, tree_path: Path | None, batch_size: int, summary_style: str,
    structured_method: str | None, quiet: bool, demographics: str = "census", min_age: int = 18,
    review: bool | None = None, current_year: int = 2026, cache: Path | None = None,
    dry_run: tuple[bool, float | None, float | None] = (False, None, None),
) -> None:
    from deeppersona_agents.api import generate_persona
    from deeppersona_agents.demographics import resolve_country
    from deeppersona_agents.generation import STAGE_NAMES, GenerationConfig, create_persona_generator
    from deeppersona_agents.generation.anchor import split_anchors
    from deeppersona_agents.llm import resolve_chat_model, resolve_structured_method
    from deeppersona_agents.taxonomy import load_tree

    check_text_option(bio, "bio")
    for item in anchor:
        check_text_option(item, "anchor")
    anchors = parse_anchor_options(anchor)
    config = GenerationConfig.build(
        attributes=attributes, batch_size=batch_size, summary_style=summary_style,
        structured_method=resolve_structured_method(structured_method), demographics=demographics, min_age=min_age,
        review=review, current_year=current_year,
    )
    if country:
        resolve_country(country, config.tables_dir)
    tree = load_tree(tree_path)
    split_anchors(anchors, country, tree, config.tables_dir)
    check_prices(*dry_run[1:])
    if base_url and not model and not os.environ.get("DEEPPERSONA_MODEL"):
        raise ConfigError("--base-url needs --model (the model name served there)")
    if dry_run[0]:
        from deeppersona_agents.dry_runs import persona_estimate

        print_estimate(persona_estimate(model, config=config, seed=seed, anchors=anchors, bio=bio, country=country,
                                        tree=tree, price_in=dry_run[1], price_out=dry_run[2]))
        return
    check_output_path(out)
    chat = resolve_chat_model(model, base_url=base_url) if (model or base_url) else None
    generator = create_persona_generator(chat, tree=tree, config=config, cache=cache)

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                  "{task.total}"), TimeElapsedColumn(), console=err, disable=quiet, transient=False) as bar:
        stages = bar.add_task(STAGE_NAMES[0], total=len(STAGE_NAMES))
        fill = bar.add_task("attributes", total=attributes, visible=False)
        spent: list[float] = []  # stage seconds come with the events, not in the persona record

        def on_event(event: dict) -> None:
            if event.get("status") == "start":
                bar.update(stages, description=str(event["stage"]))
            elif event.get("status") == "done":
                spent.append(float(event.get("seconds", 0.0)))
                bar.advance(stages)
            elif "done" in event:
                bar.update(fill, visible=True, completed=event["done"])

        persona = generate_persona(anchors, bio=bio, country=country, seed=seed, config=config,
                                   generator=generator, on_event=on_event)
    write_atomic(out, json.dumps(persona.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
    m = persona.manifest
    err.print(
        f"wrote {out}: {persona.core.as_text()}; {len(persona.sampled_attributes())} attributes, "
        f"{m.llm_calls} LLM calls ({m.calls_cached} more from the cache), {m.prompt_tokens}+{m.completion_tokens} "
        "tokens, "
        f"{sum(spent):.1f} s", highlight=False,
    )


