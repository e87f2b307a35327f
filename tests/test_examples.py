"""The scripts in examples/ run end to end (tiny N, fake chat model, real embeddings)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pyarrow.parquet as pq

from tests.fakes import FakeChatModel

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_handoff_example_exports_every_format_and_asks_a_persona(tmp_path, embeddings):
    handoff = load("handoff")
    done = handoff.main(seed=2, n=2, model=FakeChatModel(), embeddings=embeddings, out=tmp_path / "run")
    assert pq.read_table(done["hf"] / "data" / "personas.parquet").num_rows == 2
    assert (done["hf"] / "README.md").read_text(encoding="utf-8").startswith("---\nlicense: apache-2.0\n")
    assert [p.suffixes for p in done["tinytroupe"]] == [[".agent", ".json"]] * 2
    agents = json.loads(done["edsl"].read_text(encoding="utf-8"))["agent_list"]
    assert [a["name"] for a in agents][0] == done["persona"].core.name
    assert done["tool"].name == "ask_" + done["persona"].core.name.split()[0] and isinstance(done["answer"], str)
