from __future__ import annotations

import pytest

from tests.fakes import FakeChatModel


@pytest.fixture(autouse=True)
def _no_embedded_model(monkeypatch):
    """Commands without ``--factory`` get the fake model: the embedded model is never loaded here."""
    monkeypatch.setattr("deeppersona_agents.embedded.EmbeddedChatModel", lambda *a, **k: FakeChatModel())
    monkeypatch.setattr("deeppersona_agents.cli.evaluate.resolve_chat_model", lambda *a, **k: FakeChatModel())


@pytest.fixture(scope="session")
def good_run(tmp_path_factory):
    """A finished two-persona run made with the fake model (personas.jsonl, manifest.json, ...)."""
    from deeppersona_agents.cli import app
    from tests.bad_inputs.harness import FAKE, runner

    out = tmp_path_factory.mktemp("good") / "run"
    done = runner.invoke(app, ["population", "--country", "KEN", "-n", "2", "--attributes", "12", "--out", str(out),
                               "--factory", FAKE, "--quiet"])
    assert done.exit_code == 0, done.output
    return out


@pytest.fixture(scope="session")
def _shipped_tree():
    from deeppersona_agents.taxonomy import load_tree

    return load_tree()


@pytest.fixture(autouse=True)
def _load_the_shipped_tree_once(monkeypatch, _shipped_tree):
    """Speed only: the shipped tree is parsed once per session; a tree file given by a case is still read."""
    from deeppersona_agents.taxonomy import tree as tree_module

    real = tree_module.load_tree

    def load_tree(path=None):
        return _shipped_tree if path is None else real(path)

    for target in ("deeppersona_agents.taxonomy", "deeppersona_agents.population.run",
                   "deeppersona_agents.generation.graph"):
        monkeypatch.setattr(f"{target}.load_tree", load_tree)
