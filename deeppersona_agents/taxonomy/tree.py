"""The Human-Attribute Tree: the catalogue of attributes a persona can have.

Stage 1 produces it (authored and validated JSON, shipped as package data); Stage 2's
``select_attributes`` node samples its leaves. File format::

    {"name": "...", "version": "0.1.0",
     "categories": [{"name": "Demographic Information", "description": "...",
                     "children": [{"name": "Identity Basics", "children": [
                         {"name": "Age", "type": "number", "unit": "years", "description": "..."}]}]}]}

Inner nodes carry ``children``; leaves carry a value ``type`` (text | number | category |
list | boolean) with ``unit`` or ``options`` where the type needs them, and optionally
``applies_if``: when the leaf applies to a person (vocabulary in :mod:`.conditions`), e.g.
``{"name": "Date Night Frequency", ..., "applies_if": {"partner": ["has"]}}``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError, model_validator

from deeppersona_agents.errors import TaxonomyError

SEP = " > "
LeafType = Literal["text", "number", "category", "list", "boolean"]
#: Fields only a leaf carries (dropped when a leaf becomes a branch).
LEAF_FIELDS = ("type", "unit", "options", "applies_if")

#: The twelve first-level categories (paper, appendix A.5), in order.
CATEGORIES: tuple[str, ...] = (
    "Demographic Information",
    "Physical and Health Characteristics",
    "Psychological and Cognitive Aspects",
    "Cultural and Social Context",
    "Relationships and Social Networks",
    "Career and Work Identity",
    "Education and Learning",
    "Hobbies, Interests, and Lifestyle",
    "Lifestyle and Daily Routine",
    "Core Values, Beliefs, and Philosophy",
    "Emotional and Relational Skills",
    "Media Consumption and Engagement",
)


class TreeNode(BaseModel):
    """A node of the tree file: inner nodes have children, leaves have a type."""

    name: str = Field(min_length=1)
    description: str = ""
    type: LeafType | None = None
    unit: str | None = None
    options: list[str] | None = None
    applies_if: dict[str, Any] | None = None
    children: list[TreeNode] | None = None

    @model_validator(mode="after")
    def _leaf_or_inner(self) -> TreeNode:
        if SEP.strip() in self.name:
            raise ValueError(f"node name {self.name!r} must not contain '>'")
        if self.children is not None and not self.children:
            raise ValueError(f"node {self.name!r} has an empty children list; drop it or add children")
        if self.children is None and self.type is None:
            self.type = "text"
        if self.type == "category" and not self.options:
            raise ValueError(f"category leaf {self.name!r} needs options")
        return self


class TreeFile(BaseModel):
    """The whole tree file."""

    name: str = "Human-Attribute Tree"
    version: str
    categories: list[TreeNode] = Field(min_length=1)


@dataclass(frozen=True)
class Leaf:
    """A selectable attribute: its path from the category down and how to fill it."""

    path: tuple[str, ...]
    type: LeafType = "text"
    description: str = ""
    unit: str | None = None
    options: tuple[str, ...] | None = None
    applies_if: dict[str, Any] | None = field(default=None, hash=False)

    @property
    def key(self) -> str:
        """The path joined by " > " (how attributes are named in a persona)."""
        return SEP.join(self.path)

    @property
    def category(self) -> str:
        """The first-level category."""
        return self.path[0]

    def embedding_text(self) -> str:
        """Text embedded to place the leaf in similarity space."""
        return f"{self.key}: {self.description}" if self.description else self.key

    def type_hint(self) -> str:
        """Short description of the expected value, for prompts."""
        if self.type == "number":
            return f"number, {self.unit}" if self.unit else "number"
        if self.type == "category" and self.options:
            return "one of: " + " | ".join(self.options)
        if self.type == "list":
            return "list of short items"
        if self.type == "boolean":
            return "true/false"
        return "short text"


@dataclass(frozen=True)
class AttributeTree:
    """A loaded, indexed attribute tree."""

    name: str
    version: str
    categories: tuple[TreeNode, ...]
    source: str = "<memory>"
    _by_key: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: dict, source: str = "<memory>") -> AttributeTree:
        """Build a tree from the parsed file content, validating its structure."""
        try:
            parsed = TreeFile.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = " > ".join(str(p) for p in first["loc"])
            raise TaxonomyError(
                f"attribute tree {source} is malformed at {where}: {first['msg']}. "
                "Fix the file or run `deeppersona taxonomy validate` on it."
            ) from None
        tree = cls(parsed.name, parsed.version, tuple(parsed.categories), source)
        keys = list(tree.keys)
        if len(set(keys)) != len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise TaxonomyError(f"attribute tree {source} has the path {dup!r} twice; rename one of them")
        tree._by_key.update({k: i for i, k in enumerate(keys)})
        return tree

    @cached_property
    def leaves(self) -> tuple[Leaf, ...]:
        """All leaves, depth-first in file order."""
        out: list[Leaf] = []

        def walk(node: TreeNode, prefix: tuple[str, ...]) -> None:
            path = (*prefix, node.name)
            if node.children is None:
                out.append(
                    Leaf(path, node.type or "text", node.description, node.unit,
                         tuple(node.options) if node.options else None, node.applies_if)
                )
                return
            for child in node.children:
                walk(child, path)

        for cat in self.categories:
            walk(cat, ())
        return tuple(out)

    @cached_property
    def keys(self) -> tuple[str, ...]:
        """``leaf.key`` of every leaf, aligned with :attr:`leaves` (precomputed for hot loops)."""
        return tuple(leaf.key for leaf in self.leaves)

    @cached_property
    def category_index(self) -> np.ndarray:
        """Position in :data:`CATEGORIES` of each leaf's category (-1 for other names)."""
        order = {name: i for i, name in enumerate(CATEGORIES)}
        return np.array([order.get(leaf.category, -1) for leaf in self.leaves], dtype=np.int64)

    @cached_property
    def conditions(self) -> dict[str, Any]:
        """``applies_if`` of every conditional leaf, by key."""
        return {leaf.key: leaf.applies_if for leaf in self.leaves if leaf.applies_if}

    @cached_property
    def text_hash(self) -> str:
        """Hash of what the leaf vectors embed (each leaf's path and description, in order)."""
        canon = "\n".join(leaf.embedding_text() for leaf in self.leaves)
        return hashlib.sha256(canon.encode()).hexdigest()[:16]

    @cached_property
    def content_hash(self) -> str:
        """Hash of the tree's content (names, types, descriptions, conditions), not of its formatting."""
        canon = json.dumps(
            [c.model_dump(exclude_none=True) for c in self.categories], sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canon.encode()).hexdigest()[:16]

    def leaf(self, key: str) -> Leaf:
        """The leaf at ``key`` ("A > B > C"); raises ``KeyError`` if absent."""
        return self.leaves[self._by_key[key]]

    def index(self, key: str) -> int:
        """Position of the leaf ``key`` in :attr:`leaves`."""
        return self._by_key[key]

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def find(self, name: str) -> Leaf | None:
        """A leaf by full path or by its own name (case-insensitive, first match)."""
        if name in self._by_key:
            return self.leaf(name)
        low = name.strip().lower()
        for leaf in self.leaves:
            if leaf.key.lower() == low or leaf.path[-1].lower() == low:
                return leaf
        return None


def load_tree(path: str | Path | None = None) -> AttributeTree:
    """Load the shipped tree, or the JSON file at ``path``.

    Raises:
        TaxonomyError: the file is missing, unreadable, not JSON or malformed.
    """
    if path is None:
        ref = resources.files("deeppersona_agents.taxonomy") / "data" / "human_attribute_tree.json"
        text, source = ref.read_text(encoding="utf-8"), "shipped tree"
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise TaxonomyError(
                f"cannot read attribute tree file {source}: {exc.strerror or exc}. "
                "Check the path, or omit tree to use the shipped tree.", param="tree"
            ) from None
        except UnicodeDecodeError as exc:
            raise TaxonomyError(f"attribute tree file {source} is not UTF-8 text (byte {exc.start}); "
                                "save it as UTF-8, or omit tree to use the shipped tree", param="tree") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TaxonomyError(f"attribute tree file {source} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise TaxonomyError(f"attribute tree file {source} must hold a JSON object with 'categories'")
    return AttributeTree.from_dict(data, source)
