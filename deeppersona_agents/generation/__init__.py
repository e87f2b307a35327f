"""Stage 2: progressive persona generation as a LangGraph state machine."""

from deeppersona_agents.generation.config import GenerationConfig, PersonaRunContext
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.graph import (
    STAGE_NAMES,
    STAGES,
    build_persona_graph,
    create_persona_generator,
    make_deps,
)
from deeppersona_agents.generation.state import PersonaInput, PersonaOutput, PersonaState

__all__ = [
    "STAGE_NAMES",
    "STAGES",
    "GenerationConfig",
    "PersonaDeps",
    "PersonaInput",
    "PersonaOutput",
    "PersonaRunContext",
    "PersonaState",
    "build_persona_graph",
    "create_persona_generator",
    "make_deps",
]
