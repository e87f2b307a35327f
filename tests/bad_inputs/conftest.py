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
