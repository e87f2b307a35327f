"""Recompute the shipped leaf vectors after editing the attribute tree.

    python scripts/build_leaf_vectors.py

Writes deeppersona_agents/taxonomy/data/leaf_vectors.{npy,json}; a test fails when they are stale.
Only leaf paths and descriptions are embedded, so the vectors are keyed by ``tree.text_hash``:
editing types, options or ``applies_if`` does not make them stale.
"""

from pathlib import Path

from deeppersona_agents.embedded import MiniLMEmbeddings
from deeppersona_agents.taxonomy import load_tree
from deeppersona_agents.taxonomy.vectors import write_shipped_vectors

if __name__ == "__main__":
    tree = load_tree()
    folder = Path(__file__).resolve().parents[1] / "deeppersona_agents" / "taxonomy" / "data"
    out = write_shipped_vectors(tree, MiniLMEmbeddings(), folder)
    print(f"wrote {out} for {len(tree.leaves)} leaves (text hash {tree.text_hash})")
