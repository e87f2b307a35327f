"""How many tree leaves a configuration can draw from: the one capacity check (build time and run time)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from deeppersona_agents.demographics.core import TABLE_ATTRIBUTE_PATHS
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.generation.config import GenerationConfig
from deeppersona_agents.taxonomy import CATEGORIES, AttributeTree

#: Where each core field lives in the attribute tree (never sampled: the core already fixes them).
CORE_PATHS = {
    "name": "Demographic Information > Identity Basics > Full Name",
    "age": "Demographic Information > Identity Basics > Age",
    "gender": "Demographic Information > Identity Basics > Gender",
    "country": "Demographic Information > Residence > Country of Residence",
    "city": "Demographic Information > Residence > City of Residence",
    "occupation": "Career and Work Identity > Current Work > Occupation",
}
#: Leaves every persona fills from the core and the tables, before selection.
RESERVED_PATHS = frozenset(CORE_PATHS.values()) | frozenset(TABLE_ATTRIBUTE_PATHS.values())
_CATEGORY_ORDER = {name: i for i, name in enumerate(CATEGORIES)}


def candidate_mask(
    tree: AttributeTree, include: Sequence[str] = (), exclude: Sequence[str] = (), taken: Iterable[str] = RESERVED_PATHS
) -> np.ndarray:
    """Leaves that may be sampled: inside the category filters and not ``taken``."""
    mask = np.ones(len(tree.leaves), dtype=bool)
    mask[[tree.index(key) for key in taken if key in tree]] = False
    categories = tree.category_index
    if include:
        mask &= np.isin(categories, [_CATEGORY_ORDER.get(c, -1) for c in include])
    if exclude:
        mask &= ~np.isin(categories, [_CATEGORY_ORDER.get(c, -1) for c in exclude])
    return mask


def require_leaves(k: int, available: int, tree: AttributeTree) -> None:
    """Fail when ``k`` attributes are asked for but only ``available`` leaves may be drawn."""
    if k > available:
        raise ConfigError(
            f"attributes={k} is more than the {available} attributes available in tree {tree.source} "
            f"(after category filters, the core and anchors); use at most {available} or a larger tree",
            param="attributes",
        )


def check_capacity(tree: AttributeTree, config: GenerationConfig, taken: Iterable[str] = RESERVED_PATHS) -> None:
    """Fail when ``config.attributes`` exceeds the leaves available (at build time, before any model call)."""
    mask = candidate_mask(tree, config.include_categories, config.exclude_categories, taken)
    require_leaves(config.attributes, int(mask.sum()), tree)
