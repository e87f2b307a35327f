"""Validate an attribute tree: structure, naming, duplicates, near-duplicates, depth, balance, types, conditions.

Each rule yields :class:`Problem` rows naming the path; ``deeppersona taxonomy validate`` prints
them all and exits non-zero if there is any.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from deeppersona_agents.caching import load_once
from deeppersona_agents.taxonomy import conditions
from deeppersona_agents.taxonomy.tree import CATEGORIES, SEP, AttributeTree, TreeNode

MAX_NAME = 60
NEAR_DUPLICATE = 0.9
MAX_CATEGORY_SHARE = 0.2
#: Words that mark a brand, a metric or business jargon rather than a personal attribute.
BANNED_WORDS = {
    "brand", "brands", "kpi", "kpis", "roi", "revenue", "profit margin", "stakeholder", "synergy", "b2b", "b2c",
    "sku", "usd", "eur", "iphone", "android", "facebook", "instagram", "tiktok", "netflix", "youtube", "google",
    "amazon", "apple", "samsung", "nike", "twitter", "whatsapp", "spotify", "microsoft",
}


@dataclass(frozen=True)
class Problem:
    """One validation finding."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: [{self.rule}] {self.message}"


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _walk(tree: AttributeTree) -> Iterator[tuple[tuple[str, ...], TreeNode]]:
    def rec(node: TreeNode, prefix: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], TreeNode]]:
        path = (*prefix, node.name)
        yield path, node
        for child in node.children or []:
            yield from rec(child, path)

    for cat in tree.categories:
        yield from rec(cat, ())


@load_once
def _place_names() -> frozenset[str]:
    import pycountry

    names = {c.name.lower() for c in pycountry.countries}
    names |= {getattr(c, "common_name", "").lower() for c in pycountry.countries} - {""}
    return frozenset(n for n in names if len(n) > 3)


def check_categories(tree: AttributeTree, partial: bool = False) -> Iterator[Problem]:
    """First level: only the twelve categories, each once, all present (unless ``partial``)."""
    names = [c.name for c in tree.categories]
    for name in names:
        if name not in CATEGORIES:
            yield Problem(name, "categories", f"not one of the 12 first-level categories: {', '.join(CATEGORIES)}")
    for name, count in Counter(names).items():
        if count > 1:
            yield Problem(name, "categories", f"category appears {count} times; merge them")
    if not partial:
        for name in CATEGORIES:
            if name not in names:
                yield Problem(name, "categories", "category is missing")
    for cat in tree.categories:
        if cat.children is None:
            yield Problem(cat.name, "structure", "a category must have children")


def check_names(tree: AttributeTree) -> Iterator[Problem]:
    """Names: trimmed, capitalised, short, no brands, metrics, places or concrete values."""
    places = _place_names()
    for path, node in _walk(tree):
        where, name = SEP.join(path), node.name
        if name != name.strip() or "  " in name:
            yield Problem(where, "naming", "extra spaces in the name")
        if not name[:1].isupper():
            yield Problem(where, "naming", "names start with a capital letter (Title Case)")
        if len(name) > MAX_NAME:
            yield Problem(where, "naming", f"name longer than {MAX_NAME} characters; shorten it")
        low = name.lower()
        words = set(re.findall(r"[a-z0-9]+", low))
        banned = sorted(w for w in BANNED_WORDS if (w in words if " " not in w else w in low))
        if banned:
            yield Problem(where, "naming", f"brand, metric or business term {banned}: attributes must be general")
        if re.search(r"\d", name):
            yield Problem(where, "naming", "digits in a name suggest a concrete value; name the attribute instead")
        hits = sorted(p for p in places if re.search(rf"\b{re.escape(p)}\b", low))
        if hits:
            yield Problem(where, "naming", f"names a place {hits}; attributes must not be tied to a place")


def check_duplicates(tree: AttributeTree) -> Iterator[Problem]:
    """No two siblings with the same name (ignoring case, spaces and punctuation)."""
    for path, node in _walk(tree):
        seen: dict[str, str] = {}
        for child in node.children or []:
            key = _norm(child.name)
            if key in seen:
                yield Problem(SEP.join(path), "duplicate", f"siblings {seen[key]!r} and {child.name!r} are the same")
            seen.setdefault(key, child.name)


