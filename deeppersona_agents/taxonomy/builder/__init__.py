"""Stage 1: build or grow the Human-Attribute Tree from self-disclosure Q&A, as a LangGraph graph.

load -> classify -> extract -> filter -> merge -> refilter -> describe
"""

from deeppersona_agents.taxonomy.builder.graph import BuildReport, build_taxonomy, create_taxonomy_builder

__all__ = ["BuildReport", "build_taxonomy", "create_taxonomy_builder"]
