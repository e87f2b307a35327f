"""One-call entry point: a finished :class:`Persona` from anchors, with optional progress events."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.callbacks import Callbacks
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langgraph.graph.state import CompiledStateGraph

from deeppersona_agents.errors import ConfigError, GenerationError
from deeppersona_agents.generation import GenerationConfig, PersonaRunContext, create_persona_generator
from deeppersona_agents.persona import Persona
from deeppersona_agents.response_cache import seeded
from deeppersona_agents.taxonomy import AttributeTree


def generate_persona(
    anchors: dict[str, str] | None = None,
    *,
    bio: str | None = None,
    country: str | None = None,
    seed: int = 0,
    config: GenerationConfig | None = None,
    model: BaseChatModel | None = None,
    embeddings: Embeddings | None = None,
    tree: AttributeTree | str | Path | None = None,
    generator: CompiledStateGraph[Any, Any, Any, Any] | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    callbacks: Callbacks = None,
    cache: BaseCache | str | Path | None = None,
) -> Persona:
    """Generate one persona.

    Args:
        anchors: Fixed facts (``{"age": "34", "occupation": "nurse"}``), kept verbatim.
        bio: Free-text background, kept verbatim; core facts it states are respected.
        country: ISO-3 (or ISO-2 / name) of the country to draw missing core fields from.
        seed: Run seed; every random choice derives from it.
        config: Generation options (k, strata ratio, batch size, ...); default the generator's own.
        model: Chat model; defaults per ``llm.resolve_chat_model``.
        embeddings: Embeddings; defaults per ``llm.resolve_embeddings``.
        tree: Attribute tree (object or JSON path); default the shipped tree.
        generator: A compiled generator to reuse (then model/embeddings/tree are ignored).
        on_event: Called with each progress event (``{"stage": ..., "status"|"done": ...}``), from
            the thread running the stage; an exception it raises stops the persona.
        callbacks: LangChain callbacks for the run (tracing, usage counting); they see every model call.
        cache: Response cache (a SQLite file path or a LangChain cache): replies already stored for
            the same model, prompt, schema and seed are reused, not billed. With ``generator``, give
            the cache to :func:`create_persona_generator` instead.

    Returns:
        The validated persona record.
    """
    if generator is not None and cache is not None:
        raise ConfigError("cache= is set when the generator is built: pass it to create_persona_generator",
                          param="cache")
    graph = generator or create_persona_generator(model, embeddings, tree=tree, config=config, cache=cache)
    payload: dict[str, Any] = {"anchors": dict(anchors or {}), "seed": seed}
    if config is not None and generator is not None:
        payload["config"] = config  # checked against the tree by the first stage
    if bio:
        payload["bio"] = bio
    if country:
        payload["country"] = country
    context = PersonaRunContext(listener=on_event)
    with seeded(seed):  # a cached reply is reused only by a run with the same seed
        persona: dict[str, Any] | None = graph.invoke(  # type: ignore[call-overload]
            payload, context=context, config={"callbacks": callbacks} if callbacks else None).get("persona")
    if persona is None:  # pragma: no cover - the graph always ends with summarize
        raise GenerationError("summarize", "the graph finished without a persona")
    return Persona.model_validate(persona)
