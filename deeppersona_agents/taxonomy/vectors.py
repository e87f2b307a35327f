"""Leaf embeddings: shipped for the default tree and MiniLM, cached on disk for anything else.

Vectors are keyed by (hash of the embedded leaf texts, embedding model name): when a leaf's path or
description changes, the shipped vectors no longer match and are rebuilt into the user cache
automatically; a change that embeds nothing new (types, options, ``applies_if``) keeps them.
"""

from __future__ import annotations

import hashlib
import io
import json
from importlib import resources
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from deeppersona_agents._io import write_bytes_atomic
from deeppersona_agents.llm import embeddings_name
from deeppersona_agents.taxonomy.tree import AttributeTree

SHIPPED_VECTORS = "leaf_vectors.npy"
SHIPPED_META = "leaf_vectors.json"


def embed_leaves(tree: AttributeTree, embeddings: Embeddings) -> np.ndarray:
    """Embed every leaf of ``tree`` (unit-normalised float32, rows align with ``tree.leaves``)."""
    texts = [leaf.embedding_text() for leaf in tree.leaves]
    embed_array = getattr(embeddings, "embed_array", None)
    vecs = embed_array(texts) if embed_array else np.asarray(embeddings.embed_documents(texts), np.float32)
    vecs = np.asarray(vecs, np.float32)
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True).clip(1e-12)


def _shipped(tree: AttributeTree, name: str) -> np.ndarray | None:
    data = resources.files("deeppersona_agents.taxonomy") / "data"
    meta_ref, vec_ref = data / SHIPPED_META, data / SHIPPED_VECTORS
    if not (meta_ref.is_file() and vec_ref.is_file()):
        return None
    meta = json.loads(meta_ref.read_text())
    if meta.get("text_hash") != tree.text_hash or meta.get("embeddings") != name:
        return None
    with vec_ref.open("rb") as fh:
        vecs = np.load(fh).astype(np.float32)
    return vecs if len(vecs) == len(tree.leaves) else None


def leaf_vectors(tree: AttributeTree, embeddings: Embeddings, *, cache_dir: str | Path | None = None) -> np.ndarray:
    """Leaf vectors for ``tree`` in ``embeddings`` space: shipped, cached, or computed now.

    ``cache_dir`` is the run's cache folder (``GenerationConfig.cache_dir``); rebuilt vectors are kept in
    its ``leaf-vectors/`` folder. ``None``: no disk cache (vectors the package does not ship are computed).
    """
    name = embeddings_name(embeddings)
    shipped = _shipped(tree, name)
    if shipped is not None:
        return shipped
    key = hashlib.sha256(f"{tree.text_hash}|{name}".encode()).hexdigest()[:24]
    path = Path(cache_dir or ".") / "leaf-vectors" / f"{key}.npy"
    if cache_dir and path.is_file():
        vecs = np.load(path)
        if len(vecs) == len(tree.leaves):
            return vecs.astype(np.float32)
    vecs = embed_leaves(tree, embeddings)
    if cache_dir:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            buffer = io.BytesIO()
            np.save(buffer, vecs)
            write_bytes_atomic(path, buffer.getvalue())
        except OSError:
            pass  # a read-only home only costs a recomputation next time
    return vecs


def write_shipped_vectors(tree: AttributeTree, embeddings: Embeddings, folder: Path) -> Path:
    """Compute and write the package-data vectors for ``tree`` (float16 to keep the wheel small)."""
    vecs = embed_leaves(tree, embeddings)
    out = folder / SHIPPED_VECTORS
    np.save(out, vecs.astype(np.float16))
    meta = {"text_hash": tree.text_hash, "embeddings": embeddings_name(embeddings), "leaves": len(tree.leaves),
            "dim": int(vecs.shape[1])}
    (folder / SHIPPED_META).write_text(json.dumps(meta, indent=2) + "\n")
    return out
