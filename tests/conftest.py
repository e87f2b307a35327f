from __future__ import annotations

import pytest

from deeppersona_agents.embedded import MiniLMEmbeddings
from deeppersona_agents.generation import GenerationConfig, PersonaRunContext, make_deps
from deeppersona_agents.taxonomy import load_tree
from tests.fakes import FakeChatModel


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DEEPPERSONA_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
    for var in ("DEEPPERSONA_MODEL", "DEEPPERSONA_EMBEDDINGS_MODEL", "DEEPPERSONA_STRUCTURED_METHOD"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def tree():
    return load_tree()


@pytest.fixture(scope="session")
def embeddings():
    return MiniLMEmbeddings()


@pytest.fixture
def fake_model():
    return FakeChatModel()


@pytest.fixture
def deps(fake_model, embeddings, tree):
    return make_deps(fake_model, embeddings, tree)


def run_ctx(k: int = 30, seed: int = 7, **kw) -> PersonaRunContext:
    return PersonaRunContext(seed=seed, config=GenerationConfig(attributes=k, **kw))
