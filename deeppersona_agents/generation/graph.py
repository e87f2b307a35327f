"""The Stage-2 LangGraph: the only place that knows the order of the stages.

anchor -> values -> attitude -> stories -> hobbies -> select_attributes -> fill_attributes -> review -> summarize
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langgraph.graph import StateGraph
from langgraph.graph.state import CompiledStateGraph

from deeppersona_agents._chain import add_chain
from deeppersona_agents.generation.anchor import anchor_node
from deeppersona_agents.generation.attitude import attitude_node
from deeppersona_agents.generation.capacity import check_capacity
from deeppersona_agents.generation.config import GenerationConfig, PersonaRunContext
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.fill_attributes import fill_attributes_node
from deeppersona_agents.generation.hobbies import hobbies_node
from deeppersona_agents.generation.review import review_node
from deeppersona_agents.generation.select_attributes import select_attributes_node
from deeppersona_agents.generation.state import PersonaInput, PersonaOutput, PersonaState
from deeppersona_agents.generation.stories import stories_node
from deeppersona_agents.generation.summarize import summarize_node
from deeppersona_agents.generation.values import values_node
from deeppersona_agents.llm import resolve_chat_model, resolve_embeddings
from deeppersona_agents.taxonomy import AttributeTree, load_tree
from deeppersona_agents.taxonomy.vectors import leaf_vectors

#: Stage order; node names in the compiled graph.
STAGES: tuple[tuple[str, Callable[..., dict[str, Any]]], ...] = (
    ("anchor", anchor_node),
    ("values", values_node),
    ("attitude", attitude_node),
    ("stories", stories_node),
    ("hobbies", hobbies_node),
    ("select_attributes", select_attributes_node),
    ("fill_attributes", fill_attributes_node),
    ("review", review_node),
    ("summarize", summarize_node),
)
#: Stage names in order (progress displays read this; nothing else spells the order out).
STAGE_NAMES: tuple[str, ...] = tuple(name for name, _ in STAGES)


def make_deps(
    model: BaseChatModel | None = None,
    embeddings: Embeddings | None = None,
    tree: AttributeTree | str | Path | None = None,
    config: GenerationConfig | None = None,
) -> PersonaDeps:
    """Resolve model, embeddings and tree (defaults: environment, then the embedded models); check the config."""
    chat = resolve_chat_model(model)
    emb = resolve_embeddings(embeddings)
    attr_tree = tree if isinstance(tree, AttributeTree) else load_tree(tree)
    cfg = config or GenerationConfig()
    check_capacity(attr_tree, cfg)
    return PersonaDeps(chat, emb, attr_tree, leaf_vectors(attr_tree, emb, cache_dir=cfg.cache_dir), cfg)


def build_persona_graph(deps: PersonaDeps) -> StateGraph[PersonaState, PersonaRunContext, PersonaInput, PersonaOutput]:
    """Wire the stages into an (uncompiled) ``StateGraph`` bound to ``deps``."""
    graph = StateGraph(PersonaState, context_schema=PersonaRunContext, input_schema=PersonaInput,
                       output_schema=PersonaOutput)
    add_chain(graph, STAGES, deps)
    return graph


def create_persona_generator(
    model: BaseChatModel | None = None,
    embeddings: Embeddings | None = None,
    *,
    tree: AttributeTree | str | Path | None = None,
    config: GenerationConfig | None = None,
    name: str = "deeppersona",
    cache: BaseCache | str | Path | None = None,
    **compile_kwargs: Any,
) -> CompiledStateGraph[PersonaState, PersonaRunContext, PersonaInput, PersonaOutput]:
    """Build and compile the persona generator.

    Args:
        model: Any LangChain chat model; default from the environment, else the embedded model.
        embeddings: Any LangChain embeddings; default from the environment, else embedded MiniLM.
        tree: An :class:`AttributeTree`, a path to a tree JSON file, or ``None`` for the shipped tree.
        config: Bound into the generator and checked against the tree now (k too large fails here,
            not mid-run). A run may override it with ``config`` in its input state (checked again).
        name: Graph name (shows up when used as a subgraph).
        cache: Response cache for every model call (a SQLite file path or a LangChain cache). Keys
            include the run seed when the graph runs inside ``response_cache.seeded(seed)``, as
            :func:`generate_persona` does; a bare ``invoke`` keys by model, prompt and schema only.
        **compile_kwargs: Passed to ``StateGraph.compile`` (checkpointer, store, ...).

    Returns:
        A compiled graph: ``invoke({"country": "KEN", "seed": 7, "anchors": {...}, "bio": "..."})``
        returns ``{"persona": {...}}`` (the seed may also come from ``context=PersonaRunContext(seed=7)``).
    """
    if cache is not None:
        from deeppersona_agents.response_cache import with_cache

        model = with_cache(resolve_chat_model(model), cache)
    deps = make_deps(model, embeddings, tree, config)
    return build_persona_graph(deps).compile(name=name, **compile_kwargs)
