from __future__ import annotations

import json
from collections import Counter
from importlib import resources

import numpy as np
import pytest

from deeppersona_agents.errors import TaxonomyError
from deeppersona_agents.generation.capacity import CORE_PATHS
from deeppersona_agents.taxonomy import CATEGORIES, AttributeTree, load_tree
from deeppersona_agents.taxonomy.vectors import embed_leaves, leaf_vectors


def test_shipped_tree_has_twelve_categories_and_enough_leaves(tree):
    assert tuple(c.name for c in tree.categories) == CATEGORIES
    assert len(tree.leaves) >= 1000
    per_cat = Counter(leaf.category for leaf in tree.leaves)
    assert set(per_cat) == set(CATEGORIES) and max(per_cat.values()) <= 0.2 * len(tree.leaves)


def test_shipped_tree_is_clean(tree):
    keys = [leaf.key for leaf in tree.leaves]
    assert len(keys) == len(set(keys))
    assert all(2 <= len(leaf.path) - 1 <= 3 for leaf in tree.leaves)
    assert all(leaf.description for leaf in tree.leaves)
    assert all(leaf.options for leaf in tree.leaves if leaf.type == "category")
    assert all(leaf.unit for leaf in tree.leaves if leaf.type == "number")


def test_core_fields_exist_in_the_tree(tree):
    assert all(path in tree for path in CORE_PATHS.values())


def test_shipped_vectors_match_the_tree(tree, embeddings):
    meta = json.loads((resources.files("deeppersona_agents.taxonomy") / "data" / "leaf_vectors.json").read_text())
    assert meta["text_hash"] == tree.text_hash, "run: python scripts/build_leaf_vectors.py"
    shipped = leaf_vectors(tree, embeddings)
    fresh = embed_leaves(AttributeTree.from_dict({"version": "x", "categories": [tree.categories[0].model_dump()]}),
                         embeddings)
    assert np.allclose(shipped[: len(fresh)], fresh, atol=2e-3)


def test_changed_tree_gets_new_vectors_automatically(tree, embeddings):
    data = {"version": "9", "categories": [c.model_dump(exclude_none=True) for c in tree.categories]}
    data["categories"][0]["children"][0]["children"].append({"name": "Brand New Leaf", "description": "a new one"})
    changed = AttributeTree.from_dict(data)
    assert changed.content_hash != tree.content_hash
    vecs = leaf_vectors(changed, embeddings)  # no cache folder: computed, nothing written
    assert vecs.shape == (len(tree.leaves) + 1, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-3)


def test_rebuilt_vectors_go_to_the_config_cache_folder(tree, embeddings, tmp_path, monkeypatch):
    from deeppersona_agents.generation import GenerationConfig, make_deps
    from tests.fakes import FakeChatModel

    data = {"version": "9", "categories": [c.model_dump(exclude_none=True) for c in tree.categories[:2]]}
    small = AttributeTree.from_dict(data)
    monkeypatch.setenv("DEEPPERSONA_CACHE", str(tmp_path / "from-env"))
    config = GenerationConfig(attributes=5)  # the environment is read once, into the config
    assert config.cache_dir == str(tmp_path / "from-env")
    monkeypatch.setenv("DEEPPERSONA_CACHE", str(tmp_path / "later"))
    deps = make_deps(FakeChatModel(), embeddings, small, config)
    cached = list((tmp_path / "from-env" / "leaf-vectors").glob("*.npy"))
    assert len(cached) == 1 and not (tmp_path / "later").exists()
    assert np.array_equal(np.load(cached[0]), deps.leaf_vectors)
    assert np.array_equal(leaf_vectors(small, embeddings, cache_dir=config.cache_dir), deps.leaf_vectors)


@pytest.mark.parametrize(
    ("content", "needle"),
    [("not json", "not valid JSON"), ("[]", "JSON object"), ('{"version": "1"}', "malformed"),
     ('{"version": "1", "categories": [{"name": "A > B", "children": [{"name": "x"}]}]}', "must not contain"),
     ('{"version": "1", "categories": [{"name": "A", "children": [{"name": "x"}, {"name": "x"}]}]}', "twice")],
)
def test_bad_tree_files_raise_clear_errors(tmp_path, content, needle):
    path = tmp_path / "tree.json"
    path.write_text(content)
    with pytest.raises(TaxonomyError, match=needle):
        load_tree(path)


def test_content_hash_ignores_formatting(tmp_path, tree):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"version": tree.version,
                                "categories": [c.model_dump(exclude_none=True) for c in tree.categories]}))
    assert load_tree(path).content_hash == tree.content_hash


def test_fewer_than_one_percent_of_leaves_have_a_near_duplicate_anywhere(tree, embeddings):
    vecs = np.asarray(embeddings.embed_array([leaf.path[-1] for leaf in tree.leaves]))
    flagged = 0
    for start in range(0, len(vecs), 1024):
        sims = vecs[start : start + 1024] @ vecs.T
        for row in range(len(sims)):
            sims[row, start + row] = 0
        flagged += int((sims >= 0.92).any(axis=1).sum())
    assert flagged / len(vecs) < 0.01, f"{flagged} leaves have a near-duplicate (cosine >= 0.92)"


def test_a_250_attribute_selection_draws_from_all_categories(tree, embeddings):
    from deeppersona_agents.generation.selection import select_leaves

    core = np.asarray(embeddings.embed_query("a 52-year-old tailor in Mombasa"), np.float32)
    picks = select_leaves(tree, leaf_vectors(tree, embeddings), core, 250, np.random.default_rng(0))
    assert len({tree.leaves[i].category for i, _ in picks}) == 12