def check_depth(tree: AttributeTree, max_depth: int = 3) -> Iterator[Problem]:
    """Leaves sit at most ``max_depth`` levels below their category, and at least one."""
    for leaf in tree.leaves:
        below = len(leaf.path) - 1
        if below > max_depth:
            yield Problem(leaf.key, "depth", f"{below} levels below the category (at most {max_depth})")
        if below < 1:
            yield Problem(leaf.key, "depth", "a category needs at least one attribute under it")


def check_balance(tree: AttributeTree, max_share: float = MAX_CATEGORY_SHARE) -> Iterator[Problem]:
    """No category holds more than ``max_share`` of all leaves."""
    counts = Counter(leaf.category for leaf in tree.leaves)
    total = sum(counts.values())
    for cat, count in counts.items():
        if total and count / total > max_share:
            yield Problem(cat, "balance", f"{count / total:.0%} of all leaves (at most {max_share:.0%}); split or trim")


def check_types(tree: AttributeTree) -> Iterator[Problem]:
    """Leaves carry a value type, a one-line description, units for numbers and options for categories."""
    for path, node in _walk(tree):
        where = SEP.join(path)
        if node.children is not None:
            if node.type not in (None, "text") or node.unit or node.options:
                yield Problem(where, "types", "only leaves carry type, unit or options")
            continue
        desc = node.description.strip()
        if not desc or "\n" in desc or len(desc) > 200:
            yield Problem(where, "types", "a leaf needs a one-line description (1-200 characters)")
        if node.type == "number" and not (node.unit or "").strip():
            yield Problem(where, "types", "number leaf needs a unit (e.g. 'years', 'hours per week')")
        if node.type == "category":
            opts = [o.strip().lower() for o in node.options or []]
            if len(opts) < 2 or len(set(opts)) != len(opts) or "" in opts:
                yield Problem(where, "types", "category leaf needs at least two distinct, non-empty options")


def check_conditions(tree: AttributeTree) -> Iterator[Problem]:
    """``applies_if``: only on leaves, known vocabulary, true for someone, and restricting something."""
    for path, node in _walk(tree):
        if node.applies_if is None:
            continue
        where = SEP.join(path)
        if node.children is not None:
            yield Problem(where, "conditions", "only leaves carry applies_if; put it on each leaf that needs it")
            continue
        found = list(conditions.problems(node.applies_if))
        for message in found:
            yield Problem(where, "conditions", message)
        if found:
            continue
        if not conditions.satisfiable(node.applies_if):
            yield Problem(where, "conditions",
                          "applies_if can never hold (its tests contradict each other); fix or drop it")
        elif conditions.always_true(node.applies_if):
            yield Problem(where, "conditions",
                          "applies_if allows every value it tests, so it restricts nothing; drop it")


def check_near_duplicates(
    tree: AttributeTree, embeddings: Embeddings, threshold: float = NEAR_DUPLICATE
) -> Iterator[Problem]:
    """No two leaves under one parent whose names embed closer than ``threshold`` (cosine)."""
    by_parent: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, leaf in enumerate(tree.leaves):
        by_parent[leaf.path[:-1]].append(i)
    names = [leaf.path[-1] for leaf in tree.leaves]
    vecs = np.asarray(embeddings.embed_documents(names), np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True).clip(1e-12)
    for parent, members in by_parent.items():
        if len(members) < 2:
            continue
        sims = vecs[members] @ vecs[members].T
        for a, b in zip(*np.where(np.triu(sims, 1) >= threshold), strict=True):
            i, j = members[a], members[b]
            yield Problem(SEP.join(parent), "near-duplicate",
                          f"{names[i]!r} and {names[j]!r} mean nearly the same (cosine {sims[a, b]:.2f}); merge them")


def validate_tree(
    tree: AttributeTree,
    embeddings: Embeddings | None = None,
    *,
    partial: bool = False,
    max_depth: int = 3,
) -> list[Problem]:
    """Run every rule; near-duplicates only when ``embeddings`` is given, balance only for whole trees."""
    rules: list[Callable[[], Iterator[Problem]]] = [
        lambda: check_categories(tree, partial),
        lambda: check_names(tree),
        lambda: check_duplicates(tree),
        lambda: check_depth(tree, max_depth),
        lambda: check_types(tree),
        lambda: check_conditions(tree),
    ]
    if not partial:
        rules.append(lambda: check_balance(tree))
    if embeddings is not None:
        rules.append(lambda: check_near_duplicates(tree, embeddings))
    return [problem for rule in rules for problem in rule()]
