"""Replacement leaves: when a filled leaf turns out not to apply, another leaf of its stratum takes its place.

Used by ``fill_attributes`` (so exactly k applicable attributes are delivered, in the drawn
5:3:2 proportions) and ``review``. The strata are the ones selection draws from
(:func:`~deeppersona_agents.generation.select_attributes.person_strata`: one ranking by
similarity to the core, only leaves whose ``applies_if`` holds for the person); the replacement
is drawn from a stratum's untaken members by the same stochastic tree walk.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from deeppersona_agents.generation.selection import tree_index
from deeppersona_agents.taxonomy import AttributeTree


def replacement_leaves(
    tree: AttributeTree, members: Sequence[int], taken: Collection[int], n: int, rng: np.random.Generator
) -> list[int]:
    """Up to ``n`` leaves of a stratum (its ranked, condition-filtered ``members``) that are not ``taken``."""
    free = [int(i) for i in members if int(i) not in taken]
    if not free or n <= 0:
        return []
    return tree_index(tree).walk(free, n, rng)
