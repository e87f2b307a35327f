"""Attribute selection: similarity strata (near / mid / far) and a stochastic breadth-first walk.

Candidates are first filtered by the person's facts (each leaf's ``applies_if``, see
:mod:`deeppersona_agents.taxonomy.conditions`), then ranked by cosine similarity to the persona's
core; the first, middle and last
thirds of that ranking are the near, mid and far strata. Each stratum gets its share of k
(5:3:2 by default). Inside a stratum, leaves are drawn by walking the tree from the root and
picking, at each level, a child with weight ``1 / (1 + visits)``: children are chosen evenly
whatever their size, so small (long-tail) branches are reached as often as big ones, and
every branch is visited before any is revisited.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence

import numpy as np

from deeppersona_agents.errors import ConfigError, TaxonomyError
from deeppersona_agents.generation.capacity import candidate_mask, require_leaves
from deeppersona_agents.taxonomy import AttributeTree
from deeppersona_agents.taxonomy.conditions import PersonFacts, applies, problems

STRATA = ("near", "mid", "far")


def stratum_quotas(k: int, sizes: Sequence[int], ratio: Sequence[int]) -> list[int]:
    """Split ``k`` over strata by ``ratio`` (largest remainder), moving overflow where room is left."""
    weights = np.asarray(ratio, float) / float(sum(ratio))
    raw = weights * k
    quotas = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - quotas), kind="stable")[: k - quotas.sum()]:
        quotas[i] += 1
    quotas = np.minimum(quotas, sizes)
    short = k - int(quotas.sum())
    for i in np.argsort(-weights, kind="stable"):
        if short == 0:
            break
        extra = min(short, sizes[i] - quotas[i])
        quotas[i] += extra
        short -= extra
    return [int(q) for q in quotas]


class PrefixIndex:
    """The prefix tree of a list of paths, numbered once so many walks can reuse it.

    Node 0 is the root; every path prefix and every item (leaf) is a node. ``ancestors[i]``
    lists the inner nodes above item ``i``.
    """

    def __init__(self, paths: Sequence[tuple[str, ...]]) -> None:
        ids: dict[tuple[str, ...], int] = {(): 0}
        children: list[list[int]] = [[]]
        self.item_node: list[int] = []
        self.ancestors: list[list[int]] = []
        for path in paths:
            trail = [0]
            for depth in range(1, len(path)):
                prefix = path[:depth]
                if prefix not in ids:
                    ids[prefix] = len(children)
                    children.append([])
                    children[trail[-1]].append(ids[prefix])
                trail.append(ids[prefix])
            node = len(children)
            children.append([])
            children[trail[-1]].append(node)
            self.item_node.append(node)
            self.ancestors.append(trail)
        self.children = children
        self.item_of = {node: i for i, node in enumerate(self.item_node)}
        depth = max((len(a) for a in self.ancestors), default=0)
        self._anc = np.full((len(paths), depth), -1, dtype=np.int64)  # padded ancestors, for bincount
        for i, trail in enumerate(self.ancestors):
            self._anc[i, : len(trail)] = trail
        self._item_node = np.asarray(self.item_node, dtype=np.int64)

    def walk(self, items: Sequence[int], n: int, rng: np.random.Generator) -> list[int]:
        """Draw ``n`` distinct ``items`` by the stochastic breadth-first walk (see module docstring)."""
        idx = np.asarray(items, dtype=np.int64)
        anc = self._anc[idx].ravel()
        counts = np.bincount(anc[anc >= 0], minlength=len(self.children))
        counts[self._item_node[idx]] = 1
        remaining = counts.tolist()
        weight = [1.0] * len(self.children)  # 1 / (1 + visits), updated as nodes are visited
        visits = [0] * len(self.children)
        live: dict[int, list[int]] = {}  # node -> its children still holding candidates, in tree order
        chosen: list[int] = []
        for _ in range(min(n, len(items))):
            node = 0
            while node not in self.item_of:
                options = live.get(node)
                if options is None:
                    options = live[node] = [c for c in self.children[node] if remaining[c] > 0]
                weights = [weight[c] for c in options]
                u = rng.random() * sum(weights)
                for node, w in zip(options, weights, strict=True):  # noqa: B007 - node is the pick
                    u -= w
                    if u < 0:
                        break
                visits[node] += 1
                weight[node] = 1.0 / (1 + visits[node])
            item = self.item_of[node]
            chosen.append(item)
            remaining[node] = 0
            for a in self.ancestors[item]:
                remaining[a] -= 1
            for child, above in zip([*self.ancestors[item][1:], node], self.ancestors[item], strict=True):
                if remaining[child] == 0 and above in live:  # exhausted: no longer an option
                    live[above].remove(child)
        return chosen


_INDEXES: dict[str, PrefixIndex] = {}
_INDEX_LOCK = threading.Lock()


def tree_index(tree: AttributeTree) -> PrefixIndex:
    """The prefix index of a tree's leaves (cached by content hash; built once however many threads ask)."""
    key = tree.content_hash
    if key not in _INDEXES:
        with _INDEX_LOCK:
            if key not in _INDEXES:
                _INDEXES[key] = PrefixIndex([leaf.path for leaf in tree.leaves])
    return _INDEXES[key]


