"""What the nodes need besides state: the model, embeddings and the attribute tree."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from deeppersona_agents.generation.config import GenerationConfig
from deeppersona_agents.taxonomy import AttributeTree


@dataclass(frozen=True)
class PersonaDeps:
    """Bound into every node by ``graph.py``.

    Attributes:
        model: Any LangChain chat model.
        embeddings: Any LangChain embeddings.
        tree: The attribute tree leaves are sampled from.
        leaf_vectors: Unit vectors of ``tree.leaves`` in ``embeddings`` space (rows align).
        config: The generator's configuration (a run may override it through its input state).
    """

    model: BaseChatModel
    embeddings: Embeddings
    tree: AttributeTree
    leaf_vectors: np.ndarray
    config: GenerationConfig = GenerationConfig()
