"""The model's classification of an unlisted occupation title is cached on disk, per model and title."""

from __future__ import annotations

import json

import pytest
from langgraph.runtime import Runtime

from deeppersona_agents.demographics import occupations
from deeppersona_agents.generation import make_deps
from deeppersona_agents.generation.anchor import anchor_node
from tests.conftest import run_ctx
from tests.fakes import FakeChatModel

TITLE = "escape room designer"
CLASS = {"isco_major": 3, "activity": "employed", "min_age": 19}


class NamedFake(FakeChatModel):
    """The fake under another model name (the cache is keyed by it)."""

    name_override: str = "fake-structured"

    @property
    def model_name(self) -> str:
        return self.name_override


def _classify(model, embeddings, tree, seed=1):
    deps = make_deps(model, embeddings, tree)
    out = anchor_node({"anchors": {"occupation": TITLE}, "country": "KEN"}, Runtime(context=run_ctx(seed=seed)), deps)
    return out["core"]["demographics"]


@pytest.fixture
def fresh_process(monkeypatch, tmp_path):
    """A cache folder of its own and an empty in-process memory (as in a new process)."""
    monkeypatch.setenv("DEEPPERSONA_CACHE", str(tmp_path))
    monkeypatch.setattr(occupations, "_LEARNED", {})
    return tmp_path


def test_a_second_run_reads_the_classification_from_disk(fresh_process, monkeypatch, embeddings, tree):
    first = FakeChatModel(scripts={"OccupationClass": CLASS, "BioFacts": {}})
    assert _classify(first, embeddings, tree)["isco_major"] == 3
    assert first.calls == 1
    [stored] = list((fresh_process / "occupation-classes").glob("*.json"))
    assert json.loads(stored.read_text()) == {"model": "fake-structured", "title": TITLE, **CLASS}
    assert not list(fresh_process.rglob("*.tmp"))  # written atomically

    monkeypatch.setattr(occupations, "_LEARNED", {})  # a new process: only the disk remembers
    second = FakeChatModel(scripts={"OccupationClass": {**CLASS, "isco_major": 9}, "BioFacts": {}})
    demo = _classify(second, embeddings, tree, seed=2)
    assert second.calls == 0 and demo["isco_major"] == 3


def test_another_model_asks_again(fresh_process, monkeypatch, embeddings, tree):
    _classify(FakeChatModel(scripts={"OccupationClass": CLASS, "BioFacts": {}}), embeddings, tree)
    monkeypatch.setattr(occupations, "_LEARNED", {})
    other = NamedFake(name_override="another-model", scripts={"OccupationClass": {**CLASS, "isco_major": 7},
                                                              "BioFacts": {}})
    assert _classify(other, embeddings, tree)["isco_major"] == 7
    assert other.calls == 1
    assert len(list((fresh_process / "occupation-classes").glob("*.json"))) == 2


def test_a_damaged_cache_file_is_asked_again(fresh_process, monkeypatch, embeddings, tree):
    _classify(FakeChatModel(scripts={"OccupationClass": CLASS, "BioFacts": {}}), embeddings, tree)
    [stored] = list((fresh_process / "occupation-classes").glob("*.json"))
    stored.write_text('{"model": "fake-structured", "title": "escape')
    monkeypatch.setattr(occupations, "_LEARNED", {})
    again = FakeChatModel(scripts={"OccupationClass": CLASS, "BioFacts": {}})
    assert _classify(again, embeddings, tree)["isco_major"] == 3
    assert again.calls == 1
    assert json.loads(stored.read_text())["isco_major"] == 3  # repaired by the new answer


def test_a_title_in_the_lists_never_touches_the_cache(fresh_process, embeddings, tree):
    model = FakeChatModel(scripts={"BioFacts": {}})
    deps = make_deps(model, embeddings, tree)
    anchor_node({"anchors": {"occupation": "nurse"}, "country": "KEN"}, Runtime(context=run_ctx(seed=1)), deps)
    assert model.calls == 0 and not (fresh_process / "occupation-classes").exists()