_GROUPS: dict[str, list[tuple[dict, np.ndarray]]] = {}


def condition_groups(tree: AttributeTree) -> list[tuple[dict, np.ndarray]]:
    """Each distinct ``applies_if`` of a tree with the indices of the leaves carrying it (cached by hash).

    Raises:
        TaxonomyError: a condition is malformed (naming the leaf and the problem).
    """
    key = tree.content_hash
    if key not in _GROUPS:
        groups: dict[str, tuple[dict, list[int]]] = {}
        for i, leaf in enumerate(tree.leaves):
            if leaf.applies_if:
                bad = next(problems(leaf.applies_if), None)
                if bad is not None:
                    raise TaxonomyError(f"attribute tree {tree.source}: leaf {leaf.key!r}: {bad}. "
                                        "Run `deeppersona taxonomy validate` on the tree and fix it.")
                groups.setdefault(repr(sorted(leaf.applies_if.items())), (leaf.applies_if, []))[1].append(i)
        _GROUPS[key] = [(cond, np.asarray(idx, dtype=np.int64)) for cond, idx in groups.values()]
    return _GROUPS[key]


def applicable_mask(tree: AttributeTree, facts: PersonFacts) -> np.ndarray:
    """Boolean mask over ``tree.leaves``: the leaves whose condition holds for ``facts``."""
    mask = np.ones(len(tree.leaves), dtype=bool)
    for cond, idx in condition_groups(tree):
        if not applies(cond, facts):
            mask[idx] = False
    return mask


def ranked_strata(
    tree: AttributeTree,
    leaf_vectors: np.ndarray,
    core_vector: np.ndarray,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    taken: Collection[str] = frozenset(),
    facts: PersonFacts | None = None,
) -> dict[str, np.ndarray]:
    """The candidate leaves ranked by similarity to the core, split into the near, mid and far thirds.

    Candidates pass the category filters, are not ``taken`` and, with ``facts``, have an
    ``applies_if`` that holds for the person. The one ranking both selection and the
    replacement of not-applicable leaves (:mod:`.replacement`) draw from.
    """
    mask = candidate_mask(tree, include, exclude, taken)
    if facts is not None:
        mask &= applicable_mask(tree, facts)
    cand = np.flatnonzero(mask)
    sims = (leaf_vectors @ np.asarray(core_vector, np.float32))[cand]  # cheaper than copying the rows
    ranked = cand[np.argsort(-sims, kind="stable")]
    return dict(zip(STRATA, np.array_split(ranked, 3), strict=True))


def select_leaves(
    tree: AttributeTree,
    leaf_vectors: np.ndarray,
    core_vector: np.ndarray,
    k: int,
    rng: np.random.Generator,
    *,
    ratio: Sequence[int] = (5, 3, 2),
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    taken: Collection[str] = frozenset(),
    facts: PersonFacts | None = None,
) -> list[tuple[int, str]]:
    """Choose exactly ``k`` distinct leaves as ``(leaf index, stratum)`` pairs from :func:`ranked_strata`.

    With ``facts``, only leaves whose ``applies_if`` holds for the person are candidates; without,
    conditions are ignored.

    Raises:
        ConfigError: fewer than ``k`` candidate leaves remain after the filters.
    """
    strata = ranked_strata(tree, leaf_vectors, core_vector, include=include, exclude=exclude, taken=taken,
                           facts=facts)
    count = sum(len(s) for s in strata.values())
    if facts is not None and k > count:
        before = int(candidate_mask(tree, include, exclude, taken).sum())
        if k <= before:
            raise ConfigError(
                f"attributes={k} is more than the {count} attributes of tree {tree.source} that apply to "
                f"this person ({facts.summary()}; {before - count} of {before} candidates have an "
                f"applies_if condition that does not hold); use at most {count} or a larger tree",
                param="attributes",
            )
    require_leaves(k, count, tree)
    quotas = stratum_quotas(k, [len(s) for s in strata.values()], ratio)
    index = tree_index(tree)
    out: list[tuple[int, str]] = []
    for (name, members), quota in zip(strata.items(), quotas, strict=True):
        if quota:
            out.extend((int(i), name) for i in index.walk(members.tolist(), quota, rng))
    return out
