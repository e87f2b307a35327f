"""Wiring a LangGraph ``StateGraph`` as a chain of stages: shared by Stage 1 (taxonomy builder) and Stage 2.

``generation/graph.py`` and ``taxonomy/builder/graph.py`` each keep their own ``STAGES`` (the one place
their order is written); this only turns such a list into nodes and edges.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from langgraph.graph import END, START, StateGraph


def add_chain(graph: StateGraph[Any, Any, Any, Any], stages: Sequence[tuple[str, Callable[..., Any]]],
              deps: Any) -> None:
    """Add each ``(name, node)`` as a node bound to ``deps``, linked START -> first -> ... -> last -> END."""
    previous = START
    for name, node in stages:
        graph.add_node(name, partial(node, deps=deps))
        graph.add_edge(previous, name)
        previous = name
    graph.add_edge(previous, END)
