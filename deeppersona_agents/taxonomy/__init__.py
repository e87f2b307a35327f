"""Stage 1: the Human-Attribute Tree (model, loader, leaf embeddings)."""

from deeppersona_agents.taxonomy.tree import CATEGORIES, AttributeTree, Leaf, load_tree

__all__ = ["CATEGORIES", "AttributeTree", "Leaf", "load_tree"]
