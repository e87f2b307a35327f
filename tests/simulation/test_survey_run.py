"""Durable survey runs: answers kept as they arrive, resume after SIGKILL, reasons, exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from deeppersona_agents import GenerationConfig, generate_persona
from deeppersona_agents.cli import app
from tests.fakes import FakeChatModel
from tests.openai_stub import Reply, StubEndpoint

ROOT = Path(__file__).resolve().parents[2]
ITEMS = "Q1,Q2,Q3,Q4,Q5,Q6,Q45,Q46,Q57,Q184"


@pytest.fixture(scope="module")
def people(tmp_path_factory, embeddings) -> Path:
    path = tmp_path_factory.mktemp("people") / "personas.jsonl"
    personas = [generate_persona(country="IND", seed=s, model=FakeChatModel(), embeddings=embeddings,
                                 config=GenerationConfig(attributes=8)) for s in range(6)]
    path.write_text("".join(p.model_dump_json() + "\n" for p in personas))
    return path


def command(people: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "deeppersona_agents.cli", "survey", str(people), "--out", str(out), "--items",
            ITEMS, "--samples", "2", "--method", "deep", "--depth", "3", "--factory",
            "tests.simulation.slow_fake:slow", "--concurrency", "2", "--quiet", *extra]


def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "DEEPPERSONA_CACHE": str(tmp_path / "cache")}


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_killed_survey_resumes_to_exactly_every_answer_once(tmp_path, people):
    out = tmp_path / "run"
    log = out / "answers.jsonl"
    kills = 0
    for target in (10, 40, 80):  # SIGKILL once this many answers are on disk (of 6 x 10 x 2 = 120)
        proc = subprocess.Popen(command(people, out), cwd=ROOT, env=env(tmp_path), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        deadline = time.monotonic() + 240
        while proc.poll() is None and lines(log) < target and time.monotonic() < deadline:
            time.sleep(0.005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills == 3, "the run finished before it could be killed; nothing was tested"
    assert not (out / "answers.csv").exists()  # the table is written only by a finished run
    with log.open("ab") as fh:  # a torn line, as a kill mid-write leaves it
        fh.write(b'{"persona_id": "x", "item": "Q1", "sam')
    final = subprocess.run(command(people, out), cwd=ROOT, env=env(tmp_path), capture_output=True, text=True,
                           timeout=600)
    assert final.returncode == 0, final.stderr
    resumed = pd.read_csv(out / "answers.csv")
    keys = resumed[["persona_id", "item", "sample", "wave"]].apply(tuple, axis=1)
    assert len(resumed) == 120 and keys.is_unique and resumed["answer"].notna().all()
    clean = subprocess.run(command(people, tmp_path / "clean"), cwd=ROOT, env=env(tmp_path), capture_output=True,
                           text=True, timeout=600)
    assert clean.returncode == 0, clean.stderr
    unbroken = pd.read_csv(tmp_path / "clean" / "answers.csv")
    pd.testing.assert_frame_equal(resumed, unbroken)  # same rows, same answers, same order
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs"] == 4
    assert manifest["fingerprint"]["mode"] == "item" and manifest["fingerprint"]["depth"] == 3


def test_other_options_are_refused_on_resume(tmp_path, people):
    out = tmp_path / "run"
    runner = CliRunner()
    base = ["survey", str(people), "--out", str(out), "--items", "Q46", "--factory", "tests.fakes:FakeChatModel",
            "--quiet"]
    assert runner.invoke(app, base).exit_code == 0
    refused = runner.invoke(app, [*base, "--method", "cultural"])
    assert refused.exit_code == 1 and "--force" in refused.output
    assert 'different configuration (method: "deep" -> "cultural")' in refused.output  # the changed option, named
    assert runner.invoke(app, [*base, "--method", "cultural", "--force"]).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["fingerprint"]["method"] == "cultural" and manifest["runs"] == 1  # forced: started over


def test_a_survey_library_refusal_names_the_parameter_and_every_changed_value(tmp_path, people, embeddings):
    from deeppersona_agents.errors import ConfigError
    from deeppersona_agents.persona import Persona
    from deeppersona_agents.simulation.run import run_survey

    personas = [Persona.model_validate_json(line) for line in people.read_text().splitlines()[:2]]
    out = tmp_path / "run"
    run_survey(personas, FakeChatModel(), out=out, model_name="fake", items=["Q46"], embeddings=embeddings,
               progress=False)
    with pytest.raises(ConfigError) as refused:
        run_survey(personas, FakeChatModel(), out=out, model_name="fake", items=["Q46", "Q57"], depth=2,
                   embeddings=embeddings, progress=False)
    message = str(refused.value)
    assert "depth: null -> 2" in message, message
    assert 'items: ["Q46"] -> ["Q46", "Q57"]' in message and "--" not in message, message
    assert refused.value.param == "force"


def test_a_survey_log_without_a_manifest_is_not_touched(tmp_path, people):
    out = tmp_path / "run"
    out.mkdir()
    (out / "answers.jsonl").write_text('{"persona_id": "x"}\n')
    result = CliRunner().invoke(app, ["survey", str(people), "--out", str(out), "--items", "Q46", "--factory",
                                      "tests.fakes:FakeChatModel", "--quiet"])
    assert result.exit_code == 1 and "without a manifest.json" in result.output and "--force" in result.output
    assert (out / "answers.jsonl").read_text() == '{"persona_id": "x"}\n' and not (out / "manifest.json").exists()


def test_a_refusing_endpoint_exits_3_naming_the_status_and_a_rerun_fills_the_gaps(tmp_path, people):
    out = tmp_path / "run"
    runner = CliRunner()
    with StubEndpoint(lambda n, body, text: Reply(status=403)) as stub:
        args = ["survey", str(people), "--out", str(out), "--items", "Q46,Q57", "--model", "stub", "--base-url",
                stub.url, "--quiet"]
        result = runner.invoke(app, args)
    assert result.exit_code == 3, result.output
    assert "403" in result.output and "12 of 12 answers are missing" in result.output
    answers = pd.read_csv(out / "answers.csv")
    assert answers["answer"].isna().all() and answers["reason"].str.contains("403").all()
    with StubEndpoint() as stub:  # the endpoint is fixed: the same command asks only what is missing
        args[args.index("--base-url") + 1] = stub.url
        result = runner.invoke(app, args)
        assert len(stub.requests) == 12
    assert result.exit_code == 0, result.output
    answers = pd.read_csv(out / "answers.csv")
    assert len(answers) == 12 and answers["answer"].notna().all()


def test_questionnaire_mode_from_the_cli(tmp_path, people):
    runner = CliRunner()
    result = runner.invoke(app, ["survey", str(people), "--out", str(tmp_path / "q"), "--mode", "questionnaire",
                                 "--block-size", "20", "--factory", "tests.fakes:FakeChatModel", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "6 LLM calls" not in result.output and "18 LLM calls this run" in result.output  # 6 personas x 3 blocks
    answers = pd.read_csv(tmp_path / "q" / "answers.csv")
    assert len(answers) == 6 * 57 and answers["answer"].notna().all()
