"""``deeppersona population`` and ``enrich``: many personas, durable and resumable (``export`` is in ``export.py``)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from deeppersona_agents.cli._common import (
    EXIT_MODEL,
    CacheOpt,
    Demographics,
    DemographicsOpt,
    DryRunOpt,
    Engine,
    ForceOpt,
    MethodOpt,
    PriceInOpt,
    PriceOutOpt,
    check_output_folder,
    check_prices,
    count_option,
    err,
    guarded,
    option_value,
    print_estimate,
)

OutOpt = Annotated[Path, typer.Option("--out", help="Output folder (personas.jsonl, failures.jsonl, manifest.json).")]
AttributesOpt = Annotated[int, typer.Option(help="k: attributes per persona.")]
SeedOpt = Annotated[int, typer.Option(help="Run seed; persona i depends on (seed, i) only.")]
ConcurrencyOpt = Annotated[int, typer.Option(help="LLM calls in flight at most, across all personas.")]
EngineOpt = Annotated[Engine, typer.Option(help="local (threads) or ray (a Ray cluster; needs the ray extra).")]
ModelOpt = Annotated[str | None, typer.Option(help="Model name on an OpenAI-compatible endpoint.")]
BaseUrlOpt = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint URL.")]
FactoryOpt = Annotated[str | None, typer.Option(help="'module:function' returning a LangChain chat model.")]
RpsOpt = Annotated[float | None, typer.Option(help="Optional rate limit on LLM calls per second.")]
RayAddressOpt = Annotated[str | None, typer.Option(help="Ray address (auto, ray://host:10001); default local.")]
RayActorsOpt = Annotated[int | None, typer.Option(help="Ray actors (default: one per CPU).")]
QuietOpt = Annotated[bool, typer.Option(help="No progress bar.")]
BatchOpt = Annotated[int, typer.Option(help="Attributes filled per LLM call.")]


#: Options ``population`` and ``enrich`` share (name: annotation, default); they reach ``_run`` as keywords.
SHARED_OPTIONS: dict[str, tuple[Any, Any]] = {
    "attributes": (AttributesOpt, 200), "seed": (SeedOpt, 0), "concurrency": (ConcurrencyOpt, 8),
    "engine": (EngineOpt, Engine.local), "batch_size": (BatchOpt, 70), "structured_method": (MethodOpt, None),
    "model": (ModelOpt, None), "base_url": (BaseUrlOpt, None), "factory": (FactoryOpt, None),
    "requests_per_second": (RpsOpt, None), "ray_address": (RayAddressOpt, None), "ray_actors": (RayActorsOpt, None),
    "force": (ForceOpt, False), "quiet": (QuietOpt, False), "cache": (CacheOpt, None),
}


def _with_shared_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` the :data:`SHARED_OPTIONS` after its own; their values arrive in ``options``."""
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "options"]
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
              for name, (kind, default) in SHARED_OPTIONS.items()]

    @functools.wraps(command)
    def run(**values: Any) -> None:
        command(**{p.name: values.pop(p.name) for p in own}, options=values)

    run.__signature__ = inspect.Signature([*own, *shared])  # type: ignore[attr-defined]
    return run


@_with_shared_options
def population(
    country: Annotated[str, typer.Option(help="ISO-3 country code, e.g. KEN.")],
    n: Annotated[int, count_option("Personas wanted (indices 0..n-1).")],
    out: OutOpt,
    where: Annotated[str | None, typer.Option(help='Cohort, e.g. "age>=30 and age<50 and isco_major==2".')]
    = None,
    demographics: DemographicsOpt = Demographics.census,
    min_age: Annotated[int, typer.Option(help="Youngest age drawn (7-85).")] = 18,
    dry_run: DryRunOpt = False,
    price_in: PriceInOpt = None,
    price_out: PriceOutOpt = None,
    *,
    options: dict[str, Any],
) -> None:
    """Generate a national population of deep personas; rerun the same command to resume."""
    with guarded():
        _run(country, n, out, None, None, where, demographics.value, min_age, dry_run=(dry_run, price_in, price_out),
             **options)


