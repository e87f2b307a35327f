"""SIGKILL a population run at arbitrary moments; rerunning the same command finishes it exactly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.population.conftest import FAKE, K, read_lines

ROOT = Path(__file__).resolve().parents[2]
N = 24


def command(out: Path) -> list[str]:
    return [sys.executable, "-m", "deeppersona_agents.cli", "population", "--country", "KEN", "-n", str(N),
            "--attributes", str(K), "--seed", "5", "--out", str(out), "--concurrency", "4", "--factory", FAKE,
            "--quiet"]


def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "DEEPPERSONA_CACHE": str(tmp_path / "cache")}


def count_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_killed_runs_resume_to_exactly_n_unique_personas(tmp_path):
    out = tmp_path / "ke"
    personas = out / "personas.jsonl"
    kills = 0
    for target in (3, 9, 15):  # kill -9 once this many personas are on disk
        proc = subprocess.Popen(command(out), cwd=ROOT, env=env(tmp_path), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        deadline = time.monotonic() + 240
        while proc.poll() is None and count_lines(personas) < target and time.monotonic() < deadline:
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills == 3, "the run finished before it could be killed; nothing was tested"
    with personas.open("ab") as fh:  # and a torn write, as a kill in the middle of a line leaves it
        fh.write(b'{"id": "torn", "seed": 1, "ind')
    final = subprocess.run(command(out), cwd=ROOT, env=env(tmp_path), capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr
    records = read_lines(out)
    assert [r["index"] for r in records] == list(range(N))
    assert len({r["id"] for r in records}) == N
    reference = subprocess.run([*command(tmp_path / "clean")], cwd=ROOT, env=env(tmp_path), capture_output=True,
                               text=True, timeout=600)
    assert reference.returncode == 0, reference.stderr
    assert (out / "personas.jsonl").read_bytes() == (tmp_path / "clean" / "personas.jsonl").read_bytes(), \
        "resumed personas are byte-identical to an unbroken run's"
