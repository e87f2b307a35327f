from __future__ import annotations

import pytest
from typer.testing import CliRunner

from deeppersona_agents.cli import app
from deeppersona_agents.persona import load_personas

FAKE = "tests.fakes:FakeChatModel"


@pytest.fixture(scope="session")
def population(tmp_path_factory):
    """A finished three-persona Kenyan run made with the fake model (what `deeppersona population` writes)."""
    out = tmp_path_factory.mktemp("export") / "ke"
    done = CliRunner().invoke(app, ["population", "--country", "KEN", "-n", "3", "--attributes", "16", "--seed", "4",
                                    "--out", str(out), "--factory", FAKE, "--quiet"])
    assert done.exit_code == 0, done.output
    return out


@pytest.fixture(scope="session")
def personas(population):
    return load_personas(population / "personas.jsonl")
