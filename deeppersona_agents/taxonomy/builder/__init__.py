"""Stage 1: build or grow the Human-Attribute Tree from self-disclosure Q&A, as a LangGraph graph.

load -> classify -> extract -> filter -> merge -> refilter -> describe -> conditions
(the last stage infers ``applies_if`` for new leaves when asked, and formats the tree)
"""

from deeppersona_agents.taxonomy.builder.graph import BuildReport, build_taxonomy, create_taxonomy_builder

__all__ = ["BuildReport", "build_taxonomy", "create_taxonomy_builder"]
