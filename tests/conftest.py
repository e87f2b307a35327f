from __future__ import annotations

import os
from pathlib import Path

import pytest

from deeppersona_agents.embedded import MiniLMEmbeddings
from deeppersona_agents.generation import GenerationConfig, PersonaRunContext, make_deps
from deeppersona_agents.taxonomy import load_tree
from tests.fakes import FakeChatModel


@pytest.fixture(autouse=True, scope="session")
def _session_cache(tmp_path_factory):
    """The cache folder for session fixtures too (it is part of a run's config, so every run must agree)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEEPPERSONA_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
        yield


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


def reference_dir() -> Path:
    """Real reference aggregates: ``DEEPPERSONA_REFERENCE_DIR``, default ``../shared/data`` beside the checkout."""
    raw = os.environ.get("DEEPPERSONA_REFERENCE_DIR", "").strip()
    return Path(raw) if raw else Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference-data folder; the test is skipped (with the reason) when it is absent."""
    folder = reference_dir()
    if not folder.is_dir():
        pytest.skip(f"reference data not found at {folder}; set DEEPPERSONA_REFERENCE_DIR to the folder of "
                    "real aggregates (CI has it beside the checkout)")
    return folder
