"""engine='ray' on a local Ray instance: same output contract and same personas as the local engine."""

from __future__ import annotations

import json
import os

import pytest

from deeppersona_agents.generation import GenerationConfig
from deeppersona_agents.population import spawn_population
from tests.population.conftest import K, fake_spec, persona_bytes, read_lines

pytest.importorskip("ray")


@pytest.fixture(autouse=True)
def _ray_env(monkeypatch, tmp_path):
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    monkeypatch.setenv("DEEPPERSONA_CACHE", os.environ.get("DEEPPERSONA_CACHE", str(tmp_path / "cache")))


def test_ray_run_matches_the_local_run_and_resumes(tmp_path):
    common = {"model": fake_spec(), "config": GenerationConfig(attributes=K), "seed": 2, "concurrency": 4,
              "progress": False}
    spawn_population("KEN", 3, out=tmp_path / "ray", engine="ray", ray_actors=2, **common)
    grown = spawn_population("KEN", 5, out=tmp_path / "ray", engine="ray", ray_actors=2, **common)
    spawn_population("KEN", 5, out=tmp_path / "local", engine="local", **common)
    ray_records, local_records = read_lines(tmp_path / "ray"), read_lines(tmp_path / "local")
    assert [r["index"] for r in ray_records] == list(range(5))
    assert ray_records == local_records and persona_bytes(tmp_path / "ray") == persona_bytes(tmp_path / "local")
    assert grown.summary["engine"] == "ray" and grown.summary["generated_this_run"] == 2
    assert grown.summary["gate_calls"] > 0
    assert json.loads((tmp_path / "ray" / "manifest.json").read_text())["status"] == "complete"


def test_ray_refuses_a_model_that_cannot_be_built_before_any_output(tmp_path):
    from deeppersona_agents.errors import ConfigError
    from deeppersona_agents.population import ModelSpec

    with pytest.raises(ConfigError, match="cannot import factory"):
        spawn_population("KEN", 2, out=tmp_path / "bad", engine="ray", ray_actors=1, progress=False,
                         model=ModelSpec(factory="tests.fakes:NoSuchModel"), config=GenerationConfig(attributes=K))
    assert not (tmp_path / "bad").exists()
