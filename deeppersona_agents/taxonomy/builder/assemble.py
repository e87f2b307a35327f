"""Turn kept paths into tree nodes, merge them into the base tree, and repair the result."""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings

from deeppersona_agents.taxonomy.merge import Node, merge_exact, merge_similar, name_key, normalise_name
from deeppersona_agents.taxonomy.tree import CATEGORIES, LEAF_FIELDS, AttributeTree
from deeppersona_agents.taxonomy.validate import BANNED_WORDS

MAX_BELOW_CATEGORY = 3


def base_nodes(tree: AttributeTree | None) -> list[Node]:
    """The base tree's categories as dicts, every node marked ``_base`` (never merged with each other)."""
    if tree is None:
        return []

    def mark(node: dict[str, Any]) -> dict[str, Any]:
        node["_base"] = True
        for child in node.get("children") or []:
            mark(child)
        return node

    return [mark(c.model_dump(exclude_none=True)) for c in tree.categories]


def clean_path(path: list[str]) -> list[str] | None:
    """Normalise names, cut to the allowed depth, and reject paths that break naming rules."""
    if not path or path[0] not in CATEGORIES:
        return None
    levels = [normalise_name(p) for p in path[1:] if normalise_name(p)]
    if len(levels) > MAX_BELOW_CATEGORY:  # keep the general levels and the specific leaf
        levels = [*levels[: MAX_BELOW_CATEGORY - 1], levels[-1]]
    for name in levels:
        words = set(name.lower().split())
        if len(name) > 60 or any(ch.isdigit() for ch in name) or words & BANNED_WORDS:
            return None
    for parent, child in zip(levels, levels[1:], strict=False):
        if name_key(parent) == name_key(child):
            return None
    return [path[0], *levels] if levels else None


def add_paths(categories: list[Node], paths: list[list[str]]) -> int:
    """Insert paths (exact name matches reuse existing nodes); returns how many leaves were new."""
    by_name = {c["name"]: c for c in categories}
    added = 0
    for path in paths:
        node = by_name.get(path[0])
        if node is None:
            node = {"name": path[0], "description": "", "children": []}
            categories.append(node)
            by_name[path[0]] = node
        for depth, name in enumerate(path[1:], 1):
            is_leaf = depth == len(path) - 1
            children = node.setdefault("children", [])
            found = next((c for c in children if name_key(c["name"]) == name_key(name)), None)
            if found is None:
                found = {"name": name, "description": ""} if is_leaf else {"name": name, "description": "",
                                                                              "children": []}
                if is_leaf:
                    found["type"] = "text"
                    added += 1
                children.append(found)
            elif not is_leaf and not found.get("children"):
                for key in LEAF_FIELDS:  # a leaf that becomes a branch loses what only leaves carry
                    found.pop(key, None)
                found["children"] = []
            node = found
    return added


def merge_new(categories: list[Node], embeddings: Embeddings, threshold: float, confirm: Any = None) -> int:
    """Merge similar siblings level by level; curated (``_base``) siblings are never merged together."""
    merges = 0
    for cat in categories:
        merge_exact(cat)
        cat["children"], n = merge_similar(cat["children"], embeddings, threshold, confirm=confirm, parent=cat["name"])
        merges += n
    return merges


def repair(categories: list[Node]) -> int:
    """Second filter: drop empty branches and leaves that repeat their parent; returns how many were removed."""
    removed = 0

    def fix(node: Node) -> None:
        nonlocal removed
        kids = node.get("children")
        if kids is None:
            return
        keep = []
        for child in kids:
            fix(child)
            empty_branch = child.get("children") is not None and not child["children"]
            echo = child.get("children") is None and name_key(child["name"]) == name_key(node["name"])
            if empty_branch or echo:
                removed += 1
            else:
                keep.append(child)
        node["children"] = keep

    for cat in categories:
        fix(cat)
    categories[:] = [c for c in categories if c.get("children")]
    return removed


def new_leaves(categories: list[Node]) -> list[tuple[list[str], Node]]:
    """Leaves added by this build (no ``_base`` mark), with their paths."""
    out: list[tuple[list[str], Node]] = []

    def walk(node: Node, prefix: list[str]) -> None:
        path = [*prefix, node["name"]]
        if node.get("children") is None:
            if not node.get("_base"):
                out.append((path, node))
            return
        for child in node["children"]:
            walk(child, path)

    for cat in categories:
        walk(cat, [])
    return out


def strip_marks(node: Node) -> Node:
    """Remove the internal ``_base`` marks before writing."""
    node.pop("_base", None)
    for child in node.get("children") or []:
        strip_marks(child)
    return node
