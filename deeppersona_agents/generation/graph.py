"""The Stage-2 LangGraph: the only place that knows the order of the stages.

anchor -> values -> attitude -> stories -> hobbies -> select_attributes -> fill_attributes -> summarize
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.generation.anchor import CORE_PATHS, anchor_node
from deeppersona_agents.generation.attitude import attitude_node
from deeppersona_agents.generation.config import GenerationConfig, PersonaRunContext
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.fill_attributes import fill_attributes_node
from deeppersona_agents.generation.hobbies import hobbies_node
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
    ("summarize", summarize_node),
)


def make_deps(
    model: BaseChatModel | None = None,
    embeddings: Embeddings | None = None,
    tree: AttributeTree | str | Path | None = None,
) -> PersonaDeps:
    """Resolve model, embeddings and tree (defaults: environment, then the embedded models)."""
    chat = resolve_chat_model(model)
    emb = resolve_embeddings(embeddings)
    attr_tree = tree if isinstance(tree, AttributeTree) else load_tree(tree)
    return PersonaDeps(chat, emb, attr_tree, leaf_vectors(attr_tree, emb))


def check_capacity(deps: PersonaDeps, config: GenerationConfig) -> None:
    """Fail at build time when k exceeds what the tree can offer."""
    cats = [
        leaf for leaf in deps.tree.leaves
        if (not config.include_categories or leaf.category in config.include_categories)
        and leaf.category not in config.exclude_categories and leaf.key not in CORE_PATHS.values()
    ]
    if config.attributes > len(cats):
        raise ConfigError(
            f"--attributes {config.attributes} is more than the {len(cats)} attributes available in tree "
            f"{deps.tree.source} (after category filters); use at most {len(cats)} or a larger tree"
        )


def build_persona_graph(deps: PersonaDeps) -> StateGraph[PersonaState, PersonaRunContext, PersonaInput, PersonaOutput]:
    """Wire the eight stages into an (uncompiled) ``StateGraph`` bound to ``deps``."""
    graph = StateGraph(PersonaState, context_schema=PersonaRunContext, input_schema=PersonaInput,
                       output_schema=PersonaOutput)
    previous = START
    for name, node in STAGES:
        graph.add_node(name, partial(node, deps=deps))
        graph.add_edge(previous, name)
        previous = name
    graph.add_edge(previous, END)
    return graph


def create_persona_generator(
    model: BaseChatModel | None = None,
    embeddings: Embeddings | None = None,
    *,
    tree: AttributeTree | str | Path | None = None,
    config: GenerationConfig | None = None,
    name: str = "deeppersona",
    **compile_kwargs: Any,
) -> CompiledStateGraph[PersonaState, PersonaRunContext, PersonaInput, PersonaOutput]:
    """Build and compile the persona generator.

    Args:
        model: Any LangChain chat model; default from the environment, else the embedded model.
        embeddings: Any LangChain embeddings; default from the environment, else embedded MiniLM.
        tree: An :class:`AttributeTree`, a path to a tree JSON file, or ``None`` for the shipped tree.
        config: Checked against the tree now (k too large fails here, not mid-run). Pass it again
            at run time in ``PersonaRunContext`` along with the seed.
        name: Graph name (shows up when used as a subgraph).
        **compile_kwargs: Passed to ``StateGraph.compile`` (checkpointer, store, ...).

    Returns:
        A compiled graph: ``invoke({"anchors": {...}, "bio": "...", "country": "KEN"},
        context=PersonaRunContext(seed=7, config=...))`` returns ``{"persona": {...}}``.
    """
    deps = make_deps(model, embeddings, tree)
    check_capacity(deps, config or GenerationConfig())
    return build_persona_graph(deps).compile(name=name, **compile_kwargs)
