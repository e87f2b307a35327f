"""Merge similar siblings level by level (paper, Algorithm 1), and tidy names.

Works on plain nested dicts ``{"name", "children"?, ...}`` so Stage-1 building and importing can
share it before the result becomes an :class:`AttributeTree`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from deeppersona_agents.taxonomy.tree import LEAF_FIELDS

Node = dict[str, Any]


def normalise_name(raw: str) -> str:
    """``"JobRole"`` / ``"job_role"`` / ``" job  role "`` -> ``"Job Role"`` (keeps acronyms and short words)."""
    text = re.sub(r"[_\-/]+", " ", str(raw))
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" .:;,")
    small = {"and", "or", "of", "the", "to", "in", "on", "for", "with", "a", "an", "at", "by"}
    words = text.split(" ")
    out = [w if w.isupper() and len(w) > 1 else (w.lower() if i and w.lower() in small else w[:1].upper() + w[1:])
           for i, w in enumerate(words)]
    return " ".join(out).replace(">", "-")


def name_key(name: str) -> str:
    """Identity of a name for exact-duplicate merging (case, spacing and punctuation ignored)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _has_new(node: Node) -> bool:
    """Whether a subtree holds any node not marked ``_base`` (curated)."""
    return not node.get("_base") or any(_has_new(c) for c in node.get("children") or [])


def _size(node: Node) -> int:
    kids = node.get("children")
    return 1 if not kids else sum(_size(c) for c in kids)


def _absorb(into: Node, other: Node) -> None:
    """Move ``other``'s content into ``into`` (a leaf merged with a branch becomes the branch)."""
    if other.get("children"):
        if not into.get("children"):
            for key in LEAF_FIELDS:
                into.pop(key, None)
            into["children"] = []
        into["children"].extend(other["children"])
    if not into.get("description") and other.get("description"):
        into["description"] = other["description"]


def merge_exact(node: Node) -> Node:
    """Merge siblings whose names are the same after normalisation, recursively."""
    kids = node.get("children")
    if not kids:
        return node
    kept: dict[str, Node] = {}
    for child in kids:
        key = name_key(child["name"])
        if key in kept:
            _absorb(kept[key], child)
        else:
            kept[key] = child
    node["children"] = [merge_exact(c) for c in kept.values()]
    return node


def similarity_text(name: str) -> str:
    """What is embedded to compare attribute names.

    Phrasing a name as a question separates synonyms ("annual income" / "household earnings",
    0.78 with MiniLM) from distinct attributes ("height" / "weight", 0.70) better than bare names
    (0.64 / 0.47) or parent-path context (which pushes "job role" / "income" to 0.81).
    """
    return f"What is your {name.lower()}?"


def merge_similar(
    nodes: list[Node],
    embeddings: Embeddings,
    threshold: float = 0.7,
    *,
    confirm: Callable[[str, str, str], bool] | None = None,
    confirm_below: float = 0.8,
    parent: str = "",
) -> tuple[list[Node], int]:
    """Merge siblings whose names embed at cosine >= ``threshold``; recurse into the children.

    The bigger sibling (more leaves) keeps its name. Pairs below ``confirm_below`` are merged only
    if ``confirm(kept_name, other_name)`` agrees (e.g. an LLM judge), when given.
    Returns the merged list and how many merges happened.
    """
    merges = 0
    if len(nodes) > 1 and any(not n.get("_base") for n in nodes):  # curated-only levels cannot merge
        # curated nodes first (they keep their names), then bigger branches
        order = sorted(range(len(nodes)), key=lambda i: (not nodes[i].get("_base"), -_size(nodes[i])))
        vecs = np.asarray(embeddings.embed_documents([similarity_text(nodes[i]["name"]) for i in order]), np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True).clip(1e-12)
        kept: list[int] = []  # positions in ``order``
        for pos in range(len(order)):
            candidates = kept if not nodes[order[pos]].get("_base") else []  # curated nodes never merge together
            sims = vecs[candidates] @ vecs[pos] if candidates else np.array([])
            best = int(sims.argmax()) if len(sims) else -1
            target = nodes[order[candidates[best]]] if best >= 0 else None
            similar = best >= 0 and sims[best] >= threshold
            if similar and target is not None and confirm is not None and sims[best] < confirm_below:
                similar = confirm(parent, target["name"], nodes[order[pos]]["name"])
            if similar and target is not None:
                _absorb(target, nodes[order[pos]])
                merges += 1
            else:
                kept.append(pos)
        nodes = [nodes[i] for i in sorted(order[p] for p in kept)]
    for node in nodes:
        if node.get("children") and _has_new(node):
            node["children"], n = merge_similar(merge_exact(node)["children"], embeddings, threshold,
                                                confirm=confirm, confirm_below=confirm_below, parent=node["name"])
            merges += n
    return nodes, merges
