"""Import the DeepPersona authors' released tree (nested JSON objects whose leaves are ``{}``).

Their file has 19 top-level keys, several of them spellings of the same category; keys are mapped
onto the 12 categories (by keywords, then by embedding similarity), names are normalised, exact
duplicates merged and, optionally, similar siblings merged. Imported leaves carry no ``applies_if``;
``scripts/classify_leaf_conditions.py --tree FILE`` infers them with a chat model.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from deeppersona_agents._read import read_user_text
from deeppersona_agents.errors import TaxonomyError
from deeppersona_agents.taxonomy.merge import Node, merge_exact, merge_similar, normalise_name
from deeppersona_agents.taxonomy.tree import CATEGORIES, AttributeTree

#: Keywords that identify each category in a top-level key (checked in this order).
CATEGORY_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Demographic Information", ("demograph",)),
    ("Physical and Health Characteristics", ("physical", "health")),
    ("Psychological and Cognitive Aspects", ("psycholog", "cognitive", "personality")),
    ("Cultural and Social Context", ("cultur", "social context")),
    ("Relationships and Social Networks", ("relationship", "social network")),
    ("Career and Work Identity", ("career", "work identity", "occupation", "professional")),
    ("Education and Learning", ("educat", "learning")),
    ("Hobbies, Interests, and Lifestyle", ("hobb", "interest")),
    ("Lifestyle and Daily Routine", ("daily", "routine")),
    ("Core Values, Beliefs, and Philosophy", ("value", "belief", "philosoph")),
    ("Emotional and Relational Skills", ("emotion", "relational skill")),
    ("Media Consumption and Engagement", ("media",)),
)


def map_category(key: str, embeddings: Embeddings | None = None, min_similarity: float = 0.45) -> str | None:
    """The category a top-level key belongs to, or ``None`` if nothing fits."""
    low = re.sub(r"[_\-]+", " ", re.sub(r"(?<=[a-z])(?=[A-Z])", " ", key)).lower()
    for name, words in CATEGORY_KEYWORDS:
        if any(w in low for w in words):
            return name
    if embeddings is None:
        return None
    vecs = np.asarray(embeddings.embed_documents([key, *CATEGORIES]), np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True).clip(1e-12)
    sims = vecs[1:] @ vecs[0]
    return CATEGORIES[int(sims.argmax())] if sims.max() >= min_similarity else None


def _to_nodes(obj: dict[str, Any]) -> list[Node]:
    nodes: list[Node] = []
    for raw, value in obj.items():
        name = normalise_name(raw)
        if not name:
            continue
        if isinstance(value, dict) and value:
            nodes.append({"name": name, "description": "", "children": _to_nodes(value)})
        else:
            nodes.append({"name": name, "description": "", "type": "text"})
    return nodes


def import_authors_tree(
    data: dict[str, Any] | str | Path,
    embeddings: Embeddings | None = None,
    *,
    merge_threshold: float | None = None,
    version: str = "0.0.0-imported",
) -> tuple[AttributeTree, dict[str, Any]]:
    """Convert the authors' nested-dict tree to ours.

    Args:
        data: The parsed file, or a path to it.
        embeddings: Used for category keys no keyword matches, and for ``merge_threshold``.
        merge_threshold: If set, also merge similar siblings (cosine >= threshold) level by level.
        version: Version string of the result.

    Returns:
        The tree and a report: ``{"mapped": {key: category}, "unmapped": [keys], "merges": n}``.
        Unmapped keys are listed, never silently dropped.
    """
    source = "the authors' tree" if isinstance(data, dict) else str(data)
    if not isinstance(data, dict):
        text = read_user_text(data, "the authors' tree")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TaxonomyError(f"the authors' tree {source} is not valid JSON ({exc}); fix it or download "
                                "it again") from None
    if not isinstance(data, dict) or not data:
        raise TaxonomyError(f"{source} must be a non-empty JSON object of categories (nested objects whose "
                            "leaves are {})")
    buckets: dict[str, list[Node]] = {c: [] for c in CATEGORIES}
    mapped: dict[str, str] = {}
    unmapped: list[str] = []
    for key, value in data.items():
        category = map_category(key, embeddings)
        if category is None:
            unmapped.append(key)
            continue
        mapped[key] = category
        buckets[category].extend(_to_nodes(value) if isinstance(value, dict) else [])
    merges = 0
    categories: list[Node] = []
    for name in CATEGORIES:
        if not buckets[name]:
            continue
        node = merge_exact({"name": name, "description": "", "children": buckets[name]})
        if merge_threshold is not None and embeddings is not None:
            node["children"], n = merge_similar(node["children"], embeddings, merge_threshold)
            merges += n
        categories.append(node)
    tree = AttributeTree.from_dict({"name": "Imported Human-Attribute Tree", "version": version,
                                    "categories": categories}, "imported tree")
    return tree, {"mapped": mapped, "unmapped": unmapped, "merges": merges}
