"""deeppersona-agents: deep, taxonomy-grounded synthetic personas for LangGraph apps and Mesa simulations."""

from deeppersona_agents.api import generate_persona
from deeppersona_agents.embedded import EmbeddedChatModel, MiniLMEmbeddings
from deeppersona_agents.errors import (
    ConfigError,
    DeepPersonaError,
    GenerationError,
    ModelError,
    StructuredOutputError,
    TaxonomyError,
)
from deeppersona_agents.generation import (
    GenerationConfig,
    PersonaRunContext,
    build_persona_graph,
    create_persona_generator,
    make_deps,
)
from deeppersona_agents.llm import resolve_chat_model, resolve_embeddings
from deeppersona_agents.persona import Attitude, Attribute, Core, Manifest, Persona
from deeppersona_agents.taxonomy import AttributeTree, load_tree

__all__ = [
    "Attitude",
    "Attribute",
    "AttributeTree",
    "ConfigError",
    "Core",
    "DeepPersonaError",
    "EmbeddedChatModel",
    "GenerationConfig",
    "GenerationError",
    "Manifest",
    "MiniLMEmbeddings",
    "ModelError",
    "Persona",
    "PersonaRunContext",
    "StructuredOutputError",
    "TaxonomyError",
    "build_persona_graph",
    "create_persona_generator",
    "generate_persona",
    "load_tree",
    "make_deps",
    "resolve_chat_model",
    "resolve_embeddings",
]
