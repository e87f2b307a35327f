"""A population with a response cache: a killed run resumes without asking again what was answered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from deeppersona_agents.generation import GenerationConfig
from deeppersona_agents.population import ModelSpec, spawn_population
from tests.openai_stub import StubEndpoint
from tests.population.conftest import K, read_lines

ROOT = Path(__file__).resolve().parents[2]
N = 4


def _command(out: Path, url: str, cache: Path) -> list[str]:
    return [sys.executable, "-m", "deeppersona_agents.cli", "population", "--country", "KEN", "-n", str(N),
            "--attributes", str(K), "--seed", "5", "--out", str(out), "--concurrency", "1", "--model", "stub",
            "--base-url", url, "--cache", str(cache), "--quiet"]


def _body(request: dict) -> str:
    return json.dumps(request, sort_keys=True)


def test_a_killed_run_resumed_with_the_cache_asks_nothing_twice(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DEEPPERSONA_CACHE": str(tmp_path / "vectors")}
    cache, out = tmp_path / "replies.sqlite", tmp_path / "ke"
    with StubEndpoint() as stub:
        proc = subprocess.Popen(_command(out, stub.url, cache), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        deadline = time.monotonic() + 240
        while proc.poll() is None and len(stub.requests) < 12 and time.monotonic() < deadline:
            time.sleep(0.005)  # 12 answers: the second persona is half-way through its stages
        assert proc.poll() is None, "the run ended before it could be killed; nothing was tested"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = {_body(r) for r in stub.requests}
        stub.requests.clear()
        final = subprocess.run(_command(out, stub.url, cache), cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=600)
        assert final.returncode == 0, final.stderr
        again = [r for r in stub.requests if _body(r) in before]
        assert len(again) <= 1, "only the call in flight at the kill may be asked again (concurrency 1)"
        summary = json.loads((out / "manifest.json").read_text())["summary"]
        # the half-made persona's finished stages came from the cache, and nothing else was billed
        assert summary["calls_cached"] > 0 and summary["calls_billed"] == len(stub.requests)
    assert [r["index"] for r in read_lines(out)] == list(range(N))


def test_a_complete_rerun_with_the_cache_bills_nothing(tmp_path):
    def spawn(out):
        return spawn_population("KEN", 3, out=out, model=ModelSpec(model="stub", base_url=stub.url), seed=1,
                                config=GenerationConfig(attributes=K), concurrency=2, progress=False,
                                cache=tmp_path / "replies.sqlite")

    with StubEndpoint() as stub:
        first = spawn(tmp_path / "a")
        sent = len(stub.requests)
        second = spawn(tmp_path / "b")  # the first folder lost: everything is asked again, from the cache
        assert len(stub.requests) == sent
    assert first.summary["calls_billed"] == sent and first.summary["calls_cached"] == 0
    assert second.summary["calls_billed"] == 0 and second.summary["calls_cached"] == sent
    def people(folder):  # the manifests differ (billed vs cached calls, timings); the personas must not
        return [{k: v for k, v in r.items() if k != "manifest"} for r in read_lines(folder)]

    assert people(tmp_path / "a") == people(tmp_path / "b")
