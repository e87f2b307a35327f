"""Attribute selection: similarity strata (near / mid / far) and a stochastic breadth-first walk.

Candidates are ranked by cosine similarity to the persona's core; the first, middle and last
thirds of that ranking are the near, mid and far strata. Each stratum gets its share of k
(5:3:2 by default). Inside a stratum, leaves are drawn by walking the tree from the root and
picking, at each level, a child with weight ``1 / (1 + visits)``: children are chosen evenly
whatever their size, so small (long-tail) branches are reached as often as big ones, and
every branch is visited before any is revisited.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.taxonomy import AttributeTree

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


def walk_sample(paths: Sequence[tuple[str, ...]], n: int, rng: np.random.Generator) -> list[int]:
    """Draw ``n`` distinct items of ``paths`` by a stochastic breadth-first walk of their prefix tree."""
    root: dict = {}
    for i, path in enumerate(paths):
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(None, []).append(i)  # leaves of this branch, under key None
    visits: dict[int, int] = {}
    remaining: dict[int, int] = {}

    def count(node: dict) -> int:
        total = len(node.get(None, [])) + sum(count(c) for k, c in node.items() if k is not None)
        remaining[id(node)] = total
        return total

    count(root)
    chosen: list[int] = []
    for _ in range(min(n, len(paths))):
        node, trail = root, [root]
        while True:
            branches = [c for k, c in node.items() if k is not None and remaining[id(c)] > 0]
            own = node.get(None, [])
            options: list = branches + own
            w = np.array([1.0 / (1 + visits.get(id(o) if isinstance(o, dict) else -1 - o, 0)) for o in options])
            pick = options[int(rng.choice(len(options), p=w / w.sum()))]
            if isinstance(pick, dict):
                visits[id(pick)] = visits.get(id(pick), 0) + 1
                node = pick
                trail.append(node)
                continue
            own.remove(pick)
            chosen.append(pick)
            for t in trail:
                remaining[id(t)] -= 1
            break
    return chosen


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
    taken: frozenset[str] = frozenset(),
) -> list[tuple[int, str]]:
    """Choose exactly ``k`` distinct leaves as ``(leaf index, stratum)`` pairs.

    Raises:
        ConfigError: fewer than ``k`` candidate leaves remain after the filters.
    """
    leaves = tree.leaves
    cand = np.array(
        [
            i for i, leaf in enumerate(leaves)
            if leaf.key not in taken
            and (not include or leaf.category in include)
            and leaf.category not in exclude
        ],
        dtype=int,
    )
    if k > len(cand):
        raise ConfigError(
            f"--attributes {k} is more than the {len(cand)} attributes available in tree {tree.source} "
            f"(after category filters and anchors); use at most {len(cand)} or a larger tree"
        )
    sims = leaf_vectors[cand] @ np.asarray(core_vector, np.float32)
    ranked = cand[np.argsort(-sims, kind="stable")]
    strata = np.array_split(ranked, 3)
    quotas = stratum_quotas(k, [len(s) for s in strata], ratio)
    out: list[tuple[int, str]] = []
    for name, members, quota in zip(STRATA, strata, quotas, strict=True):
        if quota == 0:
            continue
        picks = walk_sample([leaves[i].path for i in members], quota, rng)
        out.extend((int(members[p]), name) for p in picks)
    return out
