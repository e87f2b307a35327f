"""``--dry-run`` for each command: the command's own code runs against :class:`DryRunChatModel`.

Sits beside the CLI commands (generate, population, survey, evaluate qa). Each function runs the
library path the command would run, on a sample of its personas when there are many, with the
dry-run model in place of the chat model and the embedded MiniLM in place of remote embeddings;
nothing reaches a model or an endpoint and no output is written. Sampled estimates are scaled to
the whole run and say so in their ``scope``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from typing import Any

from deeppersona_agents.estimate import DryRunChatModel, Estimate, dry_run_model, tally
from deeppersona_agents.generation import GenerationConfig

#: Personas generated (population) or asked (survey, QA) in a dry run; the estimate is scaled from them.
SAMPLE = 3


def _config(config: GenerationConfig | None, model: DryRunChatModel) -> GenerationConfig:
    """The run's config, with the model review decided as for the model the estimate stands for."""
    config = config or GenerationConfig()
    return config if config.review is not None else config.model_copy(update={"review": model.remote})


def _generate(model: DryRunChatModel, count: int, seeds: Sequence[int], config: GenerationConfig | None,
              **persona: Any) -> None:
    from deeppersona_agents.api import generate_persona
    from deeppersona_agents.embedded import MiniLMEmbeddings
    from deeppersona_agents.generation import create_persona_generator

    generator = create_persona_generator(model, MiniLMEmbeddings(), tree=persona.pop("tree", None),
                                         config=_config(config, model))
    for seed in seeds[:count]:
        generate_persona(seed=seed, generator=generator, **persona)


def persona_estimate(model_name: str | None = None, *, config: GenerationConfig | None = None, seed: int = 0,
                     price_in: float | None = None, price_out: float | None = None, **persona: Any) -> Estimate:
    """What ``generate_persona(..., seed=seed, config=config, **persona)`` would ask the model."""
    model = dry_run_model(model_name)
    _generate(model, 1, [seed], config, **persona)
    return tally([model], "one persona", price_in, price_out)


def population_estimate(country: str | None, n: int, model_name: str | None = None, *, seed: int = 0,
                        config: GenerationConfig | None = None, tree: Any = None, sample: int = SAMPLE,
                        price_in: float | None = None, price_out: float | None = None) -> Estimate:
    """What ``spawn_population(country, n, seed=seed, config=config)`` would ask, from ``sample`` personas."""
    from deeppersona_agents.population.worker import persona_seed

    model = dry_run_model(model_name)
    count = min(n, sample)
    _generate(model, count, [persona_seed(seed, i) for i in range(count)], config, country=country, tree=tree)
    scope = f"{n} personas" + (f", scaled from the first {count}" if count < n else "")
    return tally([model], scope, price_in, price_out).scaled(n / count, scope)


def survey_estimate(personas: Sequence[Any], model_name: str | None = None, *, waves: int = 1,
                    sample: int = SAMPLE, price_in: float | None = None, price_out: float | None = None,
                    **options: Any) -> Estimate:
    """What ``run_survey(personas, ..., waves=waves, **options)`` would ask, from ``sample`` personas."""
    from deeppersona_agents.embedded import MiniLMEmbeddings
    from deeppersona_agents.simulation.run import run_survey

    model = dry_run_model(model_name)
    chosen = list(personas[:sample])
    with tempfile.TemporaryDirectory(prefix="deeppersona-dry-run-") as folder:
        run_survey(chosen, model, out=folder, model_name=model.name_shown, waves=waves, embeddings=MiniLMEmbeddings(),
                   progress=False, **options)
    scope = f"{len(personas)} personas" + (f", scaled from the first {len(chosen)}" if len(chosen) < len(personas)
                                           else "")
    return tally([model], scope, price_in, price_out).scaled(len(personas) / len(chosen), scope)


def qa_estimate(personas: Sequence[Any], responder: str | None = None, evaluator: str | None = None, *,
                sample: int = SAMPLE, price_in: float | None = None, price_out: float | None = None,
                **options: Any) -> Estimate:
    """What ``run_qa(personas, ...)`` would ask the responder and the evaluator, from ``sample`` personas."""
    from deeppersona_agents.quality.qa import run_qa

    models = [dry_run_model(responder), dry_run_model(evaluator)]
    chosen = list(personas[:sample])
    run_qa(chosen, models[0], models[1], out=None, progress=False, **options)
    scope = (f"{len(personas)} personas, responder and evaluator"
             + (f", scaled from the first {len(chosen)}" if len(chosen) < len(personas) else ""))
    return tally(models, scope, price_in, price_out).scaled(len(personas) / len(chosen), scope)
