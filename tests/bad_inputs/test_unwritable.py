"""An output folder without write permission is refused before any work.

Skipped where permissions are not enforced (root); run as a user, or as root under
``setpriv --inh-caps=-dac_override,-dac_read_search --bounding-set=-dac_override,-dac_read_search``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.bad_inputs.harness import FAKE, case, run_bad, write


def _permissions_enforced() -> bool:
    """False for root with CAP_DAC_OVERRIDE, which writes into read-only folders anyway."""
    with tempfile.TemporaryDirectory() as folder:
        locked = Path(folder) / "locked"
        locked.mkdir(mode=0o555)
        try:
            (locked / "probe").touch()
        except PermissionError:
            return True
        finally:
            locked.chmod(0o755)
        return False


pytestmark = pytest.mark.skipif(not _permissions_enforced(), reason="permissions are not enforced (root)")


@pytest.fixture(scope="module")
def root(tmp_path_factory, good_run):
    root = tmp_path_factory.mktemp("locked")
    shutil.copy(good_run / "personas.jsonl", root / "personas.jsonl")
    write(root, "answers.csv", "persona_id,country,item,answer,method\np1,KEN,Q57,1,deep\n")
    write(root, "marginals.csv", "country,item,value,share,n_valid\nKEN,Q57,1,0.5,10\nKEN,Q57,2,0.5,10\n")
    (root / "locked").mkdir()
    (root / "locked").chmod(0o555)
    yield root
    (root / "locked").chmod(0o755)


CASES = [
    case("gen-unwritable", "generate --quiet --attributes 12 --out {root}/locked/p.json", "not writable"),
    case("pop-unwritable", f"population --quiet --factory {FAKE} --attributes 12 --country KEN -n 1 "
         "--out {root}/locked/run", "--out"),
    case("survey-unwritable", "survey {root}/personas.jsonl --items Q57 --out {root}/locked/s", "--out"),
    case("compare-unwritable", "compare {root}/answers.csv --reference {root}/marginals.csv --out {root}/locked/c",
         "--out"),
    case("demo-unwritable", "demographics sample --country KEN -n 2 --out {root}/locked/d.csv", "not writable"),
    case("export-hf-unwritable", "export {root}/personas.jsonl --hf {root}/locked/hf", "not writable", "--hf"),
    case("export-tt-unwritable", "export {root}/personas.jsonl --tinytroupe {root}/locked/tt", "not writable"),
    case("export-edsl-unwritable", "export {root}/personas.jsonl --edsl {root}/locked/a.json", "not writable"),
]


@pytest.mark.parametrize("item", CASES, ids=lambda c: c.id)
def test_unwritable_output_is_refused(root, item):
    run_bad(root, item)
