"""deeppersona-agents: deep, taxonomy-grounded synthetic personas for LangGraph apps and Mesa simulations.

The top level names what the three uses need; everything else lives in its subpackage:

- generate: :func:`generate_persona`, :func:`create_persona_generator` (a LangGraph graph), :class:`GenerationConfig`,
  :class:`Persona`, :func:`load_tree`, the embedded offline models;
- populate: :func:`spawn_population`, :class:`ModelSpec`;
- survey and compare: :class:`SurveyModel`, :class:`PersonaAgent`, :func:`load_instrument`, :func:`compare_answers`.

Names are imported on first use, so ``import deeppersona_agents`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_HOMES = {
    "ConfigError": "deeppersona_agents.errors",
    "DeepPersonaError": "deeppersona_agents.errors",
    "EmbeddedChatModel": "deeppersona_agents.embedded",
    "GenerationConfig": "deeppersona_agents.generation.config",
    "MiniLMEmbeddings": "deeppersona_agents.embedded",
    "ModelSpec": "deeppersona_agents.population.spec",
    "Persona": "deeppersona_agents.persona",
    "PersonaAgent": "deeppersona_agents.simulation.survey",
    "SurveyModel": "deeppersona_agents.simulation.survey",
    "compare_answers": "deeppersona_agents.comparison.compare",
    "create_persona_generator": "deeppersona_agents.generation.graph",
    "generate_persona": "deeppersona_agents.api",
    "load_instrument": "deeppersona_agents.simulation.instruments",
    "load_tree": "deeppersona_agents.taxonomy.tree",
    "spawn_population": "deeppersona_agents.population.run",
}

__all__ = [
    "ConfigError",
    "DeepPersonaError",
    "EmbeddedChatModel",
    "GenerationConfig",
    "MiniLMEmbeddings",
    "ModelSpec",
    "Persona",
    "PersonaAgent",
    "SurveyModel",
    "compare_answers",
    "create_persona_generator",
    "generate_persona",
    "load_instrument",
    "load_tree",
    "spawn_population",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from deeppersona_agents.api import generate_persona
    from deeppersona_agents.comparison.compare import compare_answers
    from deeppersona_agents.embedded import EmbeddedChatModel, MiniLMEmbeddings
    from deeppersona_agents.errors import ConfigError, DeepPersonaError
    from deeppersona_agents.generation.config import GenerationConfig
    from deeppersona_agents.generation.graph import create_persona_generator
    from deeppersona_agents.persona import Persona
    from deeppersona_agents.population.run import spawn_population
    from deeppersona_agents.population.spec import ModelSpec
    from deeppersona_agents.simulation.instruments import load_instrument
    from deeppersona_agents.simulation.survey import PersonaAgent, SurveyModel
    from deeppersona_agents.taxonomy.tree import load_tree


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'deeppersona_agents' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