@_with_shared_options
def enrich(
    source: Annotated[Path, typer.Argument(help='Shallow personas: JSONL ({"persona": "..."} or field dicts) '
                                                "or text, one per line.")],
    out: OutOpt,
    country: Annotated[str | None, typer.Option(help="Country for fields the inputs leave open (ISO-3).")] = None,
    n: Annotated[int | None, count_option("Deepen only the first n inputs.")] = None,
    *,
    options: dict[str, Any],
) -> None:
    """Turn one-line or few-field personas into deep ones that keep the original as an anchor."""
    from deeppersona_agents.population.inputs import load_shallow_personas

    with guarded():
        inputs, digest = load_shallow_personas(source)
        _run(country, n, out, inputs, digest, None, "census", 18, **options)


def _run(country: str | None, n: int | None, out: Path, inputs: Any, digest: str | None, where: str | None,
         demographics: str, min_age: int, *, attributes: int, seed: int, concurrency: int, engine: str,
         batch_size: int, structured_method: str | None, model: str | None, base_url: str | None, factory: str | None,
         requests_per_second: float | None, ray_address: str | None, ray_actors: int | None, force: bool,
         quiet: bool, cache: Path | None = None,
         dry_run: tuple[bool, float | None, float | None] = (False, None, None)) -> None:
    from deeppersona_agents.errors import ConfigError
    from deeppersona_agents.generation import GenerationConfig
    from deeppersona_agents.llm import resolve_structured_method
    from deeppersona_agents.population import ModelSpec, spawn_population

    engine, structured_method = str(engine), option_value(structured_method)  # enums -> the library's strings
    if base_url and not model and not factory:
        raise ConfigError("--base-url needs --model (the model name served there)")
    check_prices(*dry_run[1:])
    config = GenerationConfig.build(
        attributes=attributes, batch_size=batch_size, structured_method=resolve_structured_method(structured_method),
        demographics=demographics, min_age=min_age, where=where,
    )
    if dry_run[0]:
        from deeppersona_agents.dry_runs import population_estimate

        if n is None or n < 1:
            raise ConfigError(f"-n {n}: give 1 or more personas")
        print_estimate(population_estimate(country, n, model or factory, seed=seed, config=config,
                                           price_in=dry_run[1], price_out=dry_run[2]))
        return
    check_output_folder(out)
    spec = ModelSpec(model=model, base_url=base_url, factory=factory)
    result = spawn_population(
        country, n, out=out, model=spec, seed=seed, concurrency=concurrency,
        engine=engine,  # type: ignore[arg-type]
        config=config, inputs=inputs, inputs_hash=digest, requests_per_second=requests_per_second,
        ray_address=ray_address, ray_actors=ray_actors, force=force, progress=not quiet, cache=cache,
    )
    _print_summary(result.summary, out)
    if result.audit is not None:
        table = Table(title="population vs tables (total-variation distance)", title_justify="left")
        for column in ("variable", "tvd", "n"):
            table.add_column(column, justify="right" if column != "variable" else "left")
        for row in result.audit.itertuples():
            table.add_row(str(row.variable), f"{row.tvd:.3f}", str(row.n))
        err.print(table)
    if result.summary["missing"]:
        err.print(f"[yellow]{result.summary['missing']} personas are missing (see {out / 'failures.jsonl'}); "
                  "rerun the same command to retry them[/]", highlight=False)
        raise typer.Exit(EXIT_MODEL)


def _print_summary(summary: dict[str, Any], out: Path) -> None:
    s = summary
    err.print(
        f"{out}: {s['done']}/{s['n']} personas ({s['generated_this_run']} new, {s['failed_this_run']} failed) · "
        f"{s['calls_billed']} LLM calls ({s['calls_cached']} more from the cache) · "
        f"{s['prompt_tokens']:,}+{s['completion_tokens']:,} tokens · "
        f"{s['wall_seconds']:.1f} s · {s['personas_per_minute']:.1f} personas/min",
        highlight=False,
    )
