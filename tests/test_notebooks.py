"""The notebooks are saved executed (CI re-runs them with nbmake): outputs present, each ending with a picture."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

#: Not yet saved executed (the embedded runs did not finish before the branch landed): strict, so executing one
#: (`pytest --nbmake --overwrite notebooks/NAME.ipynb`) makes its test pass and this mark must go.
NOT_YET_EXECUTED: set[str] = set()
NOTEBOOKS = [pytest.param(path, marks=pytest.mark.xfail(strict=True, reason="saved without outputs so far"))
             if path.stem in NOT_YET_EXECUTED else path
             for path in sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))]


def _code_cells(path: Path) -> list[dict]:
    return [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]


def _text(output: dict) -> str:
    parts = [output.get("text", "")]
    parts += [output.get("data", {}).get(kind, "") for kind in ("text/plain", "text/html")]
    return "".join("".join(p) if isinstance(p, list) else str(p) for p in parts)


def test_there_are_four_notebooks():
    names = sorted(p.name[:3] for p in (Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
    assert names == ["01_", "02_", "03_", "04_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_saved_with_outputs_of_one_run_in_order(path):
    cells = _code_cells(path)
    assert [cell["execution_count"] for cell in cells] == list(range(1, len(cells) + 1))  # one top-to-bottom run
    outputs = [output for cell in cells for output in cell["outputs"]]
    assert outputs, f"{path.name} is saved without outputs; execute it (see tests/test_notebooks.py)"
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert not [o for o in outputs if "IProgress not found" in _text(o)]  # the notebook extra's widgets


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_ends_with_a_small_picture(path):
    last = _code_cells(path)[-1]
    images = [o["data"]["image/png"] for o in last["outputs"] if "image/png" in o.get("data", {})]
    assert images, f"the last code cell of {path.name} shows no picture"
    png = base64.b64decode("".join(images[-1]))
    assert png.startswith(b"\x89PNG") and len(png) < 150_000
    assert path.stat().st_size < 400_000  # no logs or large outputs kept in the repository
