"""Replacement leaves: when a filled leaf turns out not to apply, another leaf of its stratum takes its place.

Used by ``fill_attributes`` (so exactly k applicable attributes are delivered, in the drawn
5:3:2 proportions) and ``review``. The strata are ranked the way selection ranks them (cosine
similarity to the core profile, thirds of the ranking); the replacement is drawn from the
untaken members by the same stochastic tree walk.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from deeppersona_agents.generation.capacity import RESERVED_PATHS, candidate_mask
from deeppersona_agents.generation.config import GenerationConfig
from deeppersona_agents.generation.selection import STRATA, tree_index
from deeppersona_agents.taxonomy import AttributeTree


def ranked_strata(
    tree: AttributeTree, leaf_vectors: np.ndarray, core_vector: np.ndarray, config: GenerationConfig,
    taken: Collection[str] = RESERVED_PATHS,
) -> dict[str, np.ndarray]:
    """Candidate leaves ranked by similarity to the core and split into the near, mid and far thirds."""
    cand = np.flatnonzero(candidate_mask(tree, config.include_categories, config.exclude_categories, taken))
    sims = (leaf_vectors @ np.asarray(core_vector, np.float32))[cand]
    ranked = cand[np.argsort(-sims, kind="stable")]
    return dict(zip(STRATA, np.array_split(ranked, 3), strict=True))


def replacement_leaves(
    tree: AttributeTree, members: Sequence[int], taken: Collection[int], n: int, rng: np.random.Generator
) -> list[int]:
    """Up to ``n`` leaves of a stratum (its ranked ``members``) that are not ``taken``, drawn by the tree walk."""
    free = [int(i) for i in members if int(i) not in taken]
    if not free or n <= 0:
        return []
    return tree_index(tree).walk(free, n, rng)
