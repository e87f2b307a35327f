"""A population against a real HTTP endpoint: counts, permanent errors, secrets, tables and rate shares."""

from __future__ import annotations

import json
import shutil
from importlib import resources

import pytest

from deeppersona_agents.errors import ConfigError, ModelError
from deeppersona_agents.generation import GenerationConfig
from deeppersona_agents.population import ModelSpec, spawn_population
from deeppersona_agents.population.engines import actor_job
from deeppersona_agents.population.worker import PopulationJob
from tests.fakes import FakeChatModel
from tests.openai_stub import Reply, StubEndpoint, requested_schema
from tests.population.conftest import K, read_lines


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch):
    monkeypatch.setattr("deeppersona_agents.usage.TRANSIENT_BACKOFF", 0.001)


def spawn(out, url, n=3, **kw):
    return spawn_population("KEN", n, out=out, model=ModelSpec(model="stub", base_url=url),
                            config=GenerationConfig(attributes=K), seed=1,
                            concurrency=1, progress=False, retry_backoff=0.001, **kw)


def test_the_summary_counts_every_attempt_of_stored_and_failed_personas(tmp_path):
    doomed: list[str] = []

    def script(n, body, text):
        if "story_1" in json.dumps(requested_schema(body)):  # the stories stage of the first persona to reach it
            prompt = body["messages"][1]["content"]
            if not doomed:
                doomed.append(prompt)
            if prompt == doomed[0]:
                return Reply(text=text[:-3])  # cut every time: that persona fails
        return Reply(status=500) if n % 7 == 0 else None

    with StubEndpoint(script) as stub:
        result = spawn(tmp_path / "ke", stub.url)
        assert result.summary["calls_billed"] == len(stub.requests)
    [failed] = [f["index"] for f in read_lines(tmp_path / "ke", "failures.jsonl")]
    stored = read_lines(tmp_path / "ke")
    assert sorted(r["index"] for r in stored) == sorted({0, 1, 2} - {failed})  # unsorted: the run is incomplete
    assert result.summary["calls_billed"] > sum(r["manifest"]["llm_calls"] for r in stored)  # failed ones count too


@pytest.mark.parametrize("status", [400, 403, 429])
def test_permanent_errors_stop_the_run_after_several_personas(tmp_path, status):
    with StubEndpoint(lambda n, body, text: Reply(status=status)) as stub:
        with pytest.raises(ModelError, match="personas in a row failed to reach the model"):
            spawn(tmp_path / "ke", stub.url, n=20)
        assert stub.requests
    failures = read_lines(tmp_path / "ke", "failures.jsonl")
    assert 8 <= len(failures) < 20 and read_lines(tmp_path / "ke") == []


def test_credentials_in_the_base_url_are_never_written(tmp_path):
    with StubEndpoint(lambda n, body, text: Reply(text="{") if n in (1, 2, 3) else None) as stub:
        url = stub.url.replace("http://", "http://user:sk-SECRET-KEY@")
        spawn(tmp_path / "ke", url, n=2)
    manifest = json.loads((tmp_path / "ke" / "manifest.json").read_text())
    assert manifest["fingerprint"]["model"]["base_url"].startswith("http://***@127.0.0.1")
    assert read_lines(tmp_path / "ke", "failures.jsonl")  # a failure was written, and it is clean too
    for path in (tmp_path / "ke").iterdir():
        assert "sk-SECRET-KEY" not in path.read_text(encoding="utf-8"), path.name


def test_the_tables_folder_is_part_of_the_fingerprint(tmp_path, monkeypatch):
    tables = tmp_path / "tables"
    tables.mkdir()
    shipped = resources.files("deeppersona_agents.demographics") / "data" / "countries" / "KEN.json"
    with resources.as_file(shipped) as source:
        shutil.copy(source, tables / "KEN.json")
    monkeypatch.setenv("DEEPPERSONA_DEMOGRAPHICS_DIR", str(tables))
    config = GenerationConfig(attributes=K)  # the environment is read once, into the config
    assert config.tables_dir == str(tables.resolve())
    common = {"model": FakeChatModel(), "seed": 1, "progress": False}
    spawn_population("KEN", 1, out=tmp_path / "ke", config=config, **common)
    recorded = json.loads((tmp_path / "ke" / "manifest.json").read_text())["fingerprint"]
    assert recorded["config"]["tables_dir"] == str(tables.resolve())
    assert recorded["config"]["cache_dir"] == config.cache_dir  # the cache folder too (DEEPPERSONA_CACHE, read once)
    [person] = [json.loads(line) for line in (tmp_path / "ke" / "personas.jsonl").read_text().splitlines()]
    assert "cache_dir" not in person["manifest"]["config"]  # machine-local, never part of the person
    assert person["manifest"]["config"]["tables_dir"] == str(tables.resolve())
    folder = recorded["demographics_dir"]
    assert folder["dir"] == str(tables.resolve()) and folder["files"] == "1" and len(folder["hash"]) == 16
    with pytest.raises(ConfigError, match="different configuration.*tables_dir"):
        spawn_population("KEN", 2, out=tmp_path / "ke", config=config.model_copy(update={"tables_dir": None}),
                         **common)
    with pytest.raises(ConfigError, match="different configuration.*cache_dir"):
        spawn_population("KEN", 2, out=tmp_path / "ke", config=config.model_copy(update={"cache_dir": None}),
                         **common)
    (tables / "KEN.json").write_text((tables / "KEN.json").read_text() + "\n")  # same folder, edited tables
    with pytest.raises(ConfigError, match="different configuration.*demographics_dir"):
        spawn_population("KEN", 2, out=tmp_path / "ke", config=config, **common)


def test_each_ray_actor_gets_its_share_of_the_rate_limit():
    job = PopulationJob(country="KEN", seed=0, config=GenerationConfig(attributes=K),
                        spec=ModelSpec(),
                        requests_per_second=6.0)
    assert actor_job(job, 3).requests_per_second == 2.0 and actor_job(job, 1) == job
    assert actor_job(job.model_copy(update={"requests_per_second": None}), 3).requests_per_second is None


def test_cli_errors_never_show_a_key_from_the_base_url(tmp_path):
    from typer.testing import CliRunner

    from deeppersona_agents.cli import app

    with StubEndpoint(lambda n, body, text: Reply(status=403)) as stub:
        url = stub.url.replace("http://", "http://user:sk-SECRET-KEY@")
        done = CliRunner().invoke(app, ["population", "--country", "KEN", "-n", "9", "--attributes", str(K),
                                        "--out", str(tmp_path / "ke"), "--model", "stub", "--base-url", url,
                                        "--quiet"])
    assert done.exit_code != 0 and "refused access" in done.output and "Traceback" not in done.output
    assert "sk-SECRET-KEY" not in done.output
    assert all("sk-SECRET-KEY" not in p.read_text(encoding="utf-8") for p in (tmp_path / "ke").iterdir())
