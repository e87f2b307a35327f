"""Describe an attribute tree: counts per category and level, depth histogram, leaf types, subtrees."""

from __future__ import annotations

from collections import Counter
from typing import Any

from deeppersona_agents.errors import TaxonomyError
from deeppersona_agents.taxonomy.conditions import describe
from deeppersona_agents.taxonomy.tree import SEP, AttributeTree, TreeNode


def _count(node: TreeNode) -> int:
    return 1 + sum(_count(c) for c in node.children or [])


def tree_stats(tree: AttributeTree) -> dict[str, Any]:
    """Counts for ``deeppersona taxonomy stats`` (``--json`` prints this dict)."""
    levels: Counter[int] = Counter()

    def walk(node: TreeNode, depth: int) -> None:
        levels[depth] += 1
        for child in node.children or []:
            walk(child, depth + 1)

    for cat in tree.categories:
        walk(cat, 1)
    leaves_per_cat = Counter(leaf.category for leaf in tree.leaves)
    return {
        "name": tree.name,
        "version": tree.version,
        "content_hash": tree.content_hash,
        "nodes": sum(_count(c) for c in tree.categories),
        "leaves": len(tree.leaves),
        "categories": {
            c.name: {"nodes": _count(c), "leaves": leaves_per_cat.get(c.name, 0)} for c in tree.categories
        },
        "nodes_per_level": {str(k): v for k, v in sorted(levels.items())},
        "leaf_depth_histogram": {
            str(k): v for k, v in sorted(Counter(len(leaf.path) - 1 for leaf in tree.leaves).items())
        },
        "leaf_types": dict(Counter(leaf.type for leaf in tree.leaves).most_common()),
        "conditional_leaves": len(tree.conditions),
        "conditions_by_fact": dict(Counter(f for c in tree.conditions.values() for f in describe(c)).most_common()),
    }


def find_node(tree: AttributeTree, path: str) -> tuple[tuple[str, ...], TreeNode]:
    """The node at ``path`` ("A > B"), matched case-insensitively; raises TaxonomyError if absent."""
    wanted = [p.strip().lower() for p in path.split(SEP.strip()) if p.strip()]
    nodes: list[TreeNode] = list(tree.categories)
    found: TreeNode | None = None
    trail: list[str] = []
    for part in wanted:
        found = next((n for n in nodes if n.name.lower() == part), None)
        if found is None:
            options = ", ".join(n.name for n in nodes[:12])
            raise TaxonomyError(f"no node {part!r} under {SEP.join(trail) or 'the root'}; try one of: {options}")
        trail.append(found.name)
        nodes = list(found.children or [])
    if found is None:
        raise TaxonomyError("give a path such as 'Physical and Health Characteristics > Sleep'")
    return tuple(trail), found


def render_subtree(node: TreeNode, indent: int = 0) -> list[str]:
    """Indented lines for ``deeppersona taxonomy show``."""
    if node.children is None:
        extra = f", {node.unit}" if node.unit else (f": {' | '.join(node.options)}" if node.options else "")
        lines = [f"{'  ' * indent}{node.name}  ({node.type}{extra}) — {node.description}"]
    else:
        lines = [f"{'  ' * indent}{node.name}/"]
        for child in node.children:
            lines.extend(render_subtree(child, indent + 1))
    return lines
